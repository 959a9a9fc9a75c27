"""Reverie's own format: an export of sessions of every kind (imported or native, interrupted
replies included) imports back exactly, every field of every session and message, and importing
it again adds nothing. How exports are written: test_files.py; from the command line:
test_cli_sessions.py."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from memory_graph.store.session_log import SessionLog
from memory_graph.transcripts.importer import detect, import_paths
from memory_graph.transcripts.reverie_format import export_lines
from tests.support.shared_data import CLAUDE_CODE, TAUBENCH_AIRLINE, needs_shared_data


@needs_shared_data
async def test_export_then_import_round_trips_exactly(log: SessionLog, tmp_path: Path) -> None:
    await import_paths(log, [CLAUDE_CODE, TAUBENCH_AIRLINE])
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
