"""The session log: messages and events are append-only (only a forgotten session's rows may go),
numbered in order, the first words titling the session, unknown sessions refused; the draft of
a reply still streaming is left to its live process and recovered as interrupted once stale or
its process dead; a cancelled write never leaves a transaction open."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from pathlib import Path

import pytest

from memory_graph.store.session_log import SessionLog, UnknownSession
from tests.support.sessions import text_content


async def test_messages_are_append_only(log: SessionLog) -> None:
    session = await log.create_session()
    message = await log.append_message(session.id, "user", text_content("original"))
    await log.add_event(session.id, "thumbs_up", {}, message.id)
    for statement in (
        "UPDATE messages SET text = 'changed'",
        "DELETE FROM messages",
        "UPDATE events SET kind = 'x'",
        "DELETE FROM events",
    ):
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            await log._conn.execute(statement)
    assert (await log.messages(session.id))[0].text == "original"


async def test_forget_log_unlocks_deletion_of_that_session_only(log: SessionLog) -> None:
    kept = await log.create_session()
    gone = await log.create_session()
    await log.append_message(kept.id, "user", text_content("keep me"))
    await log.append_message(gone.id, "user", text_content("forget me"))
    await log._conn.execute(
        "INSERT INTO forget_log (session_id, created) VALUES (?, '2026-01-01')", (gone.id,)
    )
    await log._conn.execute("DELETE FROM messages WHERE session_id = ?", (gone.id,))
    with pytest.raises(sqlite3.IntegrityError):
        await log._conn.execute("DELETE FROM messages WHERE session_id = ?", (kept.id,))
    assert await log.search("forget") == []
    assert [hit.session_id for hit in await log.search("keep")] == [kept.id]


async def test_sequence_titles_and_unknown_sessions(log: SessionLog) -> None:
    session = await log.create_session()
    first = await log.append_message(
        session.id, "user", text_content("  plan my\ntrip to Lisbon  ")
    )
    second = await log.append_message(session.id, "assistant", text_content("Sure."))
    third = await log.append_message(session.id, "user", text_content("a later message"))
    assert (first.seq, second.seq, third.seq) == (1, 2, 3)
    assert (await log.get_session(session.id)).title == "plan my trip to Lisbon"
    with pytest.raises(UnknownSession):
        await log.get_session(999)
    with pytest.raises(UnknownSession):
        await log.append_message(999, "user", text_content("nowhere"))


async def test_drafts_of_live_processes_wait_and_stale_ones_are_recovered(home: Path) -> None:
    async with await SessionLog.open(home) as streaming, await SessionLog.open(home) as other:
        session = await streaming.create_session()
        await streaming.append_message(session.id, "user", text_content("question"))
        await streaming.drafts.save(session.id, "assistant", text_content("half an ans"), {})
        # Its process is alive (this one) and it was just saved: nobody else touches it.
        assert await other.drafts.recover() == 0
        assert await streaming.drafts.recover() == 0
        # A draft silent for longer than the staleness limit belongs to a lost process.
        assert await other.drafts.recover(session.id, stale_after_s=0) == 1
        messages = await other.messages(session.id)
        assert messages[-1].text == "half an ans" and messages[-1].interrupted
        async with other.connection.execute("SELECT COUNT(*) FROM drafts") as cursor:
            assert (await cursor.fetchone())[0] == 0


async def test_a_dead_processs_draft_survives_a_new_turn_in_its_session(home: Path) -> None:
    async with await SessionLog.open(home) as log:
        session = await log.create_session()
        await log.append_message(session.id, "user", text_content("story"))
        # A draft written by a process that no longer exists (pid 2**22 + 1 is never used here).
        await log.connection.execute(
            "INSERT INTO drafts (session_id, owner, pid, host, role, content, created, updated) "
            "VALUES (?, 'dead', 4194305, ?, 'assistant', ?, '2026-01-01', '2026-01-01')",
            (session.id, log.drafts.host, '[{"type":"text","text":"once upon"}]'),
        )
        # This process finishing its own reply in the session must not drop the other draft.
        await log.drafts.commit(session.id, "assistant", text_content("mine"), {})
        assert await log.drafts.recover(session.id) == 1
        texts = [m.text for m in await log.messages(session.id)]
        assert texts == ["story", "mine", "once upon"]


async def test_cancelling_a_write_never_leaves_a_transaction_open(log: SessionLog) -> None:
    session = await log.create_session()
    for delay in (0, 0.0001, 0.0005, 0.001):
        task = asyncio.create_task(log.append_message(session.id, "user", text_content("maybe")))
        await asyncio.sleep(delay)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        assert not log.connection.in_transaction
    # The log still writes, and another connection is not locked out.
    await log.append_message(session.id, "user", text_content("after"))
    with sqlite3.connect(log.path, timeout=0.5) as raw:
        raw.execute("BEGIN IMMEDIATE")
        raw.execute("ROLLBACK")
