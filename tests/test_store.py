"""The session log on real SQLite files: schema, migrations, append-only, modes, drafts, search."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
import stat
from pathlib import Path

import aiosqlite
import pytest

from memory_graph.store.db import DATABASE_NAME, connect, migrate, schema_version
from memory_graph.store.errors import StoreError
from memory_graph.store.migrations import MIGRATIONS, SCHEMA_VERSION
from memory_graph.store.search import fts_query, snippet
from memory_graph.store.session_log import SessionLog, UnknownSession


def _text(value: str) -> list[dict[str, str]]:
    return [{"type": "text", "text": value}]


async def test_new_database_is_private_wal_and_current(log: SessionLog, home: Path) -> None:
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    assert stat.S_IMODE((home / DATABASE_NAME).stat().st_mode) == 0o600
    session = await log.create_session()
    await log.append_message(session.id, "user", _text("x"))
    wal = home / f"{DATABASE_NAME}-wal"
    assert wal.exists() and stat.S_IMODE(wal.stat().st_mode) == 0o600
    with sqlite3.connect(home / DATABASE_NAME) as raw:
        assert raw.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
        assert raw.execute("PRAGMA user_version").fetchone()[0] == SCHEMA_VERSION
        names = [row[0] for row in raw.execute("SELECT name FROM schema_migrations ORDER BY 1")]
    assert names == [migration.name for migration in MIGRATIONS]


async def test_connection_pragmas(log: SessionLog) -> None:
    conn = log._conn
    async with conn.execute("PRAGMA foreign_keys") as cursor:
        assert (await cursor.fetchone())[0] == 1
    async with conn.execute("PRAGMA busy_timeout") as cursor:
        assert (await cursor.fetchone())[0] >= 1000


async def test_older_schema_migrates_without_loss(home: Path) -> None:
    home.mkdir()
    path = home / DATABASE_NAME
    async with aiosqlite.connect(path, isolation_level=None) as conn:
        assert await migrate(conn, MIGRATIONS[:1]) == 1
        await conn.execute(
            "INSERT INTO sessions (id, source, external_id, title, started) "
            "VALUES (7, 'claude-code', 'abc', 'old one', '2026-01-01T00:00:00Z')"
        )
        await conn.execute(
            "INSERT INTO messages (session_id, seq, role, content, text, created) "
            'VALUES (7, 1, \'user\', \'[{"type":"text","text":"kept words"}]\', '
            "'kept words', '2026-01-01T00:00:00Z')"
        )
        await conn.execute("INSERT INTO messages_fts (rowid, text) VALUES (1, 'kept words')")
    async with await SessionLog.open(home) as log:
        assert await schema_version(log._conn) == SCHEMA_VERSION
        session = await log.get_session(7)
        assert (session.source, session.external_id, session.title) == (
            "claude-code",
            "abc",
            "old one",
        )
        assert session.parent_id is None
        assert [m.text for m in await log.messages(7)] == ["kept words"]
        assert [hit.session_id for hit in await log.search("kept")] == [7]
        child = await log.create_session(parent_id=7)
        assert child.parent_id == 7


async def test_newer_schema_is_refused(home: Path) -> None:
    async with await SessionLog.open(home):
        pass
    # What a newer Reverie leaves: our migrations, then one more.
    with sqlite3.connect(home / DATABASE_NAME) as raw:
        raw.execute(
            "INSERT INTO schema_migrations VALUES (?, 'from_the_future', '2030-01-01')",
            (SCHEMA_VERSION + 1,),
        )
        raw.execute(f"PRAGMA user_version = {SCHEMA_VERSION + 1}")
    with pytest.raises(StoreError, match="newer"):
        await SessionLog.open(home)


async def test_not_a_database_is_a_clear_error(home: Path) -> None:
    home.mkdir()
    (home / DATABASE_NAME).write_bytes(b"this is a text file, not SQLite\n" * 100)
    with pytest.raises(StoreError, match="not a Reverie database"):
        await SessionLog.open(home)
    assert (home / DATABASE_NAME).read_bytes().startswith(b"this is a text file")


async def test_messages_are_append_only(log: SessionLog) -> None:
    session = await log.create_session()
    message = await log.append_message(session.id, "user", _text("original"))
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
    await log.append_message(kept.id, "user", _text("keep me"))
    await log.append_message(gone.id, "user", _text("forget me"))
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
    first = await log.append_message(session.id, "user", _text("  plan my\ntrip to Lisbon  "))
    second = await log.append_message(session.id, "assistant", _text("Sure."))
    third = await log.append_message(session.id, "user", _text("a later message"))
    assert (first.seq, second.seq, third.seq) == (1, 2, 3)
    assert (await log.get_session(session.id)).title == "plan my trip to Lisbon"
    with pytest.raises(UnknownSession):
        await log.get_session(999)
    with pytest.raises(UnknownSession):
        await log.append_message(999, "user", _text("nowhere"))


async def test_drafts_of_live_processes_wait_and_stale_ones_are_recovered(home: Path) -> None:
    async with await SessionLog.open(home) as streaming, await SessionLog.open(home) as other:
        session = await streaming.create_session()
        await streaming.append_message(session.id, "user", _text("question"))
        await streaming.drafts.save(session.id, "assistant", _text("half an ans"), {})
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
        await log.append_message(session.id, "user", _text("story"))
        # A draft written by a process that no longer exists (pid 2**22 + 1 is never used here).
        await log.connection.execute(
            "INSERT INTO drafts (session_id, owner, pid, host, role, content, created, updated) "
            "VALUES (?, 'dead', 4194305, ?, 'assistant', ?, '2026-01-01', '2026-01-01')",
            (session.id, log.drafts.host, '[{"type":"text","text":"once upon"}]'),
        )
        # This process finishing its own reply in the session must not drop the other draft.
        await log.drafts.commit(session.id, "assistant", _text("mine"), {})
        assert await log.drafts.recover(session.id) == 1
        texts = [m.text for m in await log.messages(session.id)]
        assert texts == ["story", "mine", "once upon"]


async def test_cancelling_a_write_never_leaves_a_transaction_open(log: SessionLog) -> None:
    session = await log.create_session()
    for delay in (0, 0.0001, 0.0005, 0.001):
        task = asyncio.create_task(log.append_message(session.id, "user", _text("maybe")))
        await asyncio.sleep(delay)
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        assert not log.connection.in_transaction
    # The log still writes, and another connection is not locked out.
    await log.append_message(session.id, "user", _text("after"))
    with sqlite3.connect(log.path, timeout=0.5) as raw:
        raw.execute("BEGIN IMMEDIATE")
        raw.execute("ROLLBACK")


async def test_a_database_that_refuses_writes_is_a_clear_error(log: SessionLog) -> None:
    session = await log.create_session()
    # query_only makes SQLite answer as for a read-only file (and works as root, unlike chmod).
    await log.connection.execute("PRAGMA query_only = ON")
    with pytest.raises(StoreError, match=r"cannot write .*readonly"):
        await log.append_message(session.id, "user", _text("x"))
    assert not log.connection.in_transaction
    await log.connection.execute("PRAGMA query_only = OFF")
    await log.append_message(session.id, "user", _text("y"))


async def test_search_one_hit_per_session_and_hostile_queries(log: SessionLog) -> None:
    for words in ("docker compose fails", "docker build works", "garden tomatoes"):
        session = await log.create_session()
        await log.append_message(session.id, "user", _text(words))
        await log.append_message(session.id, "assistant", _text(f"about {words}"))
    assert len(await log.search("docker")) == 2
    assert [hit.session_title for hit in await log.search("tomat")] == ["garden tomatoes"]
    for hostile in ('"', "AND OR NOT", "docker*)(", "NEAR(", "-", "'; DROP TABLE messages; --"):
        await log.search(hostile)
    assert await log.search("   ") == []
    assert fts_query('say "hi" OR') == '"say" AND "hi" AND "OR"*'


async def test_connect_refuses_a_directory(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="not a file"):
        await connect(tmp_path)


async def test_unusable_home_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="cannot create home"):
        await SessionLog.open(blocker / "home")


async def test_full_text_index_stays_consistent(log: SessionLog) -> None:
    session = await log.create_session()
    await log.append_message(session.id, "system", _text("You are Reverie, concise"))
    await log.append_message(session.id, "user", _text("find the invoice"))
    await log.drafts.save(session.id, "assistant", _text("looking"), {})
    await log.drafts.commit(session.id, "assistant", _text("found the invoice"), {})
    async with log.transaction() as conn:
        await conn.execute("INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')")
    assert await log.search("concise") == [], "system prompts are not indexed"
    assert [hit.role for hit in await log.search("invoice")] in (["user"], ["assistant"])


async def test_a_busy_session_cannot_hide_other_matches(log: SessionLog) -> None:
    busy = await log.create_session()
    for _ in range(250):
        await log.append_message(busy.id, "user", _text("docker docker docker"))
    quiet = await log.create_session()
    await log.append_message(quiet.id, "user", _text("a long note that mentions docker once"))
    assert {hit.session_id for hit in await log.search("docker", limit=10)} == {busy.id, quiet.id}


def test_snippets_centre_on_the_first_matching_word() -> None:
    text = "Earlier words. " * 10 + "The Kubernetes ingress\nfailed with a 502 again. " + "x " * 80
    shown = snippet(text, ["ingress", "fail"])
    assert shown.startswith("…") and shown.endswith("…") and "ingress failed" in shown
    assert len(shown) <= 92
    assert snippet("short text", ["nothing"]) == "short text"
