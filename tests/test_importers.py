"""Importers on real transcripts (../shared/benchmarks) and on hand-made bad input."""

from __future__ import annotations

import json
import shutil
from pathlib import Path
from typing import Any

import pytest

from memory_graph.store.session_log import SessionLog
from memory_graph.transcripts.importer import (
    ImportInputError,
    ImportReport,
    detect,
    import_files,
    import_paths,
)
from memory_graph.transcripts.reverie_format import export_lines
from tests.faults import failing_on_call
from tests.shared_data import CLAUDE_CODE, needs_shared_data
from tests.shared_data import TAUBENCH as TAUBENCH_DIR

TAUBENCH = TAUBENCH_DIR / "gpt-4o-airline-tasks-00-24.json"
pytestmark = needs_shared_data
LONG = "258c7280-ae70-4798-800f-63464d01a85d"


def _line(**fields: Any) -> str:
    return json.dumps(fields) + "\n"


def _claude_line(session: str, uuid: str, kind: str, content: Any, **extra: Any) -> str:
    role = "assistant" if kind == "assistant" else "user"
    return _line(
        type=kind,
        sessionId=session,
        uuid=uuid,
        timestamp=f"2026-03-01T10:00:{len(uuid) % 60:02d}.000Z",
        message={"role": role, "content": content},
        **extra,
    )


async def test_claude_code_projects_folder(log: SessionLog, tmp_path: Path) -> None:
    projects = tmp_path / "projects" / "-home-user-spotter"
    shutil.copytree(CLAUDE_CODE, projects)
    report = await import_paths(log, [tmp_path / "projects"])
    assert report.problems == [] and report.sessions_new == 9
    sessions = {s.external_id: s for s in await log.list_sessions(limit=100)}
    parent = sessions[LONG]
    children = [s for s in sessions.values() if s.parent_id == parent.id]
    assert sorted(s.external_id for s in children) == [
        f"{LONG}:agent-a881341",
        f"{LONG}:agent-acompact-fffbd0",
    ]
    assert all(s.source == "claude-code" for s in sessions.values())
    messages = await log.messages(parent.id)
    # Every message keeps the line's uuid; tool results keep is_error and Bash exit codes.
    assert all(m.external_id for m in messages)
    results = [b for m in messages if m.role == "tool" for b in m.content]
    failed = [b for b in results if b["is_error"]]
    assert failed and any(b.get("exit_code") == 128 for b in failed)
    assert any("rejected" in str(b["content"]) for b in failed)
    assert any(m.role == "assistant" and m.content[0]["type"] == "tool_use" for m in messages)
    assert parent.title == "Implement spotter-gqc" and parent.model == "claude-opus-4-6"


async def test_reimport_is_idempotent_and_a_grown_file_adds_only_new_lines(
    log: SessionLog, tmp_path: Path
) -> None:
    lines = (CLAUDE_CODE / "tool_heavy.jsonl").read_text().splitlines(keepends=True)
    grown = tmp_path / "session.jsonl"
    grown.write_text("".join(lines[:12]))
    first = await import_paths(log, [grown])
    again = await import_paths(log, [grown])
    assert again.messages == 0 and again.unchanged == 1
    with grown.open("a") as handle:
        handle.write("".join(lines[12:]))
    third = await import_paths(log, [grown])
    assert third.lines == len(lines) - 12 and third.sessions_updated == 1
    session = (await log.list_sessions())[0]
    # 19 conversation lines and the isMeta caveat of a slash command (a harness message).
    assert session.message_count == first.messages + third.messages == 20
    assert session.title == "start phoenix in background"
    ids = [m.external_id for m in await log.messages(session.id)]
    assert len(ids) == len(set(ids))


async def test_a_line_still_being_written_waits_for_its_end(
    log: SessionLog, tmp_path: Path
) -> None:
    path = tmp_path / "live.jsonl"
    whole = _claude_line("s1", "u1", "user", "first question")
    second = _claude_line("s1", "u2", "user", "second question")
    path.write_text(whole + second[:20])
    report = ImportReport()
    await import_files(log, [path], None, report, final=False)
    assert report.messages == 1 and report.problems == []
    with path.open("a") as handle:
        handle.write(second[20:])
    report = ImportReport()
    await import_files(log, [path], None, report, final=False)
    assert report.messages == 1 and report.problems == []


async def test_summary_lines_title_their_session(log: SessionLog, tmp_path: Path) -> None:
    path = tmp_path / "titled.jsonl"
    path.write_text(
        _line(type="summary", summary="Fix the flaky login test", leafUuid="u2")
        + _claude_line("s1", "u1", "user", "the login test fails again")
        + _claude_line("s1", "u2", "assistant", [{"type": "text", "text": "Looking."}])
    )
    await import_paths(log, [path])
    assert (await log.list_sessions())[0].title == "Fix the flaky login test"


async def test_malformed_lines_are_skipped_with_file_and_line(
    log: SessionLog, tmp_path: Path
) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(
        _claude_line("s1", "u1", "user", "good one").encode()
        + b'{"type": "user", truncated\n'
        + b"\xff\xfe not utf-8\n"
        + b"[1, 2, 3]\n"
        + _claude_line("s1", "u2", "user", "good two").encode()
        + _line(type="user", uuid="u3", message={"role": "user", "content": "no session"}).encode()
    )
    report = await import_paths(log, [path])
    assert report.messages == 2
    assert [(p.line, p.reason) for p in report.problems] == [
        (2, "not valid JSON"),
        (3, "not valid UTF-8"),
        (4, "not a JSON object"),
        (6, "user line without message/sessionId"),
    ]
    assert all(p.path == path for p in report.problems)
    assert str(report.problems[0]) == f"{path}:2: not valid JSON"


async def test_taubench_imports_as_is(log: SessionLog) -> None:
    report = await import_paths(log, [TAUBENCH])
    assert report.sessions_new == 100 and report.problems == []
    sessions = await log.list_sessions(limit=200)
    outcomes = [s.outcome for s in sessions]
    assert outcomes.count("failure") == 69 and outcomes.count("success") == 31
    first = next(s for s in sessions if s.external_id.startswith("task-0-trial-0-"))
    messages = await log.messages(first.id)
    assert messages[0].role == "system" and messages[1].role == "user"
    calls = {b["id"] for m in messages for b in m.content if b["type"] == "tool_use"}
    results = {b["tool_use_id"] for m in messages for b in m.content if b["type"] == "tool_result"}
    assert calls and results <= calls
    errors = [b for m in messages for b in m.content if b.get("is_error")]
    assert all(str(b["content"]).startswith("Error") for b in errors)
    assert (await import_paths(log, [TAUBENCH])).messages == 0


async def test_openai_jsonl_with_ids_titles_times_and_private(
    log: SessionLog, tmp_path: Path
) -> None:
    path = tmp_path / "chats.jsonl"
    conversation = {
        "id": "conv-1",
        "title": "Trip planning",
        "created": 1767225600,
        "private": True,
        "outcome": "success",
        "messages": [
            {"role": "user", "content": "Book Lisbon", "id": "m1"},
            {
                "role": "assistant",
                "content": None,
                "id": "m2",
                "tool_calls": [
                    {
                        "id": "c1",
                        "type": "function",
                        "function": {"name": "search", "arguments": '{"q": "LIS"}'},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "c1", "content": "Error: no flights", "id": "m3"},
            {"role": "assistant", "content": [{"type": "text", "text": "None found."}], "id": "m4"},
        ],
    }
    path.write_text(
        json.dumps(conversation)
        + "\n"
        + json.dumps({"reward": 0, "messages": [{"role": "user", "content": "hi"}]})
        + "\n"
    )
    report = await import_paths(log, [path])
    assert report.sessions_new == 2 and report.problems == []
    sessions = {s.external_id: s for s in await log.list_sessions()}
    trip = sessions["conv-1"]
    assert (trip.title, trip.private, trip.outcome) == ("Trip planning", True, "success")
    assert trip.started == "2026-01-01T00:00:00.000Z"
    messages = await log.messages(trip.id)
    assert [m.external_id for m in messages] == ["m1", "m2", "m3", "m4"]
    assert messages[1].content[0] == {
        "type": "tool_use",
        "id": "c1",
        "name": "search",
        "input": {"q": "LIS"},
    }
    assert messages[2].content[0]["is_error"] is True
    other = next(s for key, s in sessions.items() if key != "conv-1")
    assert other.outcome == "failure" and other.external_id.startswith("sha256-")


async def test_export_then_import_round_trips_exactly(log: SessionLog, tmp_path: Path) -> None:
    await import_paths(log, [CLAUDE_CODE, TAUBENCH])
    native = await log.create_session(model="claude-sonnet-5-5")
    await log.append_message(native.id, "user", [{"type": "text", "text": "hello"}])
    await log.drafts.commit(
        native.id, "assistant", [{"type": "text", "text": "hi"}], {"interrupted": True}
    )
    export = tmp_path / "export.jsonl"
    ids = [s.id for s in await log.list_sessions(limit=500)]
    export.write_text("".join(line + "\n" for line in [x async for x in export_lines(log, ids)]))
    assert detect(export) == "reverie"

    async with await SessionLog.open(tmp_path / "fresh") as fresh:
        report = await import_paths(fresh, [export])
        assert report.problems == [] and report.sessions_new == len(ids)
        assert await _snapshot(fresh) == await _snapshot(log)
        assert (await import_paths(fresh, [export])).messages == 0


async def _snapshot(log: SessionLog) -> dict[tuple[str, str], Any]:
    """Everything that must survive a round trip, keyed by (source, external id)."""
    sessions = await log.list_sessions(limit=1000)
    by_id = {s.id: s for s in sessions}
    result = {}
    for s in sessions:
        parent = by_id[s.parent_id].external_id if s.parent_id else None
        messages = [
            (m.seq, m.role, m.content, m.meta, m.external_id, m.created)
            for m in await log.messages(s.id)
        ]
        fields = (s.title, s.started, s.ended, s.model, s.outcome, s.private, parent)
        messages += [m.text for m in await log.messages(s.id)]
        result[(s.source, s.external_id)] = (fields, messages)
    return result


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda p: p / "missing.jsonl", "no such file or directory"),
        (lambda p: (p / "empty-dir").mkdir() or p / "empty-dir", "no transcripts"),
        (lambda p: (p / "notes.txt").write_text("hello") and p / "notes.txt", "not a transcript"),
    ],
)
async def test_paths_that_cannot_be_imported(
    log: SessionLog, tmp_path: Path, make: Any, message: str
) -> None:
    with pytest.raises(ImportInputError, match=message):
        await import_paths(log, [make(tmp_path)])


async def test_each_session_imports_whole_or_not_at_all(
    log: SessionLog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import memory_graph.transcripts.writer as store

    real = store.blocks_text
    monkeypatch.setattr(store, "blocks_text", failing_on_call(real, 3))
    path = tmp_path / "one.jsonl"
    path.write_text("".join(_claude_line("s1", f"u{i}", "user", f"line {i}") for i in range(5)))
    report = await import_paths(log, [path])
    assert report.problems and "disk full" in report.problems[0].reason
    assert await log.list_sessions() == []
    monkeypatch.setattr(store, "blocks_text", real)
    assert (await import_paths(log, [path])).messages == 5


async def test_different_conversations_never_merge(log: SessionLog, tmp_path: Path) -> None:
    runs = json.loads(TAUBENCH.read_text())[:4]
    other_model = json.loads(json.dumps(runs))
    for run in other_model:
        for turn in run["traj"]:
            if turn["role"] == "assistant" and turn.get("content"):
                turn["content"] = "(other model) " + turn["content"]
    (tmp_path / "a.json").write_text(json.dumps(runs))
    (tmp_path / "b.json").write_text(json.dumps(other_model))
    opening = [{"role": "system", "content": "S"}, {"role": "user", "content": "book a flight"}]
    (tmp_path / "c.jsonl").write_text(
        json.dumps({"messages": [*opening, {"role": "user", "content": "alice"}]})
        + "\n"
        + json.dumps({"messages": [*opening, {"role": "user", "content": "bob"}]})
        + "\n"
    )
    report = await import_paths(log, [tmp_path])
    assert report.sessions_new == 4 + 4 + 2 and report.problems == []


async def test_a_conversation_that_changed_is_refused_not_grafted(
    log: SessionLog, tmp_path: Path
) -> None:
    path = tmp_path / "chat.json"
    turns = [{"role": "user", "content": "hello"}, {"role": "assistant", "content": "hi"}]
    path.write_text(json.dumps({"id": "c1", "messages": turns}))
    await import_paths(log, [path])
    turns[0]["content"] = "something else entirely"
    path.write_text(
        json.dumps({"id": "c1", "messages": [*turns, {"role": "user", "content": "x"}]})
    )
    report = await import_paths(log, [path])
    assert report.messages == 0 and "not merged" in report.problems[0].reason
    assert [m.text for m in await log.messages(1)] == ["hello", "hi"]


async def test_hostile_shapes_are_reported_not_raised(log: SessionLog, tmp_path: Path) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    path = tmp_path / "odd.jsonl"
    lines = [
        {
            "messages": [
                {"role": "user", "content": "q"},
                {"role": "assistant", "content": "a", "tool_calls": 5},
            ]
        },
        {
            "messages": [
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [{"id": "c", "function": {"name": "f", "arguments": deep}}],
                }
            ]
        },
        {
            "messages": [
                {"role": ["user"], "content": "unhashable role"},
                {"role": "Assistant", "content": 42},
            ]
        },
        {"messages": [{"role": "user", "content": "cut \ud83d mid-character"}]},
    ]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    report = await import_paths(log, [path])
    assert report.sessions_new == 4
    assert [p.reason for p in report.problems] == ["message 0 has no known role; skipped"]
    texts = [m.text for s in await log.list_sessions() for m in await log.messages(s.id)]
    assert "42" in texts and any(t.startswith("cut ") for t in texts)
    reverie_file = tmp_path / "odd-export.jsonl"
    reverie_file.write_text(
        '{"format": "reverie", "version": 1}\n'
        + json.dumps(
            {
                "session": {"source": "x", "external_id": "1", "outcome": ["bad"]},
                "messages": [{"role": {"a": 1}, "content": []}],
            }
        )
        + "\n"
    )
    report = await import_paths(log, [reverie_file])
    assert report.problems[0].reason == "message 0 has no known role; skipped"


async def test_an_explicit_import_of_an_unfinished_line_reads_it_again_later(
    log: SessionLog, tmp_path: Path
) -> None:
    lines = (CLAUDE_CODE / "short.jsonl").read_text().splitlines(keepends=True)
    path = tmp_path / "s.jsonl"
    path.write_text("".join(lines[:10]) + lines[10][:200])
    first = await import_paths(log, [path])
    assert [(p.line, p.reason) for p in first.problems] == [
        (11, "unfinished last line (no newline)")
    ]
    path.write_text("".join(lines))
    second = await import_paths(log, [path])
    assert second.problems == [] and first.messages + second.messages == 7


async def test_a_complete_last_line_without_newline_keeps_line_numbers_exact(
    log: SessionLog, tmp_path: Path
) -> None:
    path = tmp_path / "n.jsonl"
    path.write_text(_claude_line("s", "u1", "user", "one").rstrip("\n"))
    assert (await import_paths(log, [path])).messages == 1
    with path.open("a") as handle:
        handle.write("\n" + _claude_line("s", "u2", "user", "two") + "{broken\n")
    report = await import_paths(log, [path])
    assert report.messages == 1 and [(p.line, p.reason) for p in report.problems] == [
        (3, "not valid JSON")
    ]


async def test_a_rewritten_file_with_the_same_start_is_read_again(
    log: SessionLog, tmp_path: Path
) -> None:
    path = tmp_path / "log.jsonl"
    prompt = {"role": "system", "content": "P" * 2000}

    def conversations(extra: int) -> str:
        return "".join(
            json.dumps(
                {
                    "id": f"c{n}",
                    "messages": [prompt]
                    + [{"role": "user", "content": f"m{i}"} for i in range(2 + extra)],
                }
            )
            + "\n"
            for n in range(2)
        )

    path.write_text(conversations(0))
    await import_paths(log, [path])
    path.write_text(conversations(3))
    report = await import_paths(log, [path])
    assert report.problems == [] and report.messages == 6


async def test_touching_an_imported_file_is_not_an_error(log: SessionLog, tmp_path: Path) -> None:
    path = tmp_path / "short.jsonl"
    shutil.copy(CLAUDE_CODE / "short.jsonl", path)
    await import_paths(log, [path])
    path.touch()
    report = await import_paths(log, [path])
    assert report.resumed == 1 and report.messages == 0 and report.problems == []


async def test_formats_are_told_from_content_not_the_name(log: SessionLog, tmp_path: Path) -> None:
    await import_paths(log, [CLAUDE_CODE / "short.jsonl"])
    ids = [s.id for s in await log.list_sessions()]
    export = tmp_path / "backup.json"
    export.write_text("".join([f"{line}\n" async for line in export_lines(log, ids)]))
    assert detect(export) == "reverie"
    big = tmp_path / "big.jsonl"
    big.write_text(json.dumps({"messages": [{"role": "user", "content": "x" * 300_000}]}) + "\n")
    assert detect(big) == "openai"
    bom = tmp_path / "bom.jsonl"
    bom.write_bytes(b"\xef\xbb\xbf" + (CLAUDE_CODE / "short.jsonl").read_bytes())
    assert detect(bom) == "claude-code"
    async with await SessionLog.open(tmp_path / "fresh") as fresh:
        report = await import_paths(fresh, [export, big, bom])
        assert report.problems == [] and report.sessions_new == 2


async def test_late_summaries_and_late_parents(log: SessionLog, tmp_path: Path) -> None:
    path = tmp_path / "short.jsonl"
    shutil.copy(CLAUDE_CODE / "short.jsonl", path)
    await import_paths(log, [path])
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    last = [line["uuid"] for line in lines if line.get("type") == "assistant"][-1]
    with path.open("a") as handle:
        handle.write(_line(type="summary", summary="Phoenix server will not start", leafUuid=last))
    assert (await import_paths(log, [path])).problems == []
    assert (await log.list_sessions())[0].title == "Phoenix server will not start"

    child = CLAUDE_CODE / LONG / "subagents" / "agent-a881341.jsonl"
    await import_paths(log, [child])
    await import_paths(log, [CLAUDE_CODE / f"{LONG}.jsonl"])
    sessions = {s.external_id: s for s in await log.list_sessions()}
    assert sessions[f"{LONG}:agent-a881341"].parent_id == sessions[LONG].id


async def test_a_folder_of_only_hidden_or_odd_entries_is_skipped_by_watch_sweeps(
    tmp_path: Path,
) -> None:
    from memory_graph.transcripts.importer import transcript_files

    (tmp_path / "d.json").mkdir()
    (tmp_path / ".hidden.jsonl").write_text("{}\n")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "x.json").write_text("{}")
    assert transcript_files(tmp_path) == []


async def test_words_typed_beside_tool_results_stay_the_users(
    log: SessionLog, tmp_path: Path
) -> None:
    path = tmp_path / "mixed-turn.jsonl"
    result = {
        "type": "tool_result",
        "tool_use_id": "t1",
        "content": "Exit code 1\nboom",
        "is_error": True,
    }
    path.write_text(
        _claude_line(
            "s", "u1", "assistant", [{"type": "tool_use", "id": "t1", "name": "Bash", "input": {}}]
        )
        + _claude_line(
            "s", "u2", "user", [result, {"type": "text", "text": "also, use uv not pip"}]
        )
    )
    await import_paths(log, [path])
    messages = await log.messages(1)
    assert [(m.role, m.external_id) for m in messages] == [
        ("assistant", "u1"),
        ("tool", "u2"),
        ("user", "u2:words"),
    ]
    assert messages[1].content[0]["exit_code"] == 1 and messages[2].text == "also, use uv not pip"


async def test_a_forced_format_the_content_contradicts_is_refused(
    log: SessionLog, tmp_path: Path
) -> None:
    report = await import_paths(log, [CLAUDE_CODE / "short.jsonl"], "openai")
    assert report.sessions_new == 0 and "is claude-code, not openai" in report.problems[0].reason


_SLOW_IMPORT = """
import asyncio, sys, time
from pathlib import Path
import memory_graph.transcripts.importer as importer
from memory_graph.transcripts.importer import import_paths
from memory_graph.store.session_log import SessionLog

real = importer.store_session
async def slow(log, session):
    stored = await real(log, session)
    print("stored", flush=True)
    time.sleep(0.05)
    return stored
importer.store_session = slow

async def main():
    async with await SessionLog.open(Path(sys.argv[1])) as log:
        await import_paths(log, [Path(sys.argv[2])])
asyncio.run(main())
"""


async def test_an_import_killed_mid_way_leaves_whole_sessions_and_completes_once(
    home: Path,
) -> None:
    import asyncio
    import signal
    import sys

    from tests.demo import DEMO_HISTORY

    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        _SLOW_IMPORT,
        str(home),
        str(DEMO_HISTORY),
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    for _ in range(5):
        await asyncio.wait_for(process.stdout.readline(), 20)
    process.send_signal(signal.SIGKILL)
    await process.wait()
    source = {
        item["session"]["external_id"]: len(item["messages"])
        for item in map(json.loads, DEMO_HISTORY.read_text().splitlines()[1:])
    }
    async with await SessionLog.open(home) as log:
        async with log.connection.execute("PRAGMA integrity_check") as cursor:
            assert (await cursor.fetchone())[0] == "ok"
        before = {s.external_id: s.message_count for s in await log.list_sessions(limit=-1)}
        # Only whole sessions: each one that arrived has every message of its source.
        assert 5 <= len(before) < len(source)
        assert all(count == source[external] for external, count in before.items())
        report = await import_paths(log, [DEMO_HISTORY])
        after = {s.external_id: s.message_count for s in await log.list_sessions(limit=-1)}
    assert after == source and report.sessions_new == len(source) - len(before)
