"""The database on real SQLite files: created private (a 0700 home, 0600 files), in WAL, at the
current schema, with its pragmas; an older schema migrated without loss, a newer one refused; a
file that is not a database, a folder, a home that cannot be created and a database that
refuses writes each a clear error. Another program's database, and symbolic links:
test_db_files.py."""

from __future__ import annotations

import sqlite3
import stat
from pathlib import Path

import aiosqlite
import pytest

from memory_graph.store.db import DATABASE_NAME, connect, migrate, schema_version
from memory_graph.store.errors import StoreError
from memory_graph.store.migrations import MIGRATIONS, SCHEMA_VERSION
from memory_graph.store.session_log import SessionLog
from tests.support.sessions import text_content


async def test_new_database_is_private_wal_and_current(log: SessionLog, home: Path) -> None:
    assert stat.S_IMODE(home.stat().st_mode) == 0o700
    assert stat.S_IMODE((home / DATABASE_NAME).stat().st_mode) == 0o600
    session = await log.create_session()
    await log.append_message(session.id, "user", text_content("x"))
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


async def test_a_database_that_refuses_writes_is_a_clear_error(log: SessionLog) -> None:
    session = await log.create_session()
    # query_only makes SQLite answer as for a read-only file (and works as root, unlike chmod).
    await log.connection.execute("PRAGMA query_only = ON")
    with pytest.raises(StoreError, match=r"cannot write .*readonly"):
        await log.append_message(session.id, "user", text_content("x"))
    assert not log.connection.in_transaction
    await log.connection.execute("PRAGMA query_only = OFF")
    await log.append_message(session.id, "user", text_content("y"))


async def test_connect_refuses_a_directory(tmp_path: Path) -> None:
    with pytest.raises(StoreError, match="not a file"):
        await connect(tmp_path)


async def test_unusable_home_is_a_clear_error(tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("x")
    with pytest.raises(StoreError, match="cannot create home"):
        await SessionLog.open(blocker / "home")


async def test_the_second_handle_reads_what_was_committed_and_closes_with_the_first(
    home: Path,
) -> None:
    log = await SessionLog.open(home)
    reader = await log.reader()
    assert await log.reader() is reader  # one second handle, opened once
    session = await log.create_session(title="tidal charts")
    rows = await reader.connection.execute_fetchall(
        "SELECT title FROM sessions WHERE id = ?", (session.id,)
    )
    assert [row[0] for row in rows] == ["tidal charts"]
    async with log.transaction() as conn:
        await conn.execute("UPDATE sessions SET title = 'draft' WHERE id = ?", (session.id,))
        # Not yet committed: the second handle still reads the title as it was.
        rows = await reader.connection.execute_fetchall(
            "SELECT title FROM sessions WHERE id = ?", (session.id,)
        )
        assert [row[0] for row in rows] == ["tidal charts"]
    await log.close()
    with pytest.raises(ValueError):
        await reader.connection.execute("SELECT 1")
