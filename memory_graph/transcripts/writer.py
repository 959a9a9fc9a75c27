"""Writing imported sessions into the log: one transaction per session, idempotent.

A session is found by (source, external id). Messages with an external id are added only when
that id is new in the session; messages without one are matched by position, and only when the
stored ones are an exact prefix of what was read (a conversation that changed is refused, never
grafted).
"""

from __future__ import annotations

from dataclasses import dataclass

import aiosqlite

from memory_graph.store.content import blocks_text
from memory_graph.store.errors import StoreError
from memory_graph.store.origins import kept, record_origins
from memory_graph.store.records import Provenance, dumps, now_iso, stored_time
from memory_graph.store.search import index_for_search
from memory_graph.store.session_log import SessionLog
from memory_graph.store.sql import stamp_change
from memory_graph.transcripts.parsed import ImportedSession


class ImportConflict(StoreError):
    """What was read contradicts what is stored under the same ids."""


@dataclass(frozen=True)
class StoredSession:
    """What importing one session did."""

    session_id: int
    created: bool
    added: int


def _storable(text: str) -> str:
    # JSON escapes can carry lone surrogates (a transcript cut mid-character); SQLite needs UTF-8.
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return text.encode("utf-8", "replace").decode("utf-8")
    return text


async def _session_row(conn: aiosqlite.Connection, source: str, external_id: str) -> int | None:
    # execute_fetchall: one trip to the database's thread, not three (execute, fetch, close).
    # A session's transaction is a dozen such trips, which is most of what a small one costs.
    rows = await conn.execute_fetchall(
        "SELECT id FROM sessions WHERE source = ? AND external_id = ?", (source, external_id)
    )
    return next((int(row[0]) for row in rows), None)


async def store_session(log: SessionLog, imported: ImportedSession) -> StoredSession:
    """Add a session (or the messages it lacks) in one transaction."""
    now = now_iso()
    async with log.transaction() as conn:
        session_id = await _session_row(conn, imported.source, imported.external_id)
        created = session_id is None
        parent_id = None
        if imported.parent_external_id:
            parent_id = await _session_row(conn, imported.source, imported.parent_external_id)
        if session_id is None:
            inserted = await conn.execute_fetchall(
                "INSERT INTO sessions (source, external_id, title, started, ended, model, "
                "outcome, private, parent_id, parent_external_id, cwd) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
                (
                    imported.source,
                    imported.external_id,
                    _storable(imported.title or imported.fallback_title),
                    stored_time(imported.started) or now,
                    stored_time(imported.ended),
                    imported.model,
                    imported.outcome,
                    int(imported.private),
                    parent_id,
                    imported.parent_external_id,
                    imported.cwd,
                ),
            )
            session_id = int(next(iter(inserted))[0])
            # Children that arrived first (a sub-agent file read before its parent) join it now.
            await conn.execute(
                "UPDATE sessions SET parent_id = ? WHERE parent_id IS NULL AND source = ? "
                "AND parent_external_id = ?",
                (session_id, imported.source, imported.external_id),
            )
        else:
            await conn.execute(
                "UPDATE sessions SET "
                "title = CASE WHEN ? != '' THEN ? WHEN title = '' THEN ? ELSE title END, "
                "ended = CASE WHEN ended IS NULL OR ? > ended THEN ? ELSE ended END, "
                "model = COALESCE(?, model), "
                "outcome = CASE WHEN ? != 'unknown' THEN ? ELSE outcome END, "
                "private = MAX(private, ?), parent_id = COALESCE(parent_id, ?), "
                "cwd = COALESCE(cwd, ?) WHERE id = ?",
                (
                    _storable(imported.title),
                    _storable(imported.title),
                    _storable(imported.fallback_title),
                    stored_time(imported.ended),
                    stored_time(imported.ended),
                    imported.model,
                    imported.outcome,
                    imported.outcome,
                    int(imported.private),
                    parent_id,
                    imported.cwd,
                    session_id,
                ),
            )
        rows, origins = await _new_messages(conn, session_id, created, imported, now)
        first_seq = int(str(rows[0][1])) if rows else 0
        if rows:
            await conn.executemany(
                "INSERT INTO messages (session_id, seq, role, content, text, meta, external_id, "
                "created) VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
                rows,
            )
            await record_origins(conn, session_id, origins)
            # Indexed in one statement: several times faster than row by row.
            await index_for_search(conn, session_id, first_seq)
            await stamp_change(conn, session_id)
    return StoredSession(session_id, created, len(rows))


async def _new_messages(
    conn: aiosqlite.Connection,
    session_id: int,
    created: bool,
    imported: ImportedSession,
    now: str,
) -> tuple[list[tuple[object, ...]], list[tuple[int, Provenance]]]:
    """Rows for the messages the session lacks, numbered after its last one, and the origins
    of those whose origin is not their role's default (by seq)."""
    known: set[str] = set()
    anonymous: list[str] = []
    last_seq = 0
    if not created:
        async with conn.execute(
            "SELECT external_id, seq, content FROM messages WHERE session_id = ? ORDER BY seq",
            (session_id,),
        ) as cursor:
            async for external_id, seq, content in cursor:
                if external_id is None:
                    anonymous.append(content)
                else:
                    known.add(external_id)
                last_seq = max(last_seq, seq)
    rows: list[tuple[object, ...]] = []
    origins: list[tuple[int, Provenance]] = []
    position = 0
    for message in imported.messages:
        content = _storable(dumps(message.content))
        if message.external_id is None:
            position += 1
            if position <= len(anonymous):
                if anonymous[position - 1] != content:
                    raise ImportConflict(
                        f"{imported.source} session {imported.external_id} differs from the "
                        "stored copy (it is not the same conversation grown longer); not merged"
                    )
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
                content,
                _storable(blocks_text(message.content)),
                _storable(dumps(message.meta)),
                message.external_id,
                stored_time(message.created) or now,
            )
        )
        provenance = kept(message.role, message.provenance)
        if provenance is not None:
            origins.append((last_seq, provenance))
    return rows, origins


async def retitle(log: SessionLog, source: str, leaf: str, title: str) -> bool:
    """Title the session of `source` that holds message `leaf`; False when none does."""
    async with log.transaction() as conn:
        cursor = await conn.execute(
            "UPDATE sessions SET title = ? WHERE id = (SELECT m.session_id FROM messages m "
            "JOIN sessions s ON s.id = m.session_id WHERE m.external_id = ? AND s.source = ? "
            "LIMIT 1)",
            (_storable(title), leaf, source),
        )
        changed = cursor.rowcount
        await cursor.close()
    return changed > 0
