"""Drafts: the reply a process is streaming, saved as it grows, so that a crash loses at most
half a second of it. A finished reply replaces its draft atomically; a draft whose process is
gone becomes an interrupted message."""

from __future__ import annotations

import json
import os
import socket
import sqlite3
import uuid
from collections.abc import Sequence
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from memory_graph.store.records import Block, Message, Role, dumps, iso, now_iso

if TYPE_CHECKING:
    from memory_graph.store.session_log import SessionLog

DRAFT_STALE_S = 60.0
"""A draft not updated for this long belongs to a process that is gone (drafts save every 0.5 s)."""


def _process_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


class Drafts:
    """The drafts of one session log, this process's told apart by `owner`."""

    def __init__(self, log: SessionLog) -> None:
        self.log = log
        self.owner = uuid.uuid4().hex
        """Identifies this process's drafts."""
        self.host = socket.gethostname()

    async def save(
        self, session_id: int, role: Role, content: Sequence[Block], meta: dict[str, Any]
    ) -> None:
        """Save (or replace) the reply this process is streaming in a session."""
        now = now_iso()
        async with self.log.transaction() as conn:
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

    async def commit(
        self,
        session_id: int,
        role: Role,
        content: Sequence[Block],
        meta: dict[str, Any],
    ) -> Message:
        """Append the finished (or interrupted) reply and drop this process's draft, atomically."""
        async with self.log.transaction() as conn:
            message = await self.log.insert_message(
                conn, session_id, role, list(content), meta, None, None
            )
            await conn.execute(
                "DELETE FROM drafts WHERE session_id = ? AND owner = ?", (session_id, self.owner)
            )
        return message

    async def discard(self, session_id: int) -> None:
        """Drop this process's draft when it holds nothing worth keeping."""
        async with self.log.transaction() as conn:
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

    async def recover(
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
        async with self.log.connection.execute(
            f"SELECT 1 FROM drafts {where} LIMIT 1", parameters
        ) as cursor:
            if await cursor.fetchone() is None:
                return 0
        async with self.log.transaction() as conn:
            async with conn.execute(
                f"SELECT session_id, owner, pid, host, role, content, meta, updated FROM drafts "
                f"{where} ORDER BY created",
                parameters,
            ) as cursor:
                rows = [row for row in await cursor.fetchall() if self._orphaned(row, stale_before)]
            for row in rows:
                meta = {**json.loads(row["meta"]), "interrupted": True, "reason": "process ended"}
                content = json.loads(row["content"])
                await self.log.insert_message(
                    conn, row["session_id"], row["role"], content, meta, None, None
                )
                await conn.execute(
                    "DELETE FROM drafts WHERE session_id = ? AND owner = ?",
                    (row["session_id"], row["owner"]),
                )
        return len(rows)
