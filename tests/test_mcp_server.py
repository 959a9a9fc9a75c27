"""`reverie mcp` end to end: the SDK's own client (`mcp.ClientSession` over `stdio_client`)
talks to a real `reverie mcp --home …` subprocess of this checkout, on a home populated by an
import of transcripts written here, a dream, and a person's adoptions.

It serves what `reverie recall --json` and `reverie context` print; memories by kind and
project; a memory's evidence, redacted and without private sessions' words; an agent's
suggestion waits in the inbox under its own source, and adopting it is like adopting any
other. No call writes the memory tables, hostile ones included; bad arguments are one-line MCP
errors and the server goes on; a home it cannot serve is one line before the protocol starts.
"""

from __future__ import annotations

import asyncio
import json
import sqlite3
import subprocess
import sys
import threading
from collections.abc import Awaitable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.types import CallToolResult, Implementation, TextContent

from app.cli import main
from app.tui.app import ReverieApp
from app.tui.widgets.list_detail import ListDetail
from dreamer.consolidate import INSTRUCTION_FLAG
from dreamer.dream import dream
from dreamer.suggestion import Suggestion, suggest
from memory_graph.memory.decisions import Decision, Decisions
from memory_graph.memory.inbox import pending
from memory_graph.memory.vocabulary import MemoryKind
from memory_graph.store.db import DATABASE_NAME
from memory_graph.store.migrations import MIGRATIONS
from memory_graph.store.origins import SERVED
from memory_graph.store.session_log import SessionLog
from memory_graph.transcripts.importer import import_paths
from tests.support.claude_code_lines import Transcript
from tests.support.schema import database_before
from tests.support.tui import INBOX_SIZE, offline_config, open_inbox, settle
from tests.test_injection import INJECTIONS, MEMORY_TABLES

CLIENT = "claude-code"
SECRET = "AKIAIOSFODNN7EXAMPLE"
ROOT = Path(__file__).resolve().parents[1]
Result = TypeVar("Result")

# Written for these tests: a person who twice asks for pnpm and twice for imperative commit
# messages (preferences that stand everywhere), and in one project twice hits a failing
# migration that `make db-reset` fixes.
CONVERSATIONS = [
    ("From now on I prefer pnpm, not npm, for installs.", f"my aws key is {SECRET} by the way"),
    ("Set up the linter. From now on I prefer pnpm, not npm, for installs.", "thanks"),
    ("I always want commit messages in the imperative mood.", "ok"),
    ("Write the changelog. I always want commit messages in the imperative mood.", "ok"),
]
PROJECT_TURN = "In this repo I always want the tests run with pytest -x before a commit."


def _transcripts(folder: Path) -> Path:
    """An OpenAI-style chat log of CONVERSATIONS."""
    conversations = [
        {
            "id": f"chat-{number}",
            "title": first,
            "messages": [
                {"role": "user", "content": first},
                {"role": "assistant", "content": "Done."},
                {"role": "user", "content": second},
                {"role": "assistant", "content": "Noted."},
            ],
        }
        for number, (first, second) in enumerate(CONVERSATIONS)
    ]
    path = folder / "chats.json"
    path.write_text(json.dumps(conversations), encoding="utf-8")
    return path


async def _populate(home: Path, transcripts: Path, project: Path) -> None:
    """Import, log two sessions in `project`, dream, and adopt everything dreamt."""
    async with await SessionLog.open(home) as log:
        await import_paths(log, [transcripts])
        for _ in range(2):
            session = await log.create_session(cwd=str(project))
            await log.append_message(session.id, "user", [{"type": "text", "text": PROJECT_TURN}])
            await log.append_message(session.id, "assistant", [{"type": "text", "text": "Ok."}])
        await dream(log)
        ids = [item.id for item in await pending(log)]
        assert len(ids) == 3, [item.statement for item in await pending(log)]
        await Decisions(log).decide(Decision.ADOPT, ids)


class Server:
    """A `reverie mcp` subprocess and the SDK's client session on it, in a thread with its own
    event loop: the SDK's streams must be opened and closed in one task, which a module-wide
    fixture cannot promise on pytest's loop."""

    def __init__(self, home: Path, cwd: Path, errors: Path) -> None:
        self.params = StdioServerParameters(
            command=sys.executable,
            args=["-m", "app", "--home", str(home), "mcp"],
            cwd=str(cwd),
        )
        self.errors = errors
        self.loop = asyncio.new_event_loop()
        self.ready = threading.Event()
        self.failure: BaseException | None = None
        self.session: ClientSession | None = None
        self.thread = threading.Thread(target=self.loop.run_until_complete, args=(self._hold(),))

    async def _hold(self) -> None:
        self.stop = asyncio.Event()
        try:
            with self.errors.open("w") as errlog:
                async with (
                    stdio_client(self.params, errlog=errlog) as (read, write),
                    ClientSession(
                        read, write, client_info=Implementation(name=CLIENT, version="1")
                    ) as session,
                ):
                    await session.initialize()
                    self.session = session
                    self.ready.set()
                    await self.stop.wait()
        except BaseException as error:
            self.failure = error
            self.ready.set()

    def start(self) -> Server:
        self.thread.start()
        assert self.ready.wait(60), "the server did not start"
        assert self.failure is None, self.failure
        return self

    def close(self) -> None:
        self.loop.call_soon_threadsafe(self.stop.set)
        self.thread.join(30)

    def run(self, work: Awaitable[Result]) -> Result:
        return asyncio.run_coroutine_threadsafe(work, self.loop).result(60)  # type: ignore[arg-type]

    def call(self, tool: str, **arguments: Any) -> CallToolResult:
        assert self.session is not None
        return self.run(self.session.call_tool(tool, arguments))

    def answer(self, tool: str, **arguments: Any) -> Any:
        """A tool's JSON answer; the test fails on an error."""
        result = self.call(tool, **arguments)
        assert not result.is_error, _text(result)
        return json.loads(_text(result))

    def error(self, tool: str, **arguments: Any) -> str:
        """A tool's error, which must be one line."""
        result = self.call(tool, **arguments)
        assert result.is_error, _text(result)
        message = _text(result)
        assert "\n" not in message and "Traceback" not in message, message
        return message


def _memories(server: Server, **arguments: Any) -> list[dict[str, Any]]:
    return list(server.answer("memories", **arguments)["memories"])


def _text(result: CallToolResult) -> str:
    block = result.content[0]
    assert isinstance(block, TextContent)
    return block.text


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Server, Path, Path]]:
    """One server for the module: (server, home, project folder, where it runs)."""
    root = tmp_path_factory.mktemp("mcp")
    home, project = root / "home", root / "project"
    (project / ".git").mkdir(parents=True)
    asyncio.run(_populate(home, _transcripts(root), project))
    server = Server(home, project, root / "stderr.txt").start()
    yield server, home, project
    server.close()


def _cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def _rows(home: Path, tables: tuple[str, ...]) -> dict[str, list[tuple[Any, ...]]]:
    with sqlite3.connect(home / DATABASE_NAME) as conn:
        return {t: conn.execute(f"SELECT * FROM {t} ORDER BY 1").fetchall() for t in tables}


def _without_scores(recalled: dict[str, Any]) -> dict[str, Any]:
    """Recall's answer without its scores, which move with the clock (recency)."""
    return {
        key: [{k: v for k, v in hit.items() if k != "score"} for hit in value]
        if isinstance(value, list)
        else value
        for key, value in recalled.items()
    }


def test_it_offers_four_tools_and_the_standing_memory(served: tuple[Server, Path, Path]) -> None:
    server, _, _ = served
    assert server.session is not None
    tools = server.run(server.session.list_tools())
    assert {tool.name for tool in tools.tools} == {"recall", "memories", "why", "propose"}
    resources = server.run(server.session.list_resources())
    assert [str(r.uri) for r in resources.resources] == ["reverie://memory/standing"]


def test_recall_is_what_recall_json_prints(
    served: tuple[Server, Path, Path], capsys: pytest.CaptureFixture[str], monkeypatch: Any
) -> None:
    server, home, project = served
    answer = server.answer("recall", query="how should I install packages", k=5)
    monkeypatch.chdir(project)
    code, out, _ = _cli(capsys, "--home", str(home), "recall", "how should I install packages",
                        "--k", "5", "--json")  # fmt: skip
    assert code == 0
    # What `reverie recall --json` prints, marked as Reverie's so that it never comes back as
    # evidence from the agent's transcript.
    assert answer.pop("served_by") == SERVED
    assert _without_scores(answer) == _without_scores(json.loads(out))
    assert any("pnpm" in hit["statement"] for hit in (*answer["standing"], *answer["hits"]))
    # The project's own memory comes in the project the server runs in.
    assert any("pytest -x" in hit["statement"] for hit in answer["standing"])


def test_the_standing_memory_resource_is_what_reverie_context_prints(
    served: tuple[Server, Path, Path], capsys: pytest.CaptureFixture[str], monkeypatch: Any
) -> None:
    server, home, project = served
    assert server.session is not None
    read = server.run(server.session.read_resource("reverie://memory/standing"))
    monkeypatch.chdir(project)
    code, out, _ = _cli(capsys, "--home", str(home), "context")
    assert code == 0
    text = getattr(read.contents[0], "text", None)
    assert text == out.rstrip("\n")
    assert "pnpm" in text and "imperative" in text


def test_memories_by_kind_and_by_project(served: tuple[Server, Path, Path], tmp_path: Path) -> None:
    server, _, project = served
    every = server.answer("memories")
    statements = [m["statement"] for m in every["memories"]]
    assert every["total"] == len(statements) == 3 and every["more"] == 0
    assert server.answer("memories", kind="failure")["memories"] == []
    assert len(server.answer("memories", kind="preference")["memories"]) == 3
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    outside = [m["statement"] for m in _memories(server, project=str(elsewhere))]
    inside = [m["statement"] for m in _memories(server, project=str(project))]
    assert len(outside) == 2 and not any("pytest -x" in s for s in outside)
    assert len(inside) == 3 and any("pytest -x" in s for s in inside)


def test_why_shows_redacted_evidence(served: tuple[Server, Path, Path]) -> None:
    server, _, _ = served
    [pnpm] = [m for m in server.answer("memories")["memories"] if "pnpm" in m["statement"]]
    why = server.answer("why", memory_id=pnpm["id"])
    assert why["memory"]["id"] == pnpm["id"] and why["suggested_by"] is None
    assert len({link["session_id"] for link in why["evidence"]}) == 2
    assert all("pnpm" in link["excerpt"] for link in why["evidence"])
    assert {"session_external_id", "message_external_id"} <= set(why["evidence"][0])
    assert SECRET not in json.dumps(why)


def test_why_leaves_out_what_private_sessions_said(
    served: tuple[Server, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    server, home, _ = served
    [commits] = [m for m in server.answer("memories")["memories"] if "imperative" in m["statement"]]
    first = server.answer("why", memory_id=commits["id"])["evidence"][0]["session_id"]
    assert _cli(capsys, "--home", str(home), "private", str(first))[0] == 0
    try:
        why = server.answer("why", memory_id=commits["id"])
        assert why["withheld_private"] == 1
        assert first not in {link["session_id"] for link in why["evidence"]}
    finally:
        assert _cli(capsys, "--home", str(home), "private", str(first), "--off")[0] == 0


def test_bad_arguments_are_one_line_errors_and_the_server_goes_on(
    served: tuple[Server, Path, Path], tmp_path: Path
) -> None:
    server, _, _ = served
    assert "unknown kind 'habit'" in server.error("memories", kind="habit")
    assert "no memory 999999" in server.error("why", memory_id=999999)
    assert "no memory -1" in server.error("why", memory_id=-1)
    assert "k is from 1 to 100, not 0" in server.error("recall", query="pnpm", k=0)
    assert "k is from 1 to 100" in server.error("recall", query="pnpm", k=10_000)
    assert "the query is empty" in server.error("recall", query="  ")
    assert "no such folder" in server.error("memories", project=str(tmp_path / "absent"))
    assert "unknown kind 'topic'" in server.error(
        "propose", statement="x", kind="topic", reason="y"
    )
    assert "not a folder (File name too long)" in server.error("memories", project="x" * 5000)
    assert "the statement is empty" in server.error(
        "propose", statement=" ", kind="fact", reason="y"
    )
    assert "the reason is empty" in server.error(
        "propose", statement="I use vim", kind="fact", reason=""
    )
    server.error("why", memory_id="one")  # the SDK's own check of the arguments' types
    server.error("recall")  # a missing argument
    assert server.answer("memories")["total"] == 3  # still serving


def test_no_call_writes_memory(served: tuple[Server, Path, Path]) -> None:
    server, home, _ = served
    before = _rows(home, (*MEMORY_TABLES, "proposals", "proposal_evidence"))
    hostile = [*INJECTIONS, '"); DROP TABLE nodes; --', "nodes_fts MATCH '*' OR 1=1", "x" * 5000]
    for text in hostile:
        server.answer("recall", query=text, k=100)
        server.call("memories", kind=text)
        server.call("memories", project=text)
        server.call("why", memory_id=1)
    for memory in server.answer("memories")["memories"]:
        server.answer("why", memory_id=memory["id"])
    for text in INJECTIONS:
        server.answer("propose", statement=text, kind="preference", reason=text)
    after = _rows(home, (*MEMORY_TABLES, "proposals", "proposal_evidence"))
    assert {t: after[t] for t in MEMORY_TABLES} == {t: before[t] for t in MEMORY_TABLES}
    assert after["proposal_evidence"] == before["proposal_evidence"]
    # Only suggestions were added, pending, each flagged for the person.
    added = [row for row in after["proposals"] if row not in before["proposals"]]
    assert (
        len(added) == len(INJECTIONS)
        and after["proposals"][: len(before["proposals"])] == (before["proposals"])
    )
    with sqlite3.connect(home / DATABASE_NAME) as conn:
        rows = conn.execute(
            "SELECT status, source, dream_id, payload FROM proposals WHERE id > ?",
            (before["proposals"][-1][0],),
        ).fetchall()
        conn.execute(
            "UPDATE proposals SET status = 'rejected' WHERE id > ?", (before["proposals"][-1][0],)
        )
    assert all(row[:3] == ("pending", f"mcp:{CLIENT}", None) for row in rows)
    assert all(json.loads(row[3])["flag"] == INSTRUCTION_FLAG for row in rows)


def test_a_suggestion_waits_in_the_inbox_and_adopts_like_any_other(
    served: tuple[Server, Path, Path], capsys: pytest.CaptureFixture[str]
) -> None:
    server, home, _ = served
    reason = f"The user said they run Fedora on every machine; they pasted {SECRET} too."
    made = server.answer(
        "propose", statement="The user runs Fedora Linux.", kind="fact", reason=reason
    )
    assert made["new"] and made["source"] == f"mcp:{CLIENT}" and made["flag"] is None
    again = server.answer("propose", statement="The user  runs Fedora Linux.", kind="fact",
                          reason="said twice")  # fmt: skip
    assert again["proposal_id"] == made["proposal_id"] and not again["new"]

    code, out, _ = _cli(capsys, "--home", str(home), "inbox", "--json")
    [shown] = [p for p in json.loads(out)["proposals"] if p["id"] == made["proposal_id"]]
    assert shown["source"] == f"mcp:{CLIENT}" and shown["dream_id"] is None
    assert shown["evidence"] == [] and shown["support"] == 0
    assert "Fedora" in shown["unverified_reason"] and SECRET not in shown["unverified_reason"]
    code, out, _ = _cli(capsys, "--home", str(home), "inbox")
    assert f"suggested by mcp:{CLIENT}" in out and SECRET not in out

    code, out, _ = _cli(capsys, "--home", str(home), "adopt", str(made["proposal_id"]))
    assert code == 0, out
    [fedora] = [m for m in server.answer("memories")["memories"] if "Fedora" in m["statement"]]
    why = server.answer("why", memory_id=fedora["id"])
    assert why["suggested_by"] == f"mcp:{CLIENT}" and "Fedora" in why["unverified_reason"]
    assert why["evidence"] == []
    assert "Fedora" in json.dumps(server.answer("recall", query="which linux distribution"))
    assert "already memory" in server.error(
        "propose", statement="The user runs Fedora Linux.", kind="fact", reason="again"
    )

    assert _cli(capsys, "--home", str(home), "undo")[0] == 0
    assert not [m for m in server.answer("memories")["memories"] if "Fedora" in m["statement"]]
    assert _cli(capsys, "--home", str(home), "reject", str(made["proposal_id"]))[0] == 0
    assert "rejected this suggestion before" in server.error(
        "propose", statement="The user runs Fedora Linux.", kind="fact", reason="again"
    )


def test_the_server_wrote_nothing_on_standard_error(served: tuple[Server, Path, Path]) -> None:
    server, _, _ = served
    server.answer("memories")
    assert "Traceback" not in server.errors.read_text(), server.errors.read_text()


def _mcp(home: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "app", "--home", str(home), "mcp"],
        input="",
        capture_output=True,
        text=True,
        timeout=60,
        cwd=ROOT,
    )


def test_a_missing_home_is_one_line_and_nothing_is_created(tmp_path: Path) -> None:
    home = tmp_path / "nowhere"
    ran = _mcp(home)
    assert ran.returncode == 1 and ran.stdout == ""
    assert ran.stderr.count("\n") == 1 and "no Reverie database at" in ran.stderr
    assert not home.exists()


async def test_a_database_that_needs_migrating_is_one_line_and_left_as_it_is(
    tmp_path: Path,
) -> None:
    home = tmp_path / "old"
    newest = MIGRATIONS[-1].name
    async with database_before(home, newest):
        pass
    before = _schema(home)
    ran = _mcp(home)
    assert ran.returncode == 1 and ran.stdout == ""
    assert ran.stderr.count("\n") == 1 and "run `reverie` once" in ran.stderr
    assert _schema(home) == before and before[0] == len(MIGRATIONS) - 1


def _schema(home: Path) -> tuple[int, list[tuple[Any, ...]]]:
    with sqlite3.connect(home / DATABASE_NAME) as conn:
        version = conn.execute("PRAGMA user_version").fetchone()[0]
        return int(version), conn.execute("SELECT sql FROM sqlite_master ORDER BY name").fetchall()


async def test_the_inbox_screen_groups_suggestions_by_source(tmp_path: Path) -> None:
    home, workspace = tmp_path / "home", tmp_path / "workspace"
    workspace.mkdir()
    async with await SessionLog.open(home) as log:
        await import_paths(log, [_transcripts(tmp_path)])
        await dream(log)
        made = await suggest(
            log, Suggestion("The user runs Fedora Linux.", MemoryKind.FACT, "They said so.", CLIENT)
        )
    app = ReverieApp(offline_config(home, workspace))
    async with app.run_test(size=INBOX_SIZE) as pilot:
        inbox = await open_inbox(pilot)
        prompts = [
            str(inbox.listing.get_option_at_index(i).prompt)
            for i in range(inbox.listing.option_count)
        ]
        # The dream's preferences first, under their kind; the suggestion last, under its source.
        assert prompts[0] == "Preferences (2)" and prompts[-2] == f"Suggested by mcp:{CLIENT} (1)"
        inbox.query_one(ListDetail).highlight(str(made.proposal_id), 0)
        await settle(pilot)
        shown = str(inbox.query_one(ListDetail).detail.render())
        assert f"suggested by mcp:{CLIENT}" in shown and "They said so." in shown


async def test_proposals_keep_their_evidence_and_decisions_through_the_migration(
    tmp_path: Path,
) -> None:
    home = tmp_path / "home"
    async with database_before(home, "017_proposal_sources") as conn:
        await conn.executescript(
            "INSERT INTO sessions (id, external_id, started) VALUES (1, 's', '2026-01-01');"
            "INSERT INTO messages (id, session_id, seq, role, content, text, created) "
            "VALUES (1, 1, 0, 'user', '[]', 'hi', '2026-01-01');"
            "INSERT INTO dreams (id, trigger, started, finished, seconds, sessions, extractors, "
            "counts) VALUES (1, 'manual', 'x', 'x', 0, '[]', '{}', '{}');"
            "INSERT INTO proposals (id, dream_id, op, kind, statement, confidence, support, "
            "fingerprint, graph_hash, status, created) "
            "VALUES (7, 1, 'add_node', 'fact', 'hi', 0.5, 1, 'f', 'absent', 'rejected', 'x');"
            "INSERT INTO proposal_evidence VALUES (7, 1, 1, 0, 2);"
            "INSERT INTO decisions (proposal_id, verdict, decided) VALUES (7, 'rejected', 'x');"
        )
    async with await SessionLog.open(home) as log:
        rows = await log.connection.execute_fetchall(
            "SELECT p.id, p.source, p.dream_id, p.status, e.message_id, d.verdict "
            "FROM proposals p JOIN proposal_evidence e ON e.proposal_id = p.id "
            "JOIN decisions d ON d.proposal_id = p.id"
        )
        assert [tuple(row) for row in rows] == [(7, "dream", 1, "rejected", 1, "rejected")]
        assert list(await log.connection.execute_fetchall("PRAGMA foreign_key_check")) == []
        with pytest.raises(sqlite3.IntegrityError):  # references still hold
            await log.connection.execute("INSERT INTO proposal_evidence VALUES (99, 1, 1, 0, 2)")
        with pytest.raises(sqlite3.IntegrityError):  # only a suggestion may lack a dream
            await log.connection.execute(
                "INSERT INTO proposals (op, kind, statement, confidence, support, fingerprint, "
                "graph_hash, created) VALUES ('add_node', 'fact', 'x', 0, 0, 'g', 'absent', 'x')"
            )


def _echoed(folder: Path, name: str, served: str, cwd: Path) -> Path:
    """A Claude Code session whose agent asked Reverie over MCP three ways and read the answer
    back, as Claude Code logs an MCP tool's result (labelled an error here: whatever its label,
    what Reverie served is never the world's answer)."""
    session = f"{name:0<8}-2222-4333-8444-555566667777"[:36]
    transcript = Transcript(session, cwd=str(cwd))
    transcript.user("set up the packages for the new service")
    for tool in ("mcp__reverie__recall", "mcp__memory__recall", "mcp__reverie__why"):
        call = f"toolu_{name}{tool[-6:]}"
        transcript.add(
            "assistant",
            [{"type": "tool_use", "id": call, "name": tool, "input": {"query": "packages"}}],
        )
        result = {"type": "tool_result", "tool_use_id": call, "content": served, "is_error": True}
        transcript.user([result])
    transcript.assistant("Done.")
    return transcript.write(folder / f"{session}.jsonl")


def test_what_the_server_hands_an_agent_never_comes_back_as_evidence(
    served: tuple[Server, Path, Path], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    server, _, project = served
    answer = server.answer("recall", query="how should I install packages", k=5)
    assert answer["served_by"] == SERVED
    home = tmp_path / "home"
    served_text = json.dumps(answer, indent=2)
    marked = tmp_path / "marked"
    for name in ("e1", "e2", "e3"):
        _echoed(marked, name, served_text, project)
    assert main(["import", str(marked), "--home", str(home)]) == 0
    assert main(["dream", "--json", "--home", str(home)]) == 0
    capsys.readouterr()
    assert main(["inbox", "--json", "--home", str(home)]) == 0
    assert json.loads(capsys.readouterr().out)["proposals"] == []
    # The same answer without Reverie's mark reads as a recurring failure: the test can fail.
    del answer["served_by"]
    unmarked = tmp_path / "unmarked"
    for name in ("f1", "f2", "f3"):
        _echoed(unmarked, name, json.dumps(answer, indent=2), project)
    assert main(["import", str(unmarked), "--home", str(home)]) == 0
    assert main(["dream", "--json", "--home", str(home)]) == 0
    capsys.readouterr()
    assert main(["inbox", "--json", "--home", str(home)]) == 0
    assert json.loads(capsys.readouterr().out)["proposals"] != []
