"""Importing a file again: nothing is imported twice; a grown file adds only its new lines; a line
still being written waits for its end, and one an explicit import reported unfinished is read
again once whole; line numbers stay exact after a last line without a newline; a file rewritten
with the same start is read again, and a touched one is no error."""

from __future__ import annotations

import json
import shutil
from pathlib import Path

from memory_graph.store.session_log import SessionLog
from memory_graph.transcripts.importer import ImportReport, import_files, import_paths
from tests.support.shared_data import CLAUDE_CODE, needs_shared_data
from tests.support.transcripts import claude_line


@needs_shared_data
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
    whole = claude_line("s1", "u1", "user", "first question")
    second = claude_line("s1", "u2", "user", "second question")
    path.write_text(whole + second[:20])
    report = ImportReport()
    await import_files(log, [path], None, report, final=False)
    assert report.messages == 1 and report.problems == []
    with path.open("a") as handle:
        handle.write(second[20:])
    report = ImportReport()
    await import_files(log, [path], None, report, final=False)
    assert report.messages == 1 and report.problems == []


@needs_shared_data
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
    path.write_text(claude_line("s", "u1", "user", "one").rstrip("\n"))
    assert (await import_paths(log, [path])).messages == 1
    with path.open("a") as handle:
        handle.write("\n" + claude_line("s", "u2", "user", "two") + "{broken\n")
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


@needs_shared_data
async def test_touching_an_imported_file_is_not_an_error(log: SessionLog, tmp_path: Path) -> None:
    path = tmp_path / "short.jsonl"
    shutil.copy(CLAUDE_CODE / "short.jsonl", path)
    await import_paths(log, [path])
    path.touch()
    report = await import_paths(log, [path])
    assert report.resumed == 1 and report.messages == 0 and report.problems == []
