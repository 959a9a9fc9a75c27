"""The handle on one Reverie database: its connection, reads by the store's modules, and short
write transactions that hold under cancellation and concurrent processes."""

from __future__ import annotations

import asyncio
import contextlib
import sqlite3
from collections.abc import AsyncIterator, Hashable
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Self

import aiosqlite

from memory_graph.store.db import (
    BUSY_TIMEOUT_MS,
    DATABASE_NAME,
    connect,
    connect_current,
    ensure_home,
    why_not_written,
)
from memory_graph.store.errors import StoreError

Memo = dict[Hashable, object]
"""What `Database.memo` keeps: values computed from memory, by a key their computer chose."""
MEMO_AT_MOST = 20_000
"""Values `memo` keeps at most before it starts again: a memory's neighbours each, a few MB."""


class Database:
    """Async access to one Reverie database. Writes run in short IMMEDIATE transactions so a
    second process (the TUI and a headless command) can write at the same time."""

    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self._conn = conn
        self.path = path
        self._write_lock = asyncio.Lock()
        self._reader: Database | None = None
        self._reader_lock = asyncio.Lock()
        self._memo: Memo = {}
        self._memo_clock = -1
        self._rollbacks = 0

    @classmethod
    async def open(cls, home: Path) -> Self:
        """Open the database in `home`, creating and migrating it."""
        ensure_home(home)
        path = home / DATABASE_NAME
        return cls(await connect(path), path)

    @classmethod
    async def open_current(cls, home: Path, busy_timeout_ms: int) -> Self:
        """Open the database in `home` as it is: not created, not migrated, and another
        writer waited on for `busy_timeout_ms` at most (`db.connect_current`)."""
        path = home / DATABASE_NAME
        return cls(await connect_current(path, busy_timeout_ms), path)

    @property
    def connection(self) -> aiosqlite.Connection:
        """The connection, for reads (writes go through `transaction`)."""
        return self._conn

    async def data_version(self) -> int:
        """A number that changes when another connection commits (not when this one does)."""
        async with self._conn.execute("PRAGMA data_version") as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def memory_clock(self) -> int:
        """A number that moves whenever memory changes, by any process (migration
        021_memory_clock: its triggers move it); an import leaves it."""
        rows = await self._conn.execute_fetchall("SELECT value FROM memory_clock")
        return int(next(iter(rows))[0])

    async def memo(self) -> Memo:
        """Values computed from memory alone (standing memory, a memory's neighbours), kept on
        this handle while memory does not change: emptied when the memory clock has moved. A
        caller reads the clock once (this call) and keys what it stores by what it read."""
        rollbacks = self._rollbacks
        if self._conn.in_transaction:
            # Uncommitted writes may be rolled back, and the clock with them: nothing kept.
            return {}
        clock = await self.memory_clock()
        if self._rollbacks != rollbacks or self._conn.in_transaction:
            return {}  # the clock may have been read inside a transaction since rolled back
        if self._memo_clock != clock or len(self._memo) > MEMO_AT_MOST:
            # A new dict, not the old one emptied: a computation that began before the clock
            # moved stores into the old one, which nothing reads again.
            self._memo = {}
            self._memo_clock = clock
        return self._memo

    async def reader(self) -> Database:
        """A second handle on this database, for reads that run beside this one's (recall
        weighs memories on one while it ranks earlier messages on the other): opened at its
        first use as the database is (`connect_current`), closed with this one. It sees what
        this handle committed, never a transaction of it still open."""
        async with self._reader_lock:
            if self._reader is None:
                self._reader = Database(
                    await connect_current(self.path, BUSY_TIMEOUT_MS), self.path
                )
        return self._reader

    async def close(self) -> None:
        """Close the connection (and the second one, if it was opened)."""
        if self._reader is not None:
            await self._reader.close()
            self._reader = None
        await self._conn.close()

    async def __aenter__(self) -> Self:
        return self

    async def __aexit__(self, *_: object) -> None:
        await self.close()

    async def _run_to_end(self, sql: str) -> None:
        """Run a statement that must complete even if the caller is cancelled meanwhile: the
        connection's thread runs it anyway, and leaving BEGIN or COMMIT half-known would leave
        the connection stuck in a transaction that locks every other writer out."""
        task = asyncio.ensure_future(self._conn.execute(sql))
        try:
            await asyncio.shield(task)
        except asyncio.CancelledError:
            with contextlib.suppress(sqlite3.Error):
                await task
            raise

    async def _rollback(self) -> None:
        if self._conn.in_transaction:
            with contextlib.suppress(sqlite3.Error):
                await self._run_to_end("ROLLBACK")
            # A read begun before the transaction may have seen its writes and kept what it
            # computed from them; the rollback takes the clock back to where that looks
            # current: nothing kept survives it.
            self._memo = {}
            self._memo_clock = -1
            self._rollbacks += 1

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """A write transaction (BEGIN IMMEDIATE): commits on exit, rolls back on any error or
        cancellation. One at a time per handle; other processes wait up to the busy timeout.

        A database that cannot be written (busy past the timeout, read-only, disk full) raises
        StoreError, whose message says so.
        """
        async with self._write_lock:
            await self._rollback()
            try:
                await self._run_to_end("BEGIN IMMEDIATE")
                yield self._conn
                await self._run_to_end("COMMIT")
            except sqlite3.OperationalError as error:
                await self._rollback()
                raise StoreError(f"cannot write {self.path}: {why_not_written(error)}") from None
            except BaseException:
                await self._rollback()
                raise
