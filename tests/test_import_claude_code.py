"""Importing Claude Code transcripts: a projects folder, each subagent a child session of its
parent (whichever file comes first); every message keeping its line's uuid, tool results their
is_error and Bash exit code; summary lines titling their session, late ones too; words typed
beside tool results kept as the user's."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from memory_graph.store.session_log import SessionLog
from memory_graph.transcripts.importer import import_paths
from tests.support.shared_data import CLAUDE_CODE, needs_shared_data
from tests.support.transcripts import claude_line, json_line

LONG = "258c7280-ae70-4798-800f-63464d01a85d"


@needs_shared_data
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


async def test_summary_lines_title_their_session(log: SessionLog, tmp_path: Path) -> None:
    path = tmp_path / "titled.jsonl"
    path.write_text(
        json_line(type="summary", summary="Fix the flaky login test", leafUuid="u2")
        + claude_line("s1", "u1", "user", "the login test fails again")
        + claude_line("s1", "u2", "assistant", [{"type": "text", "text": "Looking."}])
    )
    await import_paths(log, [path])
    assert (await log.list_sessions())[0].title == "Fix the flaky login test"


@needs_shared_data
async def test_late_summaries_and_late_parents(log: SessionLog, tmp_path: Path) -> None:
    path = tmp_path / "short.jsonl"
    shutil.copy(CLAUDE_CODE / "short.jsonl", path)
    await import_paths(log, [path])
    lines = [json.loads(line) for line in path.read_text().splitlines()]
    last = [line["uuid"] for line in lines if line.get("type") == "assistant"][-1]
    with path.open("a") as handle:
        handle.write(
            json_line(type="summary", summary="Phoenix server will not start", leafUuid=last)
        )
    assert (await import_paths(log, [path])).problems == []
    assert (await log.list_sessions())[0].title == "Phoenix server will not start"

    child = CLAUDE_CODE / LONG / "subagents" / "agent-a881341.jsonl"
    await import_paths(log, [child])
    await import_paths(log, [CLAUDE_CODE / f"{LONG}.jsonl"])
    sessions = {s.external_id: s for s in await log.list_sessions()}
    assert sessions[f"{LONG}:agent-a881341"].parent_id == sessions[LONG].id


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
        claude_line(
            "s", "u1", "assistant", [{"type": "tool_use", "id": "t1", "name": "Bash", "input": {}}]
        )
        + claude_line("s", "u2", "user", [result, {"type": "text", "text": "also, use uv not pip"}])
    )
    await import_paths(log, [path])
    messages = await log.messages(1)
    assert [(m.role, m.external_id) for m in messages] == [
        ("assistant", "u1"),
        ("tool", "u2"),
        ("user", "u2:words"),
    ]
    assert messages[1].content[0]["exit_code"] == 1 and messages[2].text == "also, use uv not pip"
