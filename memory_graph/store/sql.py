"""SQL helpers the store's modules and the layers above share."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import aiosqlite

if TYPE_CHECKING:
    from memory_graph.store.database import Database

SESSION_DEPTH = 64
"""How far up a chain of parents is followed (a chain is never this deep; a loop would be)."""


def roots_cte(selected: str) -> str:
    """A `WITH RECURSIVE` clause defining `roots (id, root)`: each session `selected` (SQL
    giving session ids) with the session at the top of its chain of parents, the person's
    session its work counts toward (itself when nothing spawned it)."""
    return (
        "WITH RECURSIVE up (id, ancestor, parent, depth) AS ("
        f"SELECT id, id, parent_id, 0 FROM sessions WHERE id IN ({selected}) "
        "UNION ALL SELECT up.id, s.id, s.parent_id, up.depth + 1 FROM sessions s "
        f"JOIN up ON s.id = up.parent WHERE up.depth < {SESSION_DEPTH}), "
        "roots (id, root) AS (SELECT id, ancestor FROM up WHERE parent IS NULL) "
    )


async def stamp_change(conn: aiosqlite.Connection, session_id: int, *, title: str = "") -> None:
    """Mark a session as changed now, in the order of the log's clock: what dreams follow.
    A `title` names the session too if it has none yet: in the same statement, since each
    statement is a trip to the database's thread, and appending a message makes few."""
    await conn.execute("UPDATE change_clock SET value = value + 1")
    await conn.execute(
        "UPDATE sessions SET changed = (SELECT value FROM change_clock), "
        "title = CASE WHEN title = '' THEN ? ELSE title END WHERE id = ?",
        (title, session_id),
    )


async def where_in(log: Database, sql: str, values: Sequence[Any]) -> list[Any]:
    """Rows of `sql` (which holds one `IN ({})`) for many values, in chunks SQLite accepts."""
    rows: list[Any] = []
    for start in range(0, len(values), 500):
        chunk = list(values[start : start + 500])
        # One trip to the database's thread, not three (execute, fetch, close).
        rows.extend(
            await log.connection.execute_fetchall(sql.format(", ".join("?" * len(chunk))), chunk)
        )
    return rows
