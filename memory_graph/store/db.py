"""Opening the one SQLite database: private file modes, pragmas and forward migrations."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Awaitable, Callable
from pathlib import Path

import aiosqlite

from memory_graph.store.errors import SchemaBehind, StoreError
from memory_graph.store.migrations import MIGRATIONS, SCHEMA_VERSION, Migration
from memory_graph.store.records import now_iso

DATABASE_NAME = "reverie.db"
BUSY_TIMEOUT_MS = 5000
_WHY_NOT_WRITTEN = {
    sqlite3.SQLITE_FULL: "the disk is full; free some space and try again",
    sqlite3.SQLITE_BUSY: "another program kept it locked too long; try again once it is done",
    sqlite3.SQLITE_READONLY: "it is readonly; check its permissions and its disk",
    sqlite3.SQLITE_IOERR: "the disk reported an error; check it and try again",
}


def why_not_written(error: sqlite3.Error) -> str:
    """What a failed write means for the user and what to do; the transaction was rolled back,
    so nothing half-written was kept (the message says so too)."""
    # Extended codes (SQLITE_IOERR_WRITE, ...) keep the primary code in their low byte.
    code = (getattr(error, "sqlite_errorcode", None) or -1) & 0xFF
    return f"{_WHY_NOT_WRITTEN.get(code, str(error))} (nothing half-written was kept)"


def ensure_home(home: Path) -> Path:
    """Create the home directory (mode 0700) if needed and check that it is usable."""
    try:
        home.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as error:
        raise StoreError(f"cannot create home {home}: {error.strerror or error}") from None
    if not home.is_dir():
        raise StoreError(f"home {home} is not a directory")
    if not os.access(home, os.R_OK | os.W_OK | os.X_OK):
        raise StoreError(f"home {home} is not readable and writable by you")
    return home


def _create_private_file(path: Path) -> None:
    """Create the database file with mode 0600 before SQLite does, so it is never world-readable;
    SQLite gives its -wal and -shm files the same mode. Never through a symbolic link: SQLite
    would create the link's target with the umask's mode, somewhere the user did not choose."""
    try:
        # O_EXCL also fails on a symbolic link, dangling or not: it never creates through one.
        fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
    except FileExistsError:
        _check_existing_file(path)
        return
    except OSError as error:
        raise StoreError(f"cannot create database {path}: {error.strerror or error}") from None
    os.close(fd)


def _check_existing_file(path: Path) -> None:
    """Refuse a database path that is a link to nothing, or not a file (a folder, a device)."""
    if path.is_symlink() and not path.exists():
        raise StoreError(
            f"{path} is a symbolic link to {os.readlink(path)}, which does not exist; Reverie "
            "does not create its database through a link: remove it or make it point at a database"
        )
    if not path.is_file():
        raise StoreError(f"{path} is not a file")


def _refuse_linked_sqlite_files(path: Path) -> None:
    """Refuse links where SQLite keeps its own files, beside the database's real path. SQLite
    does not open them through a link: a WAL would silently become a rollback journal, or the
    database would fail to open with no reason given."""
    real = path.resolve()
    for suffix in ("-wal", "-shm", "-journal"):
        own = real.with_name(real.name + suffix)
        if own.is_symlink():
            raise StoreError(f"{own} is a symbolic link where SQLite keeps its own file; remove it")


async def connect(path: Path) -> aiosqlite.Connection:
    """Open (creating if needed) and migrate the database at `path`.

    Raises StoreError, with a message for the user, when the file is not a SQLite database, is
    another program's, was made by a newer Reverie, or cannot be opened.
    """
    _create_private_file(path)
    _refuse_linked_sqlite_files(path)
    return await _opened(path, path, BUSY_TIMEOUT_MS, _ready_to_write)


async def _ready_to_write(conn: aiosqlite.Connection, path: Path) -> None:
    await conn.execute("PRAGMA journal_mode = WAL")
    await _pragmas(conn)
    await migrate(conn)


async def _pragmas(conn: aiosqlite.Connection) -> None:
    await conn.execute("PRAGMA synchronous = NORMAL")
    await conn.execute("PRAGMA foreign_keys = ON")


def _check_current_file(path: Path) -> None:
    """Refuse a database that is not there (nothing is created) or is not a plain file."""
    if not path.is_file():
        raise StoreError(f"no Reverie database at {path}; run `reverie` once to create it")
    _refuse_linked_sqlite_files(path)


async def connect_current(path: Path, busy_timeout_ms: int) -> aiosqlite.Connection:
    """Open the database at `path` as it is: never created, never migrated, waiting at most
    `busy_timeout_ms` on another writer. For the quick commands other agents run at every
    start (Claude Code's hooks), which must neither block nor change the schema behind a
    running Reverie.

    Raises StoreError when there is no database there or it is not Reverie's, SchemaBehind when
    it needs a migration (the message says to run `reverie` once).
    """
    _check_current_file(path)
    # mode=rw: SQLite never creates the file, even if it vanished meanwhile.
    return await _opened(path, f"{path.as_uri()}?mode=rw", busy_timeout_ms, _current)


async def _current(conn: aiosqlite.Connection, path: Path) -> None:
    version = await schema_version(conn)
    if version < SCHEMA_VERSION:
        raise SchemaBehind(
            f"{path} needs updating to this Reverie (schema {version} of {SCHEMA_VERSION}); "
            "run `reverie` once"
        )
    _refuse_newer(version)
    await _pragmas(conn)


def _refuse_newer(version: int) -> None:
    if version > SCHEMA_VERSION:
        raise StoreError(
            f"this database has schema version {version}, newer than this Reverie supports "
            f"({SCHEMA_VERSION}); upgrade Reverie"
        )


async def _opened(
    path: Path,
    address: Path | str,
    busy_timeout_ms: int,
    prepare: Callable[[aiosqlite.Connection, Path], Awaitable[None]],
) -> aiosqlite.Connection:
    """A connection to the database at `path` (`address`: the path, or a URI naming it),
    checked to be Reverie's, then made ready by `prepare`; closed again on any error."""
    try:
        conn = await aiosqlite.connect(address, uri=isinstance(address, str), isolation_level=None)
    except sqlite3.Error as error:
        raise StoreError(f"cannot open database {path}: {error}") from None
    try:
        conn.row_factory = aiosqlite.Row
        await conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")
        # Before anything is written, not even the journal mode: it may be another program's.
        await _refuse_foreign(conn, path)
        await prepare(conn, path)
    except sqlite3.DatabaseError as error:
        await conn.close()
        if "not a database" in str(error) or "malformed" in str(error):
            raise StoreError(f"{path} is not a Reverie database (not a SQLite file)") from None
        raise StoreError(f"cannot open database {path}: {why_not_written(error)}") from None
    except BaseException:
        await conn.close()
        raise
    return conn


async def schema_version(conn: aiosqlite.Connection) -> int:
    """The number of migrations applied to this database."""
    return await _pragma_number(conn, "user_version")


async def _pragma_number(conn: aiosqlite.Connection, name: str) -> int:
    async with conn.execute(f"PRAGMA {name}") as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def _refuse_foreign(conn: aiosqlite.Connection, path: Path) -> None:
    """Refuse a SQLite database that is not Reverie's, having only read it."""
    # One read transaction: another Reverie migrating meanwhile is seen before or after a step.
    await conn.execute("BEGIN")
    try:
        why = await _why_foreign(conn)
    finally:
        await conn.execute("ROLLBACK")
    if why is not None:
        raise StoreError(
            f"{path} is not a Reverie database (another program's SQLite file: {why}); "
            "it was left as it is: choose another home"
        )


async def _why_foreign(conn: aiosqlite.Connection) -> str | None:
    """Why this database is another program's, or None when it is Reverie's.

    Reverie's is empty (new, or an empty SQLite file) or records in `schema_migrations` exactly
    Reverie's migrations, as many as its user_version says (a newer Reverie's start with ours).
    An empty `schema_migrations` alone is ours too: `migrate` creates it before the first
    migration, which a crash may have stopped. Reverie never sets an application_id.
    """
    application_id = await _pragma_number(conn, "application_id")
    if application_id:
        return f"application_id {application_id}"
    objects = await conn.execute_fetchall(
        "SELECT type, name, tbl_name FROM sqlite_master ORDER BY type != 'table', name"
    )
    version = await schema_version(conn)
    others = [row[1] for row in objects if row[2] != "schema_migrations"]
    if version == 0 and others:
        return f"it holds {', '.join(others[:3])}{', …' if len(others) > 3 else ''}"
    applied: list[tuple[object, ...]] = []
    if any(row[0] == "table" and row[1] == "schema_migrations" for row in objects):
        rows = await conn.execute_fetchall("SELECT * FROM schema_migrations ORDER BY 1")
        applied = [tuple(row)[:2] for row in rows]
    ours = [(number, migration.name) for number, migration in enumerate(MIGRATIONS, 1)]
    if len(applied) == version and applied[: len(ours)] == ours[:version]:
        return None
    return f"user_version {version} without Reverie's migrations"


async def migrate(
    conn: aiosqlite.Connection, migrations: tuple[Migration, ...] = MIGRATIONS
) -> int:
    """Apply the migrations this database lacks, each in its own transaction; return the version.

    `migrations` is the full ordered list; tests pass a prefix to build an older database.
    """
    version = started = await schema_version(conn)
    _refuse_newer(version)
    await conn.execute(
        "CREATE TABLE IF NOT EXISTS schema_migrations "
        "(version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied TEXT NOT NULL)"
    )
    while True:
        upcoming = migrations[version] if version < len(migrations) else None
        rebuilds = upcoming is not None and upcoming.rebuilds
        if rebuilds:
            # Outside a transaction: inside one, SQLite ignores this pragma.
            await conn.execute("PRAGMA foreign_keys = OFF")
        before = version
        try:
            version = await _next_migration(conn, migrations, check_keys=rebuilds)
        finally:
            if rebuilds:
                await conn.execute("PRAGMA foreign_keys = ON")
        if version > before:
            # Each migration's pages are written back before the next: the log holds one
            # migration's at a time, not all of them (more than the new database itself), and
            # the next reuses its room.
            await conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
        if version >= len(migrations):
            break
    if version > started:
        # Emptied at the end: a nearly full disk keeps that room for what the person imports.
        await conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    return await schema_version(conn)


async def _next_migration(
    conn: aiosqlite.Connection, migrations: tuple[Migration, ...], *, check_keys: bool
) -> int:
    """Apply the next migration this database lacks, in one transaction; the version after."""
    await conn.execute("BEGIN IMMEDIATE")
    try:
        # Re-read under the write lock: another process may have migrated meanwhile.
        version = await schema_version(conn)
        if version >= len(migrations):
            await conn.execute("COMMIT")
            return version
        migration = migrations[version]
        if migration.rebuilds != check_keys:
            # Another process migrated meanwhile: the caller sets foreign keys for this one.
            await conn.execute("COMMIT")
            return version
        # executescript would COMMIT first; run statement by statement inside our transaction.
        for statement in _statements(migration.sql):
            await conn.execute(statement)
        if migration.backfill is not None:
            await migration.backfill(conn)
        if check_keys and await conn.execute_fetchall("PRAGMA foreign_key_check"):
            raise StoreError(f"migration {migration.name} would break references between rows")
        await conn.execute(
            "INSERT INTO schema_migrations (version, name, applied) VALUES (?, ?, ?)",
            (version + 1, migration.name, now_iso()),
        )
        await conn.execute(f"PRAGMA user_version = {version + 1}")
        await conn.execute("COMMIT")
    except BaseException:
        await conn.execute("ROLLBACK")
        raise
    return version + 1


def _statements(script: str) -> list[str]:
    """Split a migration script into complete statements (trigger bodies included)."""
    statements: list[str] = []
    current = ""
    for line in script.splitlines(keepends=True):
        if line.strip().startswith("--") and not current.strip():
            continue
        current += line
        if sqlite3.complete_statement(current):
            statements.append(current.strip())
            current = ""
    if current.strip():
        statements.append(current.strip())
    return statements
