"""Writing imported sessions into the log: one transaction per session, idempotent.

A session is found by (source, external id). Messages with an external id are added only when
that id is new in the session; messages without one are matched by position, so a re-read of
a grown conversation adds only its tail. Import cursors remember how far each file was read.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from memory_graph.content import blocks_text
from memory_graph.importers.records import ImportedSession
from memory_graph.records import dumps, now_iso
from memory_graph.session_log import SessionLog

HEAD_BYTES = 1024
"""How much of a file's start identifies it: a file rewritten from scratch is read again."""


@dataclass(frozen=True)
class StoredSession:
    """What importing one session did."""

    session_id: int
    created: bool
    added: int


@dataclass(frozen=True)
class Cursor:
    """How far a file was read, and what it looked like then."""

    path: str
    format: str
    size: int
    mtime_ns: int
    offset: int
    lines: int
    head: str


def file_head(path: Path, upto: int) -> str:
    """A digest of a file's first bytes, at most `upto` of them: only what was read counts, so
    a file that was short and then grew keeps its identity."""
    with path.open("rb") as handle:
        return hashlib.sha256(handle.read(min(HEAD_BYTES, upto))).hexdigest()


async def store_session(log: SessionLog, imported: ImportedSession) -> StoredSession:
    """Add a session (or the messages it lacks) in one transaction."""
    now = now_iso()
    async with log.transaction() as conn:
        async with conn.execute(
            "SELECT id FROM sessions WHERE source = ? AND external_id = ?",
            (imported.source, imported.external_id),
        ) as cursor:
            row = await cursor.fetchone()
        created = row is None
        if row is None:
            parent_id = None
            if imported.parent_external_id:
                async with conn.execute(
                    "SELECT id FROM sessions WHERE source = ? AND external_id = ?",
                    (imported.source, imported.parent_external_id),
                ) as cursor:
                    parent = await cursor.fetchone()
                parent_id = parent[0] if parent else None
            cursor = await conn.execute(
                "INSERT INTO sessions (source, external_id, title, started, ended, model, "
                "outcome, private, parent_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (
                    imported.source,
                    imported.external_id,
                    imported.title or imported.fallback_title,
                    imported.started or now,
                    imported.ended,
                    imported.model,
                    imported.outcome,
                    int(imported.private),
                    parent_id,
                ),
            )
            inserted = await cursor.fetchone()
            await cursor.close()
            assert inserted is not None
            session_id = int(inserted[0])
        else:
            session_id = int(row[0])
            await conn.execute(
                "UPDATE sessions SET "
                "title = CASE WHEN ? != '' THEN ? WHEN title = '' THEN ? ELSE title END, "
                "ended = CASE WHEN ended IS NULL OR ? > ended THEN ? ELSE ended END, "
                "model = COALESCE(?, model), "
                "outcome = CASE WHEN ? != 'unknown' THEN ? ELSE outcome END, "
                "private = MAX(private, ?) WHERE id = ?",
                (
                    imported.title,
                    imported.title,
                    imported.fallback_title,
                    imported.ended,
                    imported.ended,
                    imported.model,
                    imported.outcome,
                    imported.outcome,
                    int(imported.private),
                    session_id,
                ),
            )
        known: set[str] = set()
        anonymous = 0
        last_seq = 0
        if not created:
            async with conn.execute(
                "SELECT external_id, seq FROM messages WHERE session_id = ?", (session_id,)
            ) as cursor:
                async for message_row in cursor:
                    if message_row[0] is None:
                        anonymous += 1
                    else:
                        known.add(message_row[0])
                    last_seq = max(last_seq, message_row[1])
        rows = []
        seen_anonymous = 0
        for message in imported.messages:
            if message.external_id is None:
                seen_anonymous += 1
                if seen_anonymous <= anonymous:
                    continue
            elif message.external_id in known:
                continue
            else:
                known.add(message.external_id)
            last_seq += 1
            rows.append(
                (
                    session_id,
                    last_seq,
                    message.role,
                    dumps(message.content),
                    blocks_text(message.content),
                    dumps(message.meta),
                    message.external_id,
                    message.created or now,
                )
            )
        if rows:
            await conn.executemany(
                "INSERT INTO messages (session_id, seq, role, content, text, meta, external_id, "
                "created) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            await conn.execute(
                "INSERT INTO messages_fts (rowid, text) SELECT id, text FROM messages "
                "WHERE session_id = ? AND seq >= ? AND role != 'system'",
                (session_id, rows[0][1]),
            )
    return StoredSession(session_id, created, len(rows))


async def get_cursor(log: SessionLog, path: Path) -> Cursor | None:
    """The saved read position of a file, if it was imported before."""
    async with log.connection.execute(
        "SELECT path, format, size, mtime_ns, offset, lines, head FROM import_cursors "
        "WHERE path = ?",
        (str(path),),
    ) as cursor:
        row = await cursor.fetchone()
    return Cursor(*row) if row else None


async def save_cursor(log: SessionLog, cursor: Cursor) -> None:
    """Remember how far a file was read."""
    async with log.transaction() as conn:
        await conn.execute(
            "INSERT INTO import_cursors (path, format, size, mtime_ns, offset, lines, head, "
            "updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (path) DO UPDATE SET "
            "format = excluded.format, size = excluded.size, mtime_ns = excluded.mtime_ns, "
            "offset = excluded.offset, lines = excluded.lines, head = excluded.head, "
            "updated = excluded.updated",
            (
                cursor.path,
                cursor.format,
                cursor.size,
                cursor.mtime_ns,
                cursor.offset,
                cursor.lines,
                cursor.head,
                now_iso(),
            ),
        )
