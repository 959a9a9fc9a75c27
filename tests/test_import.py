"""What every import promises, whatever the format: a line that cannot be read is a problem named
by its file and line, and the rest still imports; a path that cannot be imported is one clear
error; a folder's hidden and odd entries are skipped; each session imports whole or not at all,
whether a write fails or the process is killed mid-way, and the next import completes it once.
Format by format: test_import_claude_code.py, test_import_openai.py, test_import_reverie.py;
telling the format: test_import_detection.py."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from memory_graph.store.session_log import SessionLog
from memory_graph.transcripts.importer import ImportInputError, import_paths
from tests.support.faults import failing_on_call
from tests.support.transcripts import claude_line, json_line


async def test_malformed_lines_are_skipped_with_file_and_line(
    log: SessionLog, tmp_path: Path
) -> None:
    path = tmp_path / "mixed.jsonl"
    path.write_bytes(
        claude_line("s1", "u1", "user", "good one").encode()
        + b'{"type": "user", truncated\n'
        + b"\xff\xfe not utf-8\n"
        + b"[1, 2, 3]\n"
        + claude_line("s1", "u2", "user", "good two").encode()
        + json_line(
            type="user", uuid="u3", message={"role": "user", "content": "no session"}
        ).encode()
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


async def test_a_folder_of_only_hidden_or_odd_entries_is_skipped_by_watch_sweeps(
    tmp_path: Path,
) -> None:
    from memory_graph.transcripts.importer import transcript_files

    (tmp_path / "d.json").mkdir()
    (tmp_path / ".hidden.jsonl").write_text("{}\n")
    (tmp_path / ".git").mkdir()
    (tmp_path / ".git" / "x.json").write_text("{}")
    assert transcript_files(tmp_path) == []


async def test_each_session_imports_whole_or_not_at_all(
    log: SessionLog, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import memory_graph.transcripts.writer as store

    real = store.blocks_text
    monkeypatch.setattr(store, "blocks_text", failing_on_call(real, 3))
    path = tmp_path / "one.jsonl"
    path.write_text("".join(claude_line("s1", f"u{i}", "user", f"line {i}") for i in range(5)))
    report = await import_paths(log, [path])
    assert report.problems and "disk full" in report.problems[0].reason
    assert await log.list_sessions() == []
    monkeypatch.setattr(store, "blocks_text", real)
    assert (await import_paths(log, [path])).messages == 5


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

    from tests.support.demo import DEMO_HISTORY

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
