"""The database file itself: another program's SQLite file is refused untouched, and the
database is never created through a symbolic link. Run as real processes on real files."""

from __future__ import annotations

import os
import sqlite3
import subprocess
from collections.abc import Callable
from pathlib import Path

import aiosqlite
import pytest

from memory_graph.store.db import DATABASE_NAME, migrate
from memory_graph.store.migrations import MIGRATIONS
from memory_graph.store.session_log import SessionLog
from tests.support.processes import clean_environment, reverie


def _run(home: Path, *argv: str) -> tuple[int, str]:
    done = subprocess.run(
        reverie(home, *argv), capture_output=True, text=True, env=clean_environment(), timeout=60
    )
    return done.returncode, done.stderr


def _files(folder: Path) -> dict[str, bytes]:
    """Every file in `folder` with its bytes: what must not change."""
    return {path.name: path.read_bytes() for path in sorted(folder.iterdir())}


def _notes_app(raw: sqlite3.Connection) -> None:
    """A note-taking app's database: its own tables, user_version left at 0."""
    raw.execute("CREATE TABLE notes (id INTEGER PRIMARY KEY, body TEXT)")
    raw.execute("INSERT INTO notes (body) VALUES ('my own notes')")


def _versioned_app(raw: sqlite3.Connection) -> None:
    """An app that counts its schema in user_version too (Reverie crashed on `drafts` here)."""
    raw.execute("PRAGMA journal_mode = WAL")
    raw.execute("CREATE TABLE items (id INTEGER PRIMARY KEY, name TEXT)")
    raw.execute("PRAGMA user_version = 3")


def _tagged_app(raw: sqlite3.Connection) -> None:
    """An app that marks its files with an application_id and has no table yet."""
    raw.execute("PRAGMA application_id = 1234")


def _rails_app(raw: sqlite3.Connection) -> None:
    """A Rails-style app whose `schema_migrations` table shares our table's name."""
    raw.execute("CREATE TABLE schema_migrations (version TEXT PRIMARY KEY)")
    raw.execute("INSERT INTO schema_migrations VALUES ('20240101000000')")


@pytest.mark.parametrize(
    ("make", "why"),
    [
        (_notes_app, "it holds notes"),
        (_versioned_app, "user_version 3 without Reverie's migrations"),
        (_tagged_app, "application_id 1234"),
        (_rails_app, "user_version 0 without Reverie's migrations"),
    ],
)
def test_another_programs_database_is_refused_and_left_as_it_was(
    home: Path, make: Callable[[sqlite3.Connection], None], why: str
) -> None:
    home.mkdir()
    raw = sqlite3.connect(home / DATABASE_NAME, isolation_level=None)
    make(raw)
    raw.close()
    before = _files(home)
    code, err = _run(home, "sessions")
    assert code == 1 and len(err.splitlines()) == 1, err
    assert "not a Reverie database" in err and why in err
    assert _files(home) == before  # no byte changed, no -wal, -shm or -journal left


async def test_reverie_databases_of_every_age_are_opened(tmp_path: Path) -> None:
    """What Reverie itself leaves is recognised: an empty file, an empty SQLite database, the
    bookkeeping table alone (a crash before the first migration), an older schema."""

    async def bookkeeping_only(conn: aiosqlite.Connection) -> None:
        await conn.execute(
            "CREATE TABLE schema_migrations "
            "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied TEXT NOT NULL)"
        )

    async def empty_sqlite(conn: aiosqlite.Connection) -> None:
        await conn.execute("VACUUM")  # writes a header: a real, empty SQLite database

    async def older(conn: aiosqlite.Connection) -> None:
        await migrate(conn, MIGRATIONS[:2])

    for number, make in enumerate((None, empty_sqlite, bookkeeping_only, older)):
        home = tmp_path / f"home{number}"
        home.mkdir()
        if make is None:
            (home / DATABASE_NAME).touch()
        else:
            async with aiosqlite.connect(home / DATABASE_NAME, isolation_level=None) as conn:
                await make(conn)
        async with await SessionLog.open(home) as log:
            assert (await log.create_session()).id == 1


def test_a_dangling_symlink_is_not_followed_to_create_the_database(
    home: Path, tmp_path: Path
) -> None:
    home.mkdir()
    target = tmp_path / "elsewhere.db"
    (home / DATABASE_NAME).symlink_to(target)
    code, err = _run(home, "sessions")
    assert code == 1 and len(err.splitlines()) == 1, err
    assert "symbolic link" in err and str(target) in err
    assert not target.exists() and os.readlink(home / DATABASE_NAME) == str(target)
    assert sorted(path.name for path in home.iterdir()) == [DATABASE_NAME]


def test_a_link_into_a_missing_folder_or_a_loop_is_refused(home: Path, tmp_path: Path) -> None:
    home.mkdir()
    link = home / DATABASE_NAME
    link.symlink_to(tmp_path / "gone" / "reverie.db")
    code, err = _run(home, "sessions")
    assert code == 1 and "symbolic link" in err and not (tmp_path / "gone").exists()
    link.unlink()
    link.symlink_to(link)
    code, err = _run(home, "sessions")
    assert code == 1 and "symbolic link" in err and len(err.splitlines()) == 1


async def test_a_link_to_an_existing_database_is_followed(home: Path, tmp_path: Path) -> None:
    """Keeping the database elsewhere (another disk) by a link the user made still works."""
    real = tmp_path / "real"
    async with await SessionLog.open(real) as log:
        await log.create_session(title="kept elsewhere")
    home.mkdir()
    (home / DATABASE_NAME).symlink_to(real / DATABASE_NAME)
    async with await SessionLog.open(home) as log:
        assert [session.title for session in await log.list_sessions()] == ["kept elsewhere"]


@pytest.mark.parametrize("suffix", ["-wal", "-shm", "-journal"])
def test_a_link_where_sqlite_keeps_its_own_files_is_refused(
    home: Path, tmp_path: Path, suffix: str
) -> None:
    home.mkdir()
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    link = home / f"{DATABASE_NAME}{suffix}"
    link.symlink_to(victim)
    code, err = _run(home, "sessions")
    assert code == 1 and len(err.splitlines()) == 1, err
    assert f"{link} is a symbolic link" in err
    assert victim.read_text() == "precious\n" and os.readlink(link) == str(victim)
