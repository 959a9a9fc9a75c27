"""`reverie hook claude-code`, run as Claude Code runs it: a process reading the hook's JSON on
standard input. SessionStart prints the memory for the input's folder; Stop and SessionEnd
import the transcript from where the last import stopped, within a time limit. Every problem is
one line on standard error and exit code 0, with nothing changed; the start never loads the
model SDK, the TUI or the graph libraries; and what the hook (or a synced CLAUDE.md) hands
Claude Code comes back in its transcripts as recalled memory, never as new evidence."""

from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import pytest

from app.cli import main
from app.config import load_config
from app.integrations import context_snapshot
from app.integrations.context_snapshot import DATABASE_FILE, SNAPSHOT_NAME
from app.tui.app import ReverieApp
from memory_graph.memory import adoption
from memory_graph.store.db import DATABASE_NAME
from memory_graph.store.origins import BLOCK_BEGIN, BLOCK_END, RECALLED_HEADER
from memory_graph.store.session_log import SessionLog
from tests.support.claude_code_home import (
    EVERYWHERE_PREFERENCE,
    LOOM_PREFERENCE,
    learned_home,
    session_file,
)
from tests.support.claude_code_lines import Transcript
from tests.support.memory import active_memories, memories_at
from tests.support.processes import clean_environment, reverie
from tests.support.schema import database_before

HEAVY = ("anthropic", "textual", "networkx", "numpy", "mcp")
"""What Claude Code's start must never wait for."""


def hook(home: Path, payload: Any, *, raw: str | None = None) -> subprocess.CompletedProcess[str]:
    """`reverie --home HOME hook claude-code` with `payload` as JSON on standard input."""
    return subprocess.run(
        reverie(home, "hook", "claude-code"),
        input=json.dumps(payload) if raw is None else raw,
        capture_output=True,
        text=True,
        env=clean_environment(),
        timeout=60,
    )


def start(home: Path, cwd: Path) -> str:
    """The context a SessionStart in `cwd` adds."""
    done = hook(home, {"hook_event_name": "SessionStart", "cwd": str(cwd), "source": "startup"})
    assert (done.returncode, done.stderr) == (0, "")
    output = json.loads(done.stdout)
    assert output["hookSpecificOutput"]["hookEventName"] == "SessionStart"
    context = output["hookSpecificOutput"]["additionalContext"]
    assert isinstance(context, str)
    return context


def stop(home: Path, transcript: Path, cwd: Path, event: str = "Stop") -> str:
    """A Stop (or SessionEnd) of the session in `transcript`; returns standard error."""
    payload = {
        "hook_event_name": event,
        "session_id": transcript.stem,
        "transcript_path": str(transcript),
        "cwd": str(cwd),
    }
    done = hook(home, payload)
    assert (done.returncode, done.stdout) == (0, "")
    return done.stderr


@pytest.fixture
def loom(home: Path, tmp_path: Path) -> Path:
    return learned_home(home, tmp_path)


def test_session_start_hands_the_standing_and_project_memory_of_its_folder(
    home: Path, loom: Path
) -> None:
    (loom / "src").mkdir()
    context = start(home, loom / "src")
    assert context.startswith(f"# {RECALLED_HEADER} (project {loom.resolve()})")
    assert LOOM_PREFERENCE[1:] in context and EVERYWHERE_PREFERENCE in context
    elsewhere = start(home, loom.parent / "quill")
    assert EVERYWHERE_PREFERENCE in elsewhere and LOOM_PREFERENCE[1:] not in elsewhere
    # The same as `reverie context` there.
    shown = subprocess.run(
        reverie(home, "context", "--project", str(loom / "src")),
        capture_output=True,
        text=True,
        env=clean_environment(),
        check=True,
    )
    assert shown.stdout.rstrip("\n") == context


def test_a_start_is_served_from_the_snapshot_until_anything_changes(home: Path, loom: Path) -> None:
    first = start(home, loom)
    snapshot = home / SNAPSHOT_NAME
    assert snapshot.stat().st_mode & 0o777 == 0o600
    kept = json.loads(snapshot.read_text())
    assert kept["contexts"] == {str(loom.resolve()): first}
    # Served as kept: a changed snapshot with the same fingerprint is what is printed.
    snapshot.write_text(json.dumps(kept | {"contexts": {str(loom.resolve()): "kept"}}))
    assert start(home, loom) == "kept"
    # A session made private: what was kept is removed whole (it may quote that session) and
    # computed again from what memory may still use.
    assert main(["private", "1", "--home", str(home)]) == 0
    assert json.loads(snapshot.read_text())["contexts"] == {str(loom.resolve()): first}
    snapshot.write_text(json.dumps(kept | {"contexts": {str(loom.resolve()): "stale"}}))
    assert main(["private", "2", "--home", str(home)]) == 0
    again = json.loads(snapshot.read_text())["contexts"][str(loom.resolve())]
    assert again != first and LOOM_PREFERENCE[1:] not in again
    assert EVERYWHERE_PREFERENCE in again
    snapshot.write_text(json.dumps(kept))  # as if the old one had survived: never served
    assert start(home, loom) == again
    assert DATABASE_FILE == DATABASE_NAME


def test_an_import_keeps_every_projects_context_and_a_memory_change_does_not(
    home: Path, loom: Path, tmp_path: Path
) -> None:
    quill = loom.parent / "quill"
    for folder in (loom, quill):
        assert EVERYWHERE_PREFERENCE in start(home, folder)
    snapshot = home / SNAPSHOT_NAME
    kept = json.loads(snapshot.read_text())
    assert set(kept["contexts"]) == {str(loom.resolve()), str(quill.resolve())}
    marked = {key: f"kept for {key}" for key in kept["contexts"]}
    snapshot.write_text(json.dumps(kept | {"contexts": marked}))
    # A Claude Code session elsewhere ends, and its Stop imports it: the database grows, memory
    # does not change, and both projects' next starts are served as kept.
    elsewhere = session_file(tmp_path / "later", "c3", quill, "outline the appendix")
    assert stop(home, elsewhere, quill) == ""
    more = session_file(tmp_path / "more", "c4", loom, "hi")
    assert main(["import", str(more), "--home", str(home)]) == 0
    assert start(home, loom) == marked[str(loom.resolve())]
    assert start(home, quill) == marked[str(quill.resolve())]
    # A dream that finds nothing to propose changes no memory either.
    assert main(["dream", "--home", str(home)]) == 0
    assert start(home, loom) == marked[str(loom.resolve())]
    # Retiring a memory changes what is handed at the very next start, in every project.
    asyncio.run(_retire(home, EVERYWHERE_PREFERENCE))
    again = start(home, loom)
    assert EVERYWHERE_PREFERENCE not in again and LOOM_PREFERENCE[1:] in again
    assert EVERYWHERE_PREFERENCE not in start(home, quill)


def test_a_decision_on_the_command_line_computes_the_kept_contexts_again(
    home: Path, loom: Path, tmp_path: Path
) -> None:
    start(home, loom)
    assert main(["undo", "--home", str(home)]) == 0  # both adoptions, one batch
    # Computed by `undo` itself: the next start is served from a current snapshot.
    assert context_snapshot.current(home)
    kept = json.loads((home / SNAPSHOT_NAME).read_text())["contexts"][str(loom.resolve())]
    assert EVERYWHERE_PREFERENCE not in kept and LOOM_PREFERENCE[1:] not in kept
    assert start(home, loom) == kept


async def test_the_tui_computes_the_kept_contexts_again_after_a_change(
    home: Path, loom: Path, tmp_path: Path
) -> None:
    start(home, loom)
    config = load_config(home, env={}, overrides={"workspace": str(tmp_path), "idle_after": 0})
    app = ReverieApp(config)
    async with app.run_test(size=(120, 40)):
        log = await app.open_log()
        found = await active_memories(log)
        node = next(node for text, node in found.items() if EVERYWHERE_PREFERENCE in text)
        await (await app.decisions()).retire(node.id)
        assert not context_snapshot.current(home)
        await app.refresh_handed().wait()  # what its timer runs every few seconds
    assert context_snapshot.current(home)
    kept = json.loads((home / SNAPSHOT_NAME).read_text())["contexts"][str(loom.resolve())]
    assert EVERYWHERE_PREFERENCE not in kept and LOOM_PREFERENCE[1:] in kept


async def _retire(home: Path, words: str) -> None:
    """Retire the memory that says `words`, as the memory browser's `r` does."""
    async with await SessionLog.open(home) as log:
        found = await active_memories(log)
        node = next(node for statement, node in found.items() if words in statement)
        await adoption.retire_by_hand(log, node.id)


def _user_version(home: Path) -> int:
    with sqlite3.connect(home / DATABASE_NAME) as conn:
        return int(conn.execute("PRAGMA user_version").fetchone()[0])


def test_stop_imports_the_session_as_it_grows_and_its_sub_agents(
    home: Path, loom: Path, tmp_path: Path
) -> None:
    folder = tmp_path / "claude" / "projects" / "-loom"
    main_session = "5e55a000-1111-4222-8333-444455556666"
    transcript = Transcript(main_session, cwd=str(loom))
    transcript.user("rename the lexer module")
    transcript.assistant("Renamed.")
    path = transcript.write(folder / f"{main_session}.jsonl")
    agent = Transcript(main_session, agent="a77", cwd=str(loom))
    agent.user("Find every import of the lexer.")
    agent.assistant("Three files.")
    agent.write(folder / main_session / "subagents" / "agent-a77.jsonl")
    assert stop(home, path, loom) == ""
    assert _counts(home, main_session) == {main_session: 2, f"{main_session}:agent-a77": 2}
    transcript.user("now update the docs")
    transcript.assistant("Updated.")
    transcript.write(path)
    assert stop(home, path, loom, "SessionEnd") == ""
    assert _counts(home, main_session)[main_session] == 4
    assert stop(home, path, loom) == ""  # nothing new: nothing added
    assert _counts(home, main_session)[main_session] == 4


def _counts(home: Path, prefix: str) -> dict[str, int]:
    """The messages of each session whose external id starts with `prefix`."""
    return {
        str(s["external_id"]): int(s["messages"])
        for s in _sessions(home)
        if str(s["external_id"]).startswith(prefix)
    }


def _sessions(home: Path) -> list[dict[str, Any]]:
    done = subprocess.run(
        reverie(home, "sessions", "--json"),
        capture_output=True,
        text=True,
        env=clean_environment(),
        check=True,
    )
    return list(json.loads(done.stdout))


def test_a_stop_import_is_time_boxed_and_the_next_goes_on(
    home: Path, loom: Path, tmp_path: Path
) -> None:
    path = session_file(
        tmp_path / "long", "f00d", loom, *(f"step {n} of the port" for n in range(4000))
    )
    (home / "config.toml").write_text("hook_import_seconds = 0.05\n")
    began = time.monotonic()
    err = stop(home, path, loom)
    assert time.monotonic() - began < 20
    assert err.count("\n") == 1 and "imported for 0.05 s, not all of" in err
    (home / "config.toml").write_text("")
    assert stop(home, path, loom) == ""
    assert _counts(home, "f00d") == {f"{'f00d':0<8}-1111-4222-8333-444455556666": 8000}


def _refused(home: Path, payload: Any, says: str, raw: str | None = None) -> None:
    done = hook(home, payload, raw=raw)
    assert done.returncode == 0 and done.stdout == ""
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert done.stderr.startswith("reverie hook claude-code: ") and says in done.stderr


@pytest.mark.parametrize(
    ("raw", "says"),
    [
        ("not json", "standard input is not JSON"),
        ("", "standard input is not JSON"),
        ("[1, 2]", "not a JSON object"),
        ("{}", "no hook_event_name"),
        ('{"hook_event_name": "PreToolUse"}', "nothing to do for 'PreToolUse'"),
        ('{"hook_event_name": "SessionStart"}', "SessionStart input has no cwd"),
        ('{"hook_event_name": "Stop", "cwd": "/x"}', "Stop input has no transcript_path"),
        ('{"hook_event_name": "SessionEnd", "transcript_path": 3}', "no transcript_path"),
        ('{"hook_event_name": "Stop", "transcript_path": "/no/such.jsonl"}', "no such transcript"),
    ],
)
def test_bad_input_is_one_line_and_exit_0(home: Path, loom: Path, raw: str, says: str) -> None:
    before = (home / DATABASE_NAME).read_bytes()
    _refused(home, None, says, raw=raw)
    assert (home / DATABASE_NAME).read_bytes() == before


@pytest.mark.parametrize("event", ["SessionStart", "Stop"])
def test_no_home_or_a_foreign_file_is_one_line_and_nothing_is_created(
    tmp_path: Path, event: str
) -> None:
    transcript = session_file(tmp_path, "ab", tmp_path, "hello")
    payload = {"hook_event_name": event, "cwd": str(tmp_path), "transcript_path": str(transcript)}
    nowhere = tmp_path / "nowhere"
    _refused(nowhere, payload, "run `reverie` once to create it")
    assert not nowhere.exists()
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    with sqlite3.connect(foreign / DATABASE_NAME) as conn:
        conn.execute("CREATE TABLE notes (body TEXT)")
    _refused(foreign, payload, "not a Reverie database")


@pytest.mark.parametrize("event", ["SessionStart", "Stop"])
def test_a_database_that_needs_a_migration_is_never_migrated(tmp_path: Path, event: str) -> None:
    home = tmp_path / "old"

    async def older() -> None:
        async with database_before(home, "016_stemmed_messages"):
            pass

    asyncio.run(older())
    version = _user_version(home)
    transcript = session_file(tmp_path, "ab", tmp_path, "hello")
    payload = {"hook_event_name": event, "cwd": str(tmp_path), "transcript_path": str(transcript)}
    _refused(home, payload, "needs updating to this Reverie")
    assert "run `reverie` once" in hook(home, payload).stderr
    assert _user_version(home) == version


def test_a_locked_database_is_waited_on_briefly(home: Path, loom: Path, tmp_path: Path) -> None:
    transcript = session_file(tmp_path / "t", "cafe", loom, "hello there")
    holder = sqlite3.connect(home / DATABASE_NAME, isolation_level=None)
    try:
        holder.execute("BEGIN EXCLUSIVE")
        began = time.monotonic()
        _refused(home, {"hook_event_name": "Stop", "transcript_path": str(transcript)}, "locked")
        assert time.monotonic() - began < 10  # the busy wait is 300 ms, not the 5 s of a command
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert stop(home, transcript, loom) == ""


def _loaded(home: Path, payload: dict[str, Any]) -> set[str]:
    """The top-level packages a hook process imported (`-X importtime`)."""
    done = subprocess.run(
        [sys.executable, "-X", "importtime", *reverie(home, "hook", "claude-code")[1:]],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        env=clean_environment(),
        timeout=60,
    )
    assert done.returncode == 0
    lines = [line for line in done.stderr.splitlines() if line.startswith("import time:")]
    assert len(lines) > 50  # the report is there
    return {line.rsplit("|", 1)[1].strip().split(".")[0] for line in lines[1:]}


def test_the_hook_never_loads_the_model_sdk_the_tui_or_the_graph_libraries(
    home: Path, loom: Path, tmp_path: Path
) -> None:
    starting = {"hook_event_name": "SessionStart", "cwd": str(loom), "source": "startup"}
    cold = _loaded(home, starting)
    assert "memory_graph" in cold and "aiosqlite" in cold  # computed, by the real code
    warm = _loaded(home, starting)
    assert "aiosqlite" not in warm and "asyncio" not in warm  # served from the snapshot
    transcript = session_file(tmp_path / "t", "beef", loom, "hello there")
    stopping = {"hook_event_name": "Stop", "cwd": str(loom), "transcript_path": str(transcript)}
    for loaded in (cold, warm, _loaded(home, stopping)):
        assert loaded.isdisjoint(HEAVY), loaded & set(HEAVY)


def _reminder(context: str) -> str:
    return (
        "<system-reminder>\nSessionStart:startup hook additional context: "
        f"{context}\n</system-reminder>"
    )


def test_what_the_hook_and_a_synced_file_hand_claude_code_never_comes_back_as_evidence(
    home: Path, loom: Path, tmp_path: Path
) -> None:
    context = start(home, loom)
    assert main(["sync", str(loom / "CLAUDE.md"), "--home", str(home)]) == 0
    claude_md = (loom / "CLAUDE.md").read_text()
    assert BLOCK_BEGIN in claude_md and BLOCK_END in claude_md
    before = await_memories(home)
    folder = tmp_path / "claude" / "projects" / "-loom"
    sessions = []
    for index in range(3):  # more sessions than a pattern needs
        session = f"ec0{index}0000-1111-4222-8333-444455556666"
        transcript = Transcript(session, cwd=str(loom))
        transcript.user(_reminder(context), isMeta=True)
        transcript.user(
            f"<system-reminder>\nContents of {loom}/CLAUDE.md (project instructions):\n\n"
            f"{claude_md}</system-reminder>",
            isMeta=True,
        )
        transcript.user("hello")
        transcript.assistant(f"Noted, I will follow these:\n{context}")
        transcript.user(claude_md)  # the person pastes the block back
        transcript.assistant(f"From CLAUDE.md:\n{claude_md}")
        transcript.user("thanks")
        sessions.append(transcript.write(folder / f"{session}.jsonl"))
    for path in sessions:
        assert stop(home, path, loom, "SessionEnd") == ""
    assert _dreamt(home)["proposals"] == {}
    assert _pending(home) == []
    assert await_memories(home) == before  # no support added, nothing changed
    # The same words typed by the person are evidence: the test above could fail.
    for index in range(2):
        session = f"d1e{index}0000-1111-4222-8333-444455556666"
        transcript = Transcript(session, cwd=str(loom))
        transcript.user("tidy the build")
        transcript.assistant("Done.")
        transcript.user(LOOM_PREFERENCE)
        assert stop(home, transcript.write(folder / f"{session}.jsonl"), loom) == ""
    assert _dreamt(home)["proposals"] != {}


def await_memories(home: Path) -> dict[str, tuple[int, str]]:
    memories = asyncio.run(memories_at(home))
    return {text: (node.support, node.status) for text, node in memories.items()}


def _dreamt(home: Path) -> dict[str, Any]:
    done = subprocess.run(
        reverie(home, "dream", "--json"), capture_output=True, text=True, env=clean_environment()
    )
    assert done.returncode == 0, done.stderr
    return dict(json.loads(done.stdout))


def _pending(home: Path) -> list[Any]:
    done = subprocess.run(
        reverie(home, "inbox", "--json"), capture_output=True, text=True, env=clean_environment()
    )
    assert done.returncode == 0, done.stderr
    return list(json.loads(done.stdout)["proposals"])
