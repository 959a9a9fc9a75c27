"""The session log: sessions, their append-only messages, events and in-flight drafts."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import sqlite3
import uuid
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any, Self

import aiosqlite

from memory_graph.store.blocks import from_column, meta_from_column
from memory_graph.store.content import blocks_text
from memory_graph.store.db import DATABASE_NAME, connect, ensure_home, why_not_written
from memory_graph.store.errors import StoreError
from memory_graph.store.records import (
    Block,
    Event,
    Message,
    Role,
    SearchHit,
    Session,
    dumps,
    iso,
    now_iso,
)
from memory_graph.store.search import index_for_search, search_sessions
from memory_graph.store.sql import stamp_change

_SESSION_COLUMNS = (
    "s.id, s.source, s.external_id, s.title, s.started, s.ended, s.model, s.outcome, "
    "s.private, s.parent_id"
)
_MESSAGE_COLUMNS = "id, session_id, seq, role, content, text, meta, external_id, created"
_TITLE_LENGTH = 80
DRAFT_STALE_S = 60.0
"""A draft not updated for this long belongs to a process that is gone (drafts save every 0.5 s)."""


class UnknownSession(StoreError):
    """The session id names no session."""

    def __init__(self, session_id: int | str) -> None:
        super().__init__(f"no session with id {session_id}")


def _session(row: sqlite3.Row, message_count: int = 0) -> Session:
    return Session(
        id=row["id"],
        source=row["source"],
        external_id=row["external_id"],
        title=row["title"],
        started=row["started"],
        ended=row["ended"],
        model=row["model"],
        outcome=row["outcome"],
        private=bool(row["private"]),
        parent_id=row["parent_id"],
        message_count=message_count,
    )


def _message(row: sqlite3.Row) -> Message:
    return Message(
        id=row["id"],
        session_id=row["session_id"],
        seq=row["seq"],
        role=row["role"],
        content=from_column(row["content"]),
        text=row["text"],
        created=row["created"],
        meta=meta_from_column(row["meta"]),
        external_id=row["external_id"],
    )


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def title_from(text: str) -> str:
    """A one-line session title from the first thing the user said."""
    line = " ".join(text.split())
    return line if len(line) <= _TITLE_LENGTH else line[: _TITLE_LENGTH - 1].rstrip() + "…"


class SessionLog:
    """Async access to one Reverie database. Writes run in short IMMEDIATE transactions so a
    second process (the TUI and a headless command) can write at the same time."""

    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        self._conn = conn
        self.path = path
        self._write_lock = asyncio.Lock()
        self.owner = uuid.uuid4().hex
        """Identifies this process's drafts."""
        self.host = socket.gethostname()

    @classmethod
    async def open(cls, home: Path) -> Self:
        """Open the log in `home`, creating and migrating it, and recover drafts of replies that
        a previous process left unfinished (they become interrupted messages)."""
        ensure_home(home)
        path = home / DATABASE_NAME
        log = cls(await connect(path), path)
        try:
            await log.recover_drafts()
        except BaseException:
            await log.close()
            raise
        return log

    @property
    def connection(self) -> aiosqlite.Connection:
        """The connection, for reads by other store modules (writes go through `transaction`)."""
        return self._conn

    async def data_version(self) -> int:
        """A number that changes when another connection commits (not when this one does)."""
        async with self._conn.execute("PRAGMA data_version") as cursor:
            row = await cursor.fetchone()
        return int(row[0]) if row else 0

    async def close(self) -> None:
        """Close the connection."""
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

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """A write transaction (BEGIN IMMEDIATE): commits on exit, rolls back on any error or
        cancellation. One at a time per log; other processes wait up to the busy timeout.

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

    # Sessions -----------------------------------------------------------------------------

    async def create_session(
        self,
        *,
        source: str = "reverie",
        external_id: str | None = None,
        title: str = "",
        model: str | None = None,
        started: str | None = None,
        private: bool = False,
        parent_id: int | None = None,
    ) -> Session:
        """Start a new session; native sessions get a random external id that survives export."""
        async with self.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO sessions (source, external_id, title, started, model, private, "
                "parent_id) VALUES (?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (
                    source,
                    external_id or uuid.uuid4().hex,
                    title,
                    started or now_iso(),
                    model,
                    int(private),
                    parent_id,
                ),
            )
            row = await cursor.fetchone()
            await cursor.close()
        assert row is not None
        return await self.get_session(int(row[0]))

    async def get_session(self, session_id: int) -> Session:
        """The session with this id, or UnknownSession."""
        async with self._conn.execute(
            f"SELECT {_SESSION_COLUMNS}, "
            "(SELECT COUNT(*) FROM messages m WHERE m.session_id = s.id) AS n "
            "FROM sessions s WHERE s.id = ?",
            (session_id,),
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            raise UnknownSession(session_id)
        return _session(row, row["n"])

    async def list_sessions(self, limit: int = 200) -> list[Session]:
        """Sessions, most recently active first, with their message counts."""
        async with self._conn.execute(
            f"SELECT {_SESSION_COLUMNS}, "
            "(SELECT COUNT(*) FROM messages m WHERE m.session_id = s.id) AS n "
            "FROM sessions s ORDER BY COALESCE(s.ended, s.started) DESC, s.id DESC "
            "LIMIT ?",
            (limit,),
        ) as cursor:
            rows = await cursor.fetchall()
        return [_session(row, row["n"]) for row in rows]

    async def set_private(self, session_id: int, private: bool) -> Session:
        """Make a session private (or not): dreams never read a private session, and memory that
        only private sessions back stays out of recall while they are. Nothing is deleted, so
        it is undone by setting it back, and the next dream reads the session again."""
        async with self.transaction() as conn:
            cursor = await conn.execute(
                "UPDATE sessions SET private = ? WHERE id = ?", (int(private), session_id)
            )
            changed = cursor.rowcount
            await cursor.close()
            if changed and not private:
                # Dreams passed it by while it was private: now they read it.
                await stamp_change(conn, session_id)
        if not changed:
            raise UnknownSession(session_id)
        return await self.get_session(session_id)

    async def touch_session(
        self, session_id: int, *, title: str | None = None, model: str | None = None
    ) -> None:
        """Record activity: `ended` moves to now; a title and model are set when given."""
        async with self.transaction() as conn:
            await conn.execute(
                "UPDATE sessions SET ended = ?, title = COALESCE(?, title), "
                "model = COALESCE(?, model) WHERE id = ?",
                (now_iso(), title, model, session_id),
            )

    # Messages -----------------------------------------------------------------------------

    async def append_message(
        self,
        session_id: int,
        role: Role,
        content: Sequence[Block],
        *,
        meta: dict[str, Any] | None = None,
        external_id: str | None = None,
        created: str | None = None,
    ) -> Message:
        """Append one message at the end of a session (its FTS row is written with it). A first
        user message also names an untitled session."""
        async with self.transaction() as conn:
            message = await self._insert_message(
                conn, session_id, role, list(content), meta or {}, external_id, created
            )
        return message

    async def _insert_message(
        self,
        conn: aiosqlite.Connection,
        session_id: int,
        role: Role,
        content: list[Block],
        meta: dict[str, Any],
        external_id: str | None,
        created: str | None,
    ) -> Message:
        text = blocks_text(content)
        created = created or now_iso()
        try:
            # execute_fetchall: one trip to the database's thread, not three (execute, fetch,
            # close); an append is a handful of statements, each such a trip.
            rows = await conn.execute_fetchall(
                "INSERT INTO messages (session_id, seq, role, content, text, meta, external_id, "
                "created) VALUES (?, (SELECT COALESCE(MAX(seq), 0) + 1 FROM messages "
                "WHERE session_id = ?), ?, ?, ?, ?, ?, ?) RETURNING id, seq",
                (
                    session_id,
                    session_id,
                    role,
                    dumps(content),
                    text,
                    dumps(meta),
                    external_id,
                    created,
                ),
            )
        except sqlite3.IntegrityError as error:
            if "FOREIGN KEY" in str(error):
                raise UnknownSession(session_id) from None
            raise
        row = next(iter(rows))
        await index_for_search(conn, session_id, row[1])
        # A first user message also names an untitled session.
        await stamp_change(
            conn, session_id, title=title_from(text) if role == "user" and text else ""
        )
        return Message(
            id=row[0],
            session_id=session_id,
            seq=row[1],
            role=role,
            content=content,
            text=text,
            created=created,
            meta=meta,
            external_id=external_id,
        )

    async def messages(self, session_id: int) -> list[Message]:
        """Every message of a session in order."""
        async with self._conn.execute(
            f"SELECT {_MESSAGE_COLUMNS} FROM messages WHERE session_id = ? ORDER BY seq",
            (session_id,),
        ) as cursor:
            rows = await cursor.fetchall()
        return [_message(row) for row in rows]

    # Drafts: a reply saved while it streams ------------------------------------------------

    async def save_draft(
        self, session_id: int, role: Role, content: Sequence[Block], meta: dict[str, Any]
    ) -> None:
        """Save (or replace) the reply this process is streaming in a session."""
        now = now_iso()
        async with self.transaction() as conn:
            await conn.execute(
                "INSERT INTO drafts (session_id, owner, pid, host, role, content, meta, created, "
                "updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (session_id, owner) DO UPDATE SET role = excluded.role, "
                "content = excluded.content, meta = excluded.meta, updated = excluded.updated",
                (
                    session_id,
                    self.owner,
                    os.getpid(),
                    self.host,
                    role,
                    dumps(list(content)),
                    dumps(meta),
                    now,
                    now,
                ),
            )

    async def commit_reply(
        self,
        session_id: int,
        role: Role,
        content: Sequence[Block],
        meta: dict[str, Any],
    ) -> Message:
        """Append the finished (or interrupted) reply and drop this process's draft, atomically."""
        async with self.transaction() as conn:
            message = await self._insert_message(
                conn, session_id, role, list(content), meta, None, None
            )
            await conn.execute(
                "DELETE FROM drafts WHERE session_id = ? AND owner = ?", (session_id, self.owner)
            )
        return message

    async def discard_draft(self, session_id: int) -> None:
        """Drop this process's draft when it holds nothing worth keeping."""
        async with self.transaction() as conn:
            await conn.execute(
                "DELETE FROM drafts WHERE session_id = ? AND owner = ?", (session_id, self.owner)
            )

    def _orphaned(self, row: sqlite3.Row, stale_before: str) -> bool:
        """A draft whose process is gone: dead on this host, or silent for too long."""
        if row["owner"] == self.owner:
            return False
        if row["host"] == self.host and not _process_alive(row["pid"]):
            return True
        return str(row["updated"]) <= stale_before

    async def recover_drafts(
        self, session_id: int | None = None, stale_after_s: float = DRAFT_STALE_S
    ) -> int:
        """Turn drafts of processes that died mid-reply into interrupted messages.

        A draft is taken when its process is gone from this host, or when it has not been
        updated for `stale_after_s` (a process elsewhere). Runs in one write transaction, so two
        processes cannot both recover one draft. Returns how many were recovered.
        """
        stale_before = iso(datetime.now(UTC) - timedelta(seconds=stale_after_s))
        where, parameters = ("WHERE session_id = ?", (session_id,)) if session_id else ("", ())
        # Nearly always there is nothing to recover: a read then, not a write transaction.
        async with self._conn.execute(f"SELECT 1 FROM drafts {where} LIMIT 1", parameters) as c:
            if await c.fetchone() is None:
                return 0
        async with self.transaction() as conn:
            async with conn.execute(
                f"SELECT session_id, owner, pid, host, role, content, meta, updated FROM drafts "
                f"{where} ORDER BY created",
                parameters,
            ) as cursor:
                rows = [row for row in await cursor.fetchall() if self._orphaned(row, stale_before)]
            for row in rows:
                meta = {**json.loads(row["meta"]), "interrupted": True, "reason": "process ended"}
                content = json.loads(row["content"])
                await self._insert_message(
                    conn, row["session_id"], row["role"], content, meta, None, None
                )
                await conn.execute(
                    "DELETE FROM drafts WHERE session_id = ? AND owner = ?",
                    (row["session_id"], row["owner"]),
                )
        return len(rows)

    # Events -------------------------------------------------------------------------------

    async def add_event(
        self,
        session_id: int,
        kind: str,
        data: dict[str, Any] | None = None,
        message_id: int | None = None,
    ) -> int:
        """Record a signal (api_error, retry, interrupted, tool_denied, …) for a session."""
        async with self.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO events (session_id, message_id, kind, data, created) "
                "VALUES (?, ?, ?, ?, ?) RETURNING id",
                (session_id, message_id, kind, dumps(data or {}), now_iso()),
            )
            row = await cursor.fetchone()
            await cursor.close()
        assert row is not None
        return int(row[0])

    async def events(self, session_id: int) -> list[Event]:
        """Every event of a session in order."""
        async with self._conn.execute(
            "SELECT id, session_id, message_id, kind, data, created FROM events "
            "WHERE session_id = ? ORDER BY id",
            (session_id,),
        ) as cursor:
            rows = await cursor.fetchall()
        return [
            Event(
                id=row["id"],
                session_id=row["session_id"],
                message_id=row["message_id"],
                kind=row["kind"],
                data=json.loads(row["data"]),
                created=row["created"],
            )
            for row in rows
        ]

    # Search -------------------------------------------------------------------------------

    async def search(self, text: str, limit: int = 50) -> list[SearchHit]:
        """The sessions whose messages best match words typed by a person
        (`search.search_sessions`)."""
        return await search_sessions(self._conn, text, limit)
