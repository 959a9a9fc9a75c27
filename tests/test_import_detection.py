"""A file's format is told from its content, never its name (an export named .json, a BOM, a
huge first line), and a format forced against what the content says is refused. The first of
its lines that parse and look like a transcript decides: one damaged line at the top is
reported (file:line) and the lines after it are imported, whether the file is named or found
in a folder."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from memory_graph.store.session_log import SessionLog
from memory_graph.transcripts.importer import detect, import_paths
from memory_graph.transcripts.reverie_format import export_lines
from tests.support.processes import clean_environment, reverie
from tests.support.shared_data import CLAUDE_CODE, needs_shared_data


def _cc(session: str, uuid: str, role: str, words: str) -> str:
    """A Claude Code transcript line."""
    return (
        json.dumps(
            {
                "type": role,
                "sessionId": session,
                "uuid": uuid,
                "timestamp": "2026-02-11T08:30:00.000Z",
                "message": {"role": role, "content": [{"type": "text", "text": words}]},
            }
        )
        + "\n"
    )


def _garden_transcript() -> str:
    return (
        _cc("garden", "g1", "user", "when should I prune the apple tree?")
        + _cc("garden", "g2", "assistant", "Late winter, before buds swell.")
        + _cc("garden", "g3", "user", "and the plum?")
    )


def _conversation(ident: str, question: str) -> dict[str, Any]:
    return {
        "id": ident,
        "messages": [
            {"role": "user", "content": question},
            {"role": "assistant", "content": f"About {question}: it depends."},
        ],
    }


async def _texts(log: SessionLog) -> list[str]:
    return [m.text for s in await log.list_sessions(limit=-1) for m in await log.messages(s.id)]


@needs_shared_data
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


@needs_shared_data
async def test_a_forced_format_the_content_contradicts_is_refused(
    log: SessionLog, tmp_path: Path
) -> None:
    report = await import_paths(log, [CLAUDE_CODE / "short.jsonl"], "openai")
    assert report.sessions_new == 0 and "is claude-code, not openai" in report.problems[0].reason


@pytest.mark.parametrize("in_folder", [False, True], ids=["named", "in-folder"])
async def test_a_cut_first_line_is_reported_and_the_rest_imported(
    log: SessionLog, tmp_path: Path, in_folder: bool
) -> None:
    folder = tmp_path / "drop"
    folder.mkdir()
    path = folder / "garden.jsonl"
    cut = '{"type": "user", "sessionId": "garden", "message": {"ro\n'
    path.write_text(cut + _garden_transcript())
    report = await import_paths(log, [folder if in_folder else path])
    assert report.messages == 3
    assert [(p.path, p.line, p.reason) for p in report.problems] == [(path, 1, "not valid JSON")]
    assert "Late winter, before buds swell." in await _texts(log)


@pytest.mark.parametrize(
    "first",
    [
        b"\xff\xfe\x00garbled\n",  # not UTF-8
        b'{"note": "copied from my laptop"}\n',  # JSON, but not a transcript line
        b"\n\n   \n" + b'["a", "list"]\n',  # blank lines, then a line that is not an object
    ],
    ids=["not-utf8", "foreign-object", "blank-then-list"],
)
async def test_any_unreadable_start_still_tells_the_format_from_later_lines(
    log: SessionLog, tmp_path: Path, first: bytes
) -> None:
    path = tmp_path / "garden.jsonl"
    path.write_bytes(first + _garden_transcript().encode())
    assert detect(path) == "claude-code"
    report = await import_paths(log, [path])
    assert report.messages == 3 and len(report.problems) == 1
    assert report.problems[0].line == first.count(b"\n")


async def test_openai_lines_in_a_json_file_after_a_cut_line(
    log: SessionLog, tmp_path: Path
) -> None:
    # Cut right after an opening bracket: read on, it would swallow the next line as an item.
    path = tmp_path / "chats.json"
    path.write_text(
        '{"id": "lost", "messages": [\n'
        + json.dumps(_conversation("tea", "green tea steeping time"))
        + "\n"
        + json.dumps(_conversation("rice", "rice to water ratio"))
        + "\n"
    )
    report = await import_paths(log, [path])
    assert sorted(s.external_id for s in await log.list_sessions()) == ["rice", "tea"]
    assert [(p.line, p.reason) for p in report.problems] == [(1, "not valid JSON")]


async def test_a_reverie_export_with_a_damaged_header_keeps_its_sessions(
    log: SessionLog, tmp_path: Path
) -> None:
    session = {
        "session": {"source": "reverie", "external_id": "abc123", "title": "Bike repair"},
        "messages": [
            {"role": "user", "content": [{"type": "text", "text": "the chain skips"}]},
            {"role": "assistant", "content": [{"type": "text", "text": "Check the cassette."}]},
        ],
    }
    path = tmp_path / "backup.jsonl"
    path.write_text('{"format": "reverie", "vers\n' + json.dumps(session) + "\n")
    assert detect(path) == "reverie"
    report = await import_paths(log, [path])
    assert report.messages == 2 and [(p.line, p.reason) for p in report.problems] == [
        (1, "not valid JSON")
    ]
    assert (await log.list_sessions())[0].title == "Bike repair"

    # Two exports joined end to end: the second header is not a problem.
    joined = tmp_path / "joined.jsonl"
    header = json.dumps({"format": "reverie", "version": 1}) + "\n"
    other = json.loads(json.dumps(session))
    other["session"]["external_id"] = "def456"
    joined.write_text(header + json.dumps(session) + "\n" + header + json.dumps(other) + "\n")
    report = await import_paths(log, [joined])
    assert report.problems == [] and report.sessions_new == 1

    # A later version is not guessed at.
    future = tmp_path / "future.jsonl"
    other["session"]["external_id"] = "ghi789"
    future.write_text(json.dumps({"format": "reverie", "version": 7}) + "\n" + json.dumps(other))
    report = await import_paths(log, [future])
    assert report.sessions_seen == 0 and "another version" in report.problems[0].reason


async def test_an_indented_conversation_is_still_one_document(
    log: SessionLog, tmp_path: Path
) -> None:
    # Its inner lines parse on their own, but none of them is a conversation.
    path = tmp_path / "one.json"
    path.write_text(
        '{"id": "kayak", "messages": [\n'
        '  {"role": "user", "content": "best kayak for a lake"},\n'
        '  {"role": "assistant", "content": "A sit-on-top."}\n'
        "]}\n"
    )
    assert detect(path) == "openai"
    report = await import_paths(log, [path])
    assert report.problems == [] and report.messages == 2


def test_the_cli_imports_a_named_file_whose_first_line_is_damaged(tmp_path: Path) -> None:
    path = tmp_path / "garden.jsonl"
    path.write_text("{{{ not json at all\n" + _garden_transcript())
    done = subprocess.run(
        reverie(tmp_path / "home", "import", str(path)),
        env=clean_environment(),
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert f"skipped {path}:1: not valid JSON" in done.stderr
    assert "1 new sessions" in done.stdout and "3 messages" in done.stdout
