"""The session log: sessions, their append-only messages and events, on the database handle
(`database`), with the reply being streamed kept in `drafts`."""

from __future__ import annotations

import json
import sqlite3
import uuid
from collections.abc import Sequence
from pathlib import Path
from typing import Any, Self

import aiosqlite

from memory_graph.store.blocks import from_column, meta_from_column
from memory_graph.store.content import blocks_text
from memory_graph.store.database import Database
from memory_graph.store.drafts import Drafts
from memory_graph.store.errors import StoreError
from memory_graph.store.origins import kept, person_text, record_origins
from memory_graph.store.records import (
    NATIVE_SOURCE,
    Block,
    Event,
    Message,
    MessageOrigin,
    Provenance,
    Role,
    SearchHit,
    Session,
    dumps,
    now_iso,
)
from memory_graph.store.search import index_for_search, search_sessions
from memory_graph.store.sql import SESSION_DEPTH, roots_cte, stamp_change, where_in

_SESSION_COLUMNS = (
    "s.id, s.source, s.external_id, s.title, s.started, s.ended, s.model, s.outcome, "
    "s.private, s.parent_id, s.cwd, s.continues_id"
)
_MESSAGE_COLUMNS = (
    "m.id, m.session_id, m.seq, m.role, m.content, m.text, m.meta, m.external_id, m.created, "
    "o.origin, o.reason"
)
_COUNTED = "(SELECT COUNT(*) FROM messages m WHERE m.session_id = s.id) AS n"
_TITLE_LENGTH = 80


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
        cwd=row["cwd"],
        continues_id=row["continues_id"],
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
        provenance=Provenance(MessageOrigin(row["origin"]), row["reason"])
        if row["origin"]
        else None,
    )


def title_from(text: str) -> str:
    """A one-line session title from the first thing the person said."""
    line = " ".join(text.split())
    return line if len(line) <= _TITLE_LENGTH else line[: _TITLE_LENGTH - 1].rstrip() + "…"


class SessionLog(Database):
    """The session log of one Reverie database: sessions, their append-only messages, events,
    and (through `drafts`) the reply being streamed. Opening it recovers the drafts of replies
    a previous process left unfinished (they become interrupted messages)."""

    def __init__(self, conn: aiosqlite.Connection, path: Path) -> None:
        super().__init__(conn, path)
        self.drafts = Drafts(self)

    @classmethod
    async def open(cls, home: Path) -> Self:
        """Open the log in `home`, creating and migrating it, and recover unfinished drafts."""
        log = await super().open(home)
        try:
            await log.drafts.recover()
        except BaseException:
            await log.close()
            raise
        return log

    # Sessions -----------------------------------------------------------------------------

    async def create_session(
        self,
        *,
        source: str = NATIVE_SOURCE,
        external_id: str | None = None,
        title: str = "",
        model: str | None = None,
        started: str | None = None,
        private: bool = False,
        parent_id: int | None = None,
        cwd: str | None = None,
        continues_id: int | None = None,
    ) -> Session:
        """Start a new session; native sessions get a random external id that survives export."""
        async with self.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO sessions (source, external_id, title, started, model, private, "
                "parent_id, cwd, continues_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (
                    source,
                    external_id or uuid.uuid4().hex,
                    title,
                    started or now_iso(),
                    model,
                    int(private),
                    parent_id,
                    cwd,
                    continues_id,
                ),
            )
            row = await cursor.fetchone()
            await cursor.close()
        assert row is not None
        return await self.get_session(int(row[0]))

    async def get_session(self, session_id: int) -> Session:
        """The session with this id, or UnknownSession."""
        async with self._conn.execute(
            f"SELECT {_SESSION_COLUMNS}, {_COUNTED} FROM sessions s WHERE s.id = ?",
            (session_id,),
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            raise UnknownSession(session_id)
        return _session(row, row["n"])

    async def list_sessions(self, limit: int = 200) -> list[Session]:
        """Sessions with their message counts: those no other session spawned, most recently
        active first (at most `limit` of them), each followed by the sessions it spawned
        (sub-agents, compaction runs; `parent_id` set), in the order they started."""
        async with self._conn.execute(
            f"SELECT {_SESSION_COLUMNS}, {_COUNTED} FROM sessions s WHERE s.parent_id IS NULL "
            "ORDER BY COALESCE(s.ended, s.started) DESC, s.id DESC LIMIT ?",
            (limit,),
        ) as cursor:
            roots = await cursor.fetchall()
        # Every session under those listed, found from them down (an index on parent_id).
        spawned: dict[int, list[Session]] = {}
        for row in await where_in(
            self,
            "WITH RECURSIVE tree (id, root, depth) AS (SELECT id, id, 0 FROM sessions "
            "WHERE id IN ({}) UNION ALL SELECT c.id, tree.root, tree.depth + 1 FROM sessions c "
            f"JOIN tree ON c.parent_id = tree.id WHERE tree.depth < {SESSION_DEPTH}) "
            f"SELECT tree.root, {_SESSION_COLUMNS}, {_COUNTED} FROM tree "
            "JOIN sessions s ON s.id = tree.id WHERE tree.depth > 0 ORDER BY s.started, s.id",
            [row["id"] for row in roots],
        ):
            spawned.setdefault(row["root"], []).append(_session(row, row["n"]))
        return [
            session
            for row in roots
            for session in (_session(row, row["n"]), *spawned.get(row["id"], ()))
        ]

    async def session_roots(self) -> dict[int, int]:
        """For each session another spawned, the session at the top of its chain of parents:
        the person's session its work counts toward."""
        async with self._conn.execute(
            roots_cte("SELECT id FROM sessions WHERE parent_id IS NOT NULL")
            + "SELECT id, root FROM roots"
        ) as cursor:
            return {int(row[0]): int(row[1]) for row in await cursor.fetchall()}

    async def set_private(self, session_id: int, private: bool) -> Session:
        """Make a session private (or not), and the sessions it spawned with it: dreams never
        read a private session, and memory that only private sessions back stays out of recall
        while they are. Nothing is deleted, so it is undone by setting it back, and the next
        dream reads the sessions again."""
        async with self.transaction() as conn:
            if not private:
                # Dreams passed it by while it was private: stamped first, so the sessions it
                # spawned (made ordinary with it by the store) take the same new stamp.
                await stamp_change(conn, session_id)
            cursor = await conn.execute(
                "UPDATE sessions SET private = ? WHERE id = ?", (int(private), session_id)
            )
            changed = cursor.rowcount
            await cursor.close()
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
        provenance: Provenance | None = None,
    ) -> Message:
        """Append one message at the end of a session (its FTS row is written with it). The
        person's first message also names an untitled session."""
        async with self.transaction() as conn:
            message = await self.insert_message(
                conn,
                session_id,
                role,
                list(content),
                meta or {},
                external_id,
                created,
                provenance=provenance,
            )
        return message

    async def insert_message(
        self,
        conn: aiosqlite.Connection,
        session_id: int,
        role: Role,
        content: list[Block],
        meta: dict[str, Any],
        external_id: str | None,
        created: str | None,
        *,
        provenance: Provenance | None = None,
    ) -> Message:
        """Insert one message inside the caller's transaction, with its search row, its origin
        (`provenance`; None: its role's default) and the session's change stamp."""
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
        provenance = kept(role, provenance)
        if provenance is not None:
            await record_origins(conn, session_id, [(row[1], provenance)])
        message = Message(
            id=row[0],
            session_id=session_id,
            seq=row[1],
            role=role,
            content=content,
            text=text,
            created=created,
            meta=meta,
            external_id=external_id,
            provenance=provenance,
        )
        # The person's first words also name an untitled session (never the harness's words).
        person = message.origin is MessageOrigin.PERSON and text
        await stamp_change(conn, session_id, title=title_from(person_text(text)) if person else "")
        return message

    async def messages(self, session_id: int) -> list[Message]:
        """Every message of a session in order."""
        async with self._conn.execute(
            f"SELECT {_MESSAGE_COLUMNS} FROM messages m LEFT JOIN message_origins o "
            "ON o.message_id = m.id WHERE m.session_id = ? ORDER BY m.seq",
            (session_id,),
        ) as cursor:
            rows = await cursor.fetchall()
        return [_message(row) for row in rows]

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
