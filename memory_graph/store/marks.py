"""The person's feedback: a session that succeeded or failed, a reply that was good or bad.

Marks are events in the log (kind `mark`), never edits of what was said: a session's outcome
follows the latest mark on it (and the session counts as changed, so the next dream reads it
again); a reply's mark is an event on that reply. The dreamer weighs a bad reply against the
memories recalled for the turn it answered (`dreamer.feedback`).
"""

from __future__ import annotations

from enum import StrEnum

from memory_graph.store.errors import StoreError
from memory_graph.store.records import now_iso
from memory_graph.store.session_log import SessionLog
from memory_graph.store.sql import stamp_change

MARK = "mark"
"""The kind of a feedback event."""


class Mark(StrEnum):
    """What the person says of a session or of a reply."""

    SUCCESS = "success"
    FAILURE = "failure"
    GOOD = "good"
    BAD = "bad"

    @property
    def of_session(self) -> bool:
        """Whether it marks a session's outcome (not a reply)."""
        return self in (Mark.SUCCESS, Mark.FAILURE)


class MarkError(StoreError):
    """A mark that cannot be made: no reply to mark, a message that is no reply."""


async def last_reply(log: SessionLog, session_id: int) -> int:
    """The id of a session's latest reply."""
    rows = list(
        await log.connection.execute_fetchall(
            "SELECT id FROM messages WHERE session_id = ? AND role = 'assistant' "
            "ORDER BY seq DESC LIMIT 1",
            (session_id,),
        )
    )
    if not rows:
        raise MarkError(f"session {session_id} has no reply to mark")
    return int(rows[0][0])


async def mark(
    log: SessionLog, session_id: int, verdict: Mark, message_id: int | None = None
) -> int:
    """Record the person's mark; a reply mark without a message marks the latest reply. The
    id of the message marked (or of the session)."""
    await log.get_session(session_id)  # UnknownSession for a session that is not there
    if verdict.of_session:
        async with log.transaction() as conn:
            await conn.execute(
                "UPDATE sessions SET outcome = ? WHERE id = ?", (str(verdict), session_id)
            )
            await stamp_change(conn, session_id)
            await conn.execute(
                "INSERT INTO events (session_id, message_id, kind, data, created) "
                "VALUES (?, NULL, ?, json_object('outcome', ?), ?)",
                (session_id, MARK, str(verdict), now_iso()),
            )
        return session_id
    reply = message_id if message_id is not None else await last_reply(log, session_id)
    rows = list(
        await log.connection.execute_fetchall(
            "SELECT role FROM messages WHERE id = ? AND session_id = ?", (reply, session_id)
        )
    )
    if not rows or rows[0][0] != "assistant":
        raise MarkError(f"message {reply} is not a reply in session {session_id}")
    async with log.transaction() as conn:
        await stamp_change(conn, session_id)
    await log.add_event(session_id, MARK, {"reply": str(verdict)}, message_id=reply)
    return reply
