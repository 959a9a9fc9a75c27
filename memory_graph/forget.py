"""Forget a session: the one way anything is deleted. The session, its messages (and their
full-text rows), events and drafts go; so does everything derived from it: its observations,
the memories whose only evidence it was, the proposals not adopted that cite it, and the model
calls that read it. Memories that other sessions also justify stay, without its evidence. The
forgetting itself is logged (`forget_log`: which session, when, why; nothing of its content).
"""

from __future__ import annotations

from dataclasses import dataclass

import aiosqlite

from memory_graph.errors import StoreError
from memory_graph.records import now_iso
from memory_graph.session_log import SessionLog


@dataclass(frozen=True)
class Forgotten:
    """What forgetting a session removed."""

    session_id: int
    external_id: str
    messages: int
    memories: tuple[int, ...]
    """Memories removed: the session was their only evidence."""
    proposals: int

    @property
    def message(self) -> str:
        """One line for the person who asked."""
        memories = f", {len(self.memories)} memories" if self.memories else ""
        proposals = f", {self.proposals} proposals" if self.proposals else ""
        return f"forgot session {self.session_id}: {self.messages} messages{memories}{proposals}"


async def _ids(conn: aiosqlite.Connection, sql: str, args: tuple[object, ...]) -> list[int]:
    async with conn.execute(sql, args) as cursor:
        return [int(row[0]) for row in await cursor.fetchall()]


async def forget(log: SessionLog, session_id: int, reason: str = "") -> Forgotten:
    """Remove a session and everything derived only from it, in one transaction."""
    async with log.transaction() as conn:
        async with conn.execute(
            "SELECT external_id FROM sessions WHERE id = ?", (session_id,)
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            raise StoreError(f"there is no session {session_id}: `reverie sessions` lists them")
        external_id = str(row[0])
        # Logged first: the append-only triggers let a logged session's rows go.
        await conn.execute(
            "INSERT INTO forget_log (session_id, external_id, reason, created) VALUES (?, ?, ?, ?)",
            (session_id, external_id, reason, now_iso()),
        )
        memories = await _forget_memories(conn, session_id)
        proposals = await _forget_proposals(conn, session_id)
        await conn.execute("DELETE FROM observations WHERE session_id = ?", (session_id,))
        # A dream's request to a model held the session's text.
        await conn.execute(
            "DELETE FROM dream_model_calls WHERE instr(request, ?) > 0",
            (f'<session id=\\"{session_id}\\"',),
        )
        await conn.execute(
            "UPDATE sessions SET parent_id = NULL WHERE parent_id = ?", (session_id,)
        )
        await conn.execute("DELETE FROM drafts WHERE session_id = ?", (session_id,))
        await conn.execute("DELETE FROM events WHERE session_id = ?", (session_id,))
        cursor = await conn.execute("DELETE FROM messages WHERE session_id = ?", (session_id,))
        messages = cursor.rowcount
        await cursor.close()
        await conn.execute("DELETE FROM sessions WHERE id = ?", (session_id,))
    return Forgotten(session_id, external_id, messages, memories, proposals)


async def _forget_memories(conn: aiosqlite.Connection, session_id: int) -> tuple[int, ...]:
    """Drop the session's evidence from memories; remove those left with none."""
    touched = await _ids(
        conn, "SELECT DISTINCT node_id FROM node_evidence WHERE session_id = ?", (session_id,)
    )
    await conn.execute("DELETE FROM node_evidence WHERE session_id = ?", (session_id,))
    removed = []
    for node_id in touched:
        left = await _ids(conn, "SELECT 1 FROM node_evidence WHERE node_id = ? LIMIT 1", (node_id,))
        if left:
            await conn.execute(
                "UPDATE nodes SET support = MAX(support - 1, 1), updated = ? WHERE id = ?",
                (now_iso(), node_id),
            )
            continue
        await conn.execute(
            "DELETE FROM edges WHERE source IN (SELECT fingerprint FROM node_patterns "
            "WHERE node_id = ?1) OR target IN (SELECT fingerprint FROM node_patterns "
            "WHERE node_id = ?1)",
            (node_id,),
        )
        await conn.execute("DELETE FROM node_patterns WHERE node_id = ?", (node_id,))
        await conn.execute("DELETE FROM nodes WHERE id = ?", (node_id,))
        removed.append(node_id)
    return tuple(removed)


async def _forget_proposals(conn: aiosqlite.Connection, session_id: int) -> int:
    """Remove the proposals not adopted that cite the session (their statements may quote
    it); adopted ones only lose the link, their memory was handled above."""
    cited = await _ids(
        conn,
        "SELECT DISTINCT p.id FROM proposal_evidence e JOIN proposals p ON p.id = e.proposal_id "
        "WHERE e.session_id = ? AND p.status != 'adopted'",
        (session_id,),
    )
    await conn.execute("DELETE FROM proposal_evidence WHERE session_id = ?", (session_id,))
    for proposal_id in cited:
        await conn.execute("DELETE FROM proposal_evidence WHERE proposal_id = ?", (proposal_id,))
        await conn.execute("DELETE FROM decisions WHERE proposal_id = ?", (proposal_id,))
        await conn.execute("DELETE FROM proposals WHERE id = ?", (proposal_id,))
    return len(cited)


async def vacuum(log: SessionLog) -> None:
    """Rewrite the database so that forgotten text leaves the file itself, not only the
    tables: the full-text index is merged, then the file is rebuilt."""
    async with log.transaction() as conn:
        await conn.execute("INSERT INTO messages_fts (messages_fts) VALUES ('optimize')")
        await conn.execute("INSERT INTO nodes_fts (nodes_fts) VALUES ('optimize')")
    await log.connection.execute("VACUUM")
    # The write-ahead log still holds old pages until it is checkpointed and truncated.
    await log.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
