"""Dreams follow the order sessions changed in the log, never the dates they claim: older
history imported after a dream is reviewed, a session dated far ahead (or not dated at all)
hides nothing, and a session that grew is reviewed again."""

from __future__ import annotations

import json
from pathlib import Path

from dreamer.dream import dream
from memory_graph.store.session_log import SessionLog
from memory_graph.transcripts.importer import import_paths
from tests.support.inbox import inbox_json
from tests.support.sessions import chat_session


def _conversations(path: Path, created: str, *turns: tuple[str, str]) -> Path:
    """An OpenAI-style log: one conversation per (id, what the user says), all dated `created`."""
    items = [
        {
            "id": conversation_id,
            "created": created,
            "messages": [
                {"role": "user", "content": said},
                {"role": "assistant", "content": "Noted."},
            ],
        }
        for conversation_id, said in turns
    ]
    path.write_text(json.dumps(items), encoding="utf-8")
    return path


async def _reviewed(log: SessionLog) -> set[int]:
    """Every session any committed dream reviewed."""
    rows = await log.connection.execute_fetchall("SELECT sessions FROM dreams WHERE error IS NULL")
    return {item["id"] for row in rows for item in json.loads(row[0])}


async def test_history_older_than_the_last_dream_is_reviewed(
    log: SessionLog, tmp_path: Path
) -> None:
    await chat_session(log, "Can you check the weather in Lisbon for tomorrow?")
    assert (await dream(log)).sessions_reviewed == 1
    # A 2024 export arrives after the dream: its sessions claim dates before everything dreamt.
    old = _conversations(
        tmp_path / "export-2024.json",
        "2024-03-02T09:15:00Z",
        ("a", "I always want prices quoted in euros, never dollars."),
        ("b", "Quote the prices in euros please, I never want dollars."),
    )
    await import_paths(log, [old])
    summary = await dream(log)
    assert summary.sessions_reviewed == 2
    assert any("euro" in item["statement"] for item in await inbox_json(log))


async def test_a_far_future_or_garbage_date_hides_no_later_session(
    log: SessionLog, tmp_path: Path
) -> None:
    future = _conversations(tmp_path / "future.json", "2100-01-01T00:00:00", ("f", "hello there"))
    garbage = _conversations(tmp_path / "garbage.json", "the day after never", ("g", "hi again"))
    await import_paths(log, [future, garbage])
    assert (await dream(log)).sessions_reviewed == 2
    later = [
        await chat_session(log, "From now on I prefer answers in bullet points."),
        await chat_session(log, "I prefer bullet points in answers, from now on."),
    ]
    summary = await dream(log)
    assert summary.sessions_reviewed == 2
    assert set(later) <= await _reviewed(log)


async def test_a_session_that_grew_is_reviewed_again(log: SessionLog) -> None:
    grown = await chat_session(log, "What's a good name for a cat?")
    await chat_session(log, "Summarise this article for me.")
    assert (await dream(log)).sessions_reviewed == 2
    assert (await dream(log)).sessions_reviewed == 0
    await log.append_message(grown, "user", [{"type": "text", "text": "And one for a dog?"}])
    summary = await dream(log)
    assert summary.sessions_reviewed == 1
    rows = await log.connection.execute_fetchall(
        "SELECT sessions FROM dreams WHERE error IS NULL ORDER BY id DESC LIMIT 1"
    )
    assert [item["id"] for item in json.loads(rows[0][0])] == [grown]


async def test_batches_of_a_limit_cover_every_session_once_in_change_order(
    log: SessionLog, tmp_path: Path
) -> None:
    # Claimed dates run backwards against the order of import.
    for number in range(7):
        path = _conversations(
            tmp_path / f"c{number}.json",
            f"20{30 - number}-06-01T12:00:00+02:00",
            (f"c{number}", f"question number {number}"),
        )
        await import_paths(log, [path])
    seen: list[int] = []
    while (summary := await dream(log, limit=3)).sessions_reviewed:
        rows = await log.connection.execute_fetchall(
            "SELECT sessions FROM dreams WHERE id = ?", (summary.dream_id,)
        )
        seen += [item["id"] for item in json.loads(rows[0][0])]
    assert seen == sorted(seen) and len(seen) == len(set(seen)) == 7
