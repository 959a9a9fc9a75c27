"""Blocks that are not what Reverie writes (a call without a name or id, a result without the id
of its call, values of the wrong type): an import reports each with its file and line and keeps
the rest of the session; a log that already holds such rows (written here with plain SQL, past
the importer) is shown by `reverie show`, continued by `reverie chat --session` with a request
the API accepts, and rendered by the TUI."""

from __future__ import annotations

import json
import sqlite3
import subprocess
from pathlib import Path
from typing import Any

import pytest

from app.agent.history import api_messages
from app.config import Config
from app.tui.app import ReverieApp
from app.tui.screens.chat_screen import ChatScreen
from app.tui.widgets.conversation import ToolCallView, UserTurn
from memory_graph.store.content import blocks_text
from memory_graph.store.db import DATABASE_NAME
from memory_graph.store.records import Message
from memory_graph.store.session_log import SessionLog
from memory_graph.transcripts.importer import import_paths
from memory_graph.transcripts.reverie_format import export_lines
from tests.support.fake_api import FakeMessagesAPI, text
from tests.support.processes import clean_environment, reverie
from tests.support.tui import settle

DAMAGED: list[tuple[str, Any]] = [
    ("user", [{"type": "text", "text": "what is in the attic folder?"}]),
    ("assistant", [{"type": "tool_use", "input": {"path": "attic"}}]),
    ("tool", [{"type": "tool_result", "content": "old-letters.txt\nphotos/", "is_error": "no"}]),
    ("assistant", [{"type": "text", "text": 1999}, "a bare string", {"text": "typeless"}]),
    ("tool", [{"type": "tool_result", "tool_use_id": 7, "content": {"rows": 2}, "exit_code": "x"}]),
    ("assistant", [{"type": "tool_use", "id": "call_ok", "name": "list_dir", "input": "attic"}]),
    ("user", "a plain string instead of blocks"),
    ("assistant", {"type": "text", "text": "one block, not a list"}),
]
"""(role, content) of messages a careless tool might have written."""


def _run(home: Path, *argv: str, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        reverie(home, *argv),
        env=clean_environment(**env),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


async def _damaged_session(home: Path, meta: str = "{}", *, not_json: bool = True) -> int:
    """A native session whose messages are written with SQL, past every check (`not_json`: and
    one whose content is not even JSON)."""
    async with await SessionLog.open(home) as log:
        session = await log.create_session(title="attic inventory")
    with sqlite3.connect(home / DATABASE_NAME) as conn:
        for seq, (role, content) in enumerate(DAMAGED, start=1):
            conn.execute(
                "INSERT INTO messages (session_id, seq, role, content, text, meta, created) "
                "VALUES (?, ?, ?, ?, '', ?, '2026-03-02T09:00:00.000Z')",
                (session.id, seq, role, json.dumps(content), meta),
            )
        if not not_json:
            return session.id
        # The column is text, and something put text there.
        conn.execute(
            "INSERT INTO messages (session_id, seq, role, content, text, meta, created) "
            "VALUES (?, ?, 'user', '{oops', '', 'null', '2026-03-02T09:01:00.000Z')",
            (session.id, len(DAMAGED) + 1),
        )
    return session.id


def _assert_acceptable(messages: list[dict[str, Any]]) -> None:
    """What the Messages API requires of a conversation's content blocks: well-typed blocks,
    and each user turn answering exactly the calls of the assistant turn before it."""
    calls: set[str] = set()
    for turn in messages:
        assert turn["content"], turn
        for block in turn["content"]:
            if block["type"] == "text":
                assert isinstance(block["text"], str) and block["text"].strip()
            elif block["type"] == "tool_use":
                assert turn["role"] == "assistant" and isinstance(block["input"], dict)
                assert isinstance(block["id"], str) and block["id"]
                assert isinstance(block["name"], str) and block["name"]
            else:
                assert block["type"] == "tool_result" and turn["role"] == "user"
                assert isinstance(block["content"], str | list)
        if turn["role"] == "user":
            answered = {b["tool_use_id"] for b in turn["content"] if b["type"] == "tool_result"}
            assert answered == calls, (answered, calls)
        calls = {b["id"] for b in turn["content"] if b["type"] == "tool_use"}


@pytest.mark.parametrize("not_json", [False, True], ids=["blocks", "blocks-meta-not-json"])
async def test_show_reads_a_log_holding_damaged_blocks(home: Path, not_json: bool) -> None:
    meta = '["not", "an", "object"]' if not_json else "{}"
    session_id = await _damaged_session(home, meta, not_json=not_json)
    shown = _run(home, "show", str(session_id))
    assert shown.returncode == 0 and "Traceback" not in shown.stderr, shown.stderr
    for words in ("what is in the attic folder?", "old-letters.txt", "1999", "a bare string"):
        assert words in shown.stdout
    assert "one block, not a list" in shown.stdout and ("{oops" in shown.stdout) == not_json
    as_json = _run(home, "show", str(session_id), "--json")
    assert as_json.returncode == 0, as_json.stderr
    assert len(json.loads(as_json.stdout)["messages"]) == len(DAMAGED) + not_json


@pytest.mark.parametrize("not_json", [False, True], ids=["blocks", "blocks-and-not-json"])
async def test_chat_continues_a_damaged_session_with_a_valid_request(
    home: Path, workspace: Path, fake_api: FakeMessagesAPI, not_json: bool
) -> None:
    session_id = await _damaged_session(home, not_json=not_json)
    fake_api.add(text("The attic holds letters and photos."))
    done = subprocess.run(
        reverie(home, "chat", "--session", str(session_id), "anything else up there?"),
        cwd=workspace,
        env=clean_environment(ANTHROPIC_BASE_URL=fake_api.base_url, ANTHROPIC_API_KEY="k"),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "letters and photos" in done.stdout
    [request] = fake_api.requests
    _assert_acceptable(request["messages"])
    sent = json.dumps(request["messages"])
    # Nothing the log held is hidden from the model: the orphaned output goes as words.
    assert "old-letters.txt" in sent and "call_ok" in sent and ("{oops" in sent) == not_json


async def test_the_tui_shows_a_damaged_session(config: Config) -> None:
    session_id = await _damaged_session(config.home, not_json=False)
    app = ReverieApp(config)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = pilot.app.screen
        assert isinstance(screen, ChatScreen)
        await settle(pilot)
        await screen.open_session(session_id)
        await settle(pilot)
        calls = list(screen.query(ToolCallView))
        assert len(calls) == 2 and screen.session_id == session_id
        turns = [str(turn.render()) for turn in screen.query(UserTurn)]
        assert "what is in the attic folder?" in turns[0]


def test_a_request_is_valid_whatever_the_messages_hold() -> None:
    # Messages built in memory, not read from the log: api_messages checks blocks itself.
    def message(seq: int, role: str, content: Any) -> Message:
        return Message(seq, 1, seq, role, content, "", "")  # type: ignore[arg-type]

    log = [
        message(1, "assistant", [{"type": "tool_use", "id": "t0", "name": "ls", "input": {}}]),
        message(2, "tool", [{"type": "tool_result", "tool_use_id": "t0", "content": "a.txt"}]),
        message(3, "user", [{"type": "text", "text": "   "}, {"type": "text", "text": "go on"}]),
        message(4, "assistant", [{"type": "tool_use", "id": 5, "name": None}, "loose"]),
        message(5, "tool", [{"type": "tool_result", "tool_use_id": "t9", "content": ["x"]}]),
    ]
    turns = api_messages(log)
    _assert_acceptable(turns)
    # The call that opened the log was dropped with its turn; its output still reaches the model.
    assert turns[0]["role"] == "user" and "a.txt" in turns[0]["content"][0]["text"]
    assert turns[1] == {"role": "assistant", "content": [{"type": "text", "text": "loose"}]}


def test_blocks_text_flattens_whatever_a_message_holds() -> None:
    odd: list[Any] = [
        "loose words",
        {"type": "tool_use", "name": "grep"},
        {"type": "tool_result", "content": 404},
        {"no": "type"},
        None,
    ]
    flat = blocks_text(odd)
    assert "loose words" in flat and "grep {}" in flat and "404" in flat and "type" in flat


async def test_an_export_with_damaged_blocks_imports_and_says_where(
    log: SessionLog, tmp_path: Path
) -> None:
    good = {
        "session": {"source": "reverie", "external_id": "fine", "title": "Sourdough"},
        "messages": [{"role": "user", "content": [{"type": "text", "text": "starter ratio?"}]}],
    }
    damaged = {
        "session": {"source": "reverie", "external_id": "odd", "title": "Attic"},
        "messages": [
            {"role": role, "content": content, "external_id": f"m{n}"}
            for n, (role, content) in enumerate(DAMAGED)
        ]
        + [{"role": "narrator", "content": [{"type": "text", "text": "and then"}]}],
    }
    path = tmp_path / "export.jsonl"
    path.write_text(
        "\n".join(
            json.dumps(line) for line in ({"format": "reverie", "version": 1}, good, damaged, good)
        )
        + "\n"
    )
    report = await import_paths(log, [path])
    assert report.sessions_new == 2
    assert {p.line for p in report.problems} == {3} and all(p.path == path for p in report.problems)
    reasons = [p.reason for p in report.problems]
    repaired = "kept, repaired"
    assert f"message 1, block 0: tool_use block whose id is missing or not text; {repaired}" in (
        reasons
    )
    no_id = "tool_result block whose tool_use_id is missing or not text"
    assert f"message 2, block 0: {no_id}; {repaired}" in reasons
    assert "message 8 has no known role; skipped" in reasons
    sessions = {s.external_id: s for s in await log.list_sessions()}
    messages = await log.messages(sessions["odd"].id)
    assert len(messages) == len(DAMAGED)
    call = {"type": "tool_use", "id": "", "name": "", "input": {"path": "attic"}}
    assert messages[1].content == [call]
    result = messages[2].content[0]
    assert result["tool_use_id"] == "" and result["is_error"] is False
    assert "old-letters.txt" in messages[2].text

    # Exported again and imported elsewhere, the repaired blocks read back without a problem.
    again = tmp_path / "again.jsonl"
    ids = [s.id for s in sessions.values()]
    again.write_text("".join([f"{line}\n" async for line in export_lines(log, ids)]))
    async with await SessionLog.open(tmp_path / "elsewhere") as other:
        report = await import_paths(other, [again])
        assert report.problems == [] and report.sessions_new == 2


@pytest.mark.parametrize(
    "content",
    [None, 12, {"type": "tool_use"}, [[1, 2]], [{"type": "tool_result", "tool_use_id": None}]],
)
async def test_any_wrong_content_type_is_kept_not_fatal(
    log: SessionLog, tmp_path: Path, content: Any
) -> None:
    line = {
        "session": {"source": "reverie", "external_id": "x"},
        "messages": [
            {"role": "user", "content": [{"type": "text", "text": "before"}]},
            {"role": "assistant", "content": content},
            {"role": "user", "content": [{"type": "text", "text": "after"}]},
        ],
    }
    path = tmp_path / "e.jsonl"
    path.write_text(json.dumps({"format": "reverie", "version": 1}) + "\n" + json.dumps(line))
    report = await import_paths(log, [path])
    assert report.sessions_new == 1 and report.problems
    assert all(p.line == 2 and "message 1" in p.reason for p in report.problems)
    texts = [m.text for m in await log.messages(1)]
    assert texts[0] == "before" and texts[-1] == "after"
