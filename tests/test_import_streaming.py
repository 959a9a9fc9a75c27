"""Import reads a file one session at a time: a document cut short keeps what came before the
cut, and the memory an import holds follows the largest session, not the size of the file."""

from __future__ import annotations

import asyncio
import json
import tracemalloc
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from memory_graph.store.session_log import SessionLog
from memory_graph.transcripts import json_stream
from memory_graph.transcripts.importer import import_paths

NOTE = "the quick brown fox asks about the weather in Reykjavik " * 40
"""About 2 KB of words: a few of these make a conversation worth measuring."""


def _chat(label: str, turns: int = 3) -> dict[str, Any]:
    messages: list[dict[str, Any]] = [{"role": "system", "content": f"helper for {label}"}]
    for turn in range(turns):
        messages.append({"role": "user", "content": f"{label} question {turn}: {NOTE}"})
        messages.append({"role": "assistant", "content": f"{label} answer {turn}: {NOTE}"})
    return {"id": label, "title": f"chat {label}", "messages": messages}


async def _session_ids(log: SessionLog) -> list[str]:
    return sorted(s.external_id for s in await log.list_sessions(limit=-1))


async def test_a_json_list_cut_short_keeps_the_conversations_before_the_cut(
    log: SessionLog, tmp_path: Path
) -> None:
    chats = [_chat(f"trip-{n}") for n in range(5)]
    whole = json.dumps(chats, indent=2)
    cut = whole.index('"trip-3 question 1')
    path = tmp_path / "history.json"
    path.write_text(whole[:cut])

    report = await import_paths(log, [path])
    assert await _session_ids(log) == ["trip-0", "trip-1", "trip-2"]
    [problem] = report.problems
    # The problem names the line where the document stops being readable.
    assert problem.path == path and problem.line == whole[:cut].count("\n") + 1
    assert "ends" in problem.reason or "not valid JSON" in problem.reason

    # Once the file is whole, the next import adds only what was missing.
    path.write_text(whole)
    again = await import_paths(log, [path])
    assert again.problems == [] and again.sessions_new == 2
    assert await _session_ids(log) == [f"trip-{n}" for n in range(5)]


async def test_a_one_line_list_with_a_broken_item_keeps_the_items_before_it(
    log: SessionLog, tmp_path: Path
) -> None:
    items = [json.dumps(_chat("alpha")), '"not a conversation"', json.dumps(_chat("beta"))]
    path = tmp_path / "export.jsonl"  # the name does not matter: the content is a list
    path.write_text("[" + ",".join(items) + ', {"id": "gamma", "messages": [}]')
    report = await import_paths(log, [path])
    assert await _session_ids(log) == ["alpha", "beta"]
    assert [(p.line, p.reason.split(" (")[0]) for p in report.problems] == [
        (1, "item 1 is not a JSON object"),
        (1, "not valid JSON"),
    ]


@pytest.mark.parametrize("shift", range(12))
def test_values_cut_by_the_read_window_keep_their_value(tmp_path: Path, shift: int) -> None:
    # A long string first, so that what follows straddles the end of the first read.
    pad = "x" * (json_stream.READ_BYTES - 4 - shift)
    path = tmp_path / "edge.json"
    path.write_text(f'["{pad}", 0.125, true, -17e2, "caf\u00e9 \\u00e9", {{"id": "after"}}]')
    with path.open("rb") as handle:
        values = [item.value for item in json_stream.items(handle)]
    assert values == [pad, 0.125, True, -1700.0, "café \u00e9", {"id": "after"}]


def _traced_peak(files: list[Path], home: Path) -> int:
    """Peak of the memory Python allocated while importing `files` into a fresh home."""

    async def run() -> int:
        async with await SessionLog.open(home) as log:
            tracemalloc.start()
            try:
                report = await import_paths(log, files)
                _, peak = tracemalloc.get_traced_memory()
            finally:
                tracemalloc.stop()
        assert report.problems == [] and report.sessions_new > 0
        return peak

    return asyncio.run(run())


def _json_list(path: Path, chats: list[dict[str, Any]]) -> None:
    path.write_text(json.dumps(chats))


def _json_lines(path: Path, chats: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(chat) + "\n" for chat in chats))


def _claude_code(path: Path, chats: list[dict[str, Any]]) -> None:
    """One Claude Code session per chat, all in one file (as a concatenation of them)."""
    lines = []
    for chat in chats:
        for number, turn in enumerate(chat["messages"][1:]):
            kind = turn["role"]
            content = [{"type": "text", "text": turn["content"]}]
            lines.append(
                {
                    "type": kind,
                    "sessionId": chat["id"],
                    "uuid": f"{chat['id']}-{number}",
                    "message": {"role": kind, "content": content},
                }
            )
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))


@pytest.mark.parametrize("write", [_json_list, _json_lines, _claude_code])
def test_memory_follows_the_largest_session_not_the_file(
    tmp_path: Path, write: Callable[[Path, list[dict[str, Any]]], None]
) -> None:
    # Conversations of about 12 KB; a file of 40 and one of 400 (about 5 MB): if the import
    # held the file, the larger would need about ten times the memory.
    peaks = []
    for count in (40, 400):
        path = tmp_path / f"chats-{count}.json"
        write(path, [_chat(f"c{count}-{n}") for n in range(count)])
        peaks.append(_traced_peak([path], tmp_path / f"home-{count}"))
    small, large = peaks
    assert large < 2 * small
