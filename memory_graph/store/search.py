"""Search over the log as a person types: their words made a safe FTS5 query, the best message
per session ranked among the most recent matches, a snippet cut around the first word found;
and the index kept as rows are appended."""

from __future__ import annotations

import re
from collections.abc import Sequence

import aiosqlite

from memory_graph.store.records import Role, SearchHit

SNIPPET_WIDTH = 90
"""Characters of a snippet, around the first word found."""
RANKED_RECENT = 2_000
"""How many of the most recent matching messages a search ranks."""


async def index_for_search(conn: aiosqlite.Connection, session_id: int, first_seq: int) -> None:
    """Add a session's messages from `first_seq` on to the full-text index, in one statement.
    System prompts are left out: the same in every session, they would match every search."""
    await conn.execute(
        "INSERT INTO messages_fts (rowid, text) SELECT id, text FROM messages "
        "WHERE session_id = ? AND seq >= ? AND role != 'system'",
        (session_id, first_seq),
    )


def snippet(text: str, words: Sequence[str]) -> str:
    """One line of `text` around the first of `words` it contains (the last word as a prefix,
    as the search matched it). Computed here: FTS5's snippet() re-reads every match of a
    prefix and can take seconds for a common one."""
    width = SNIPPET_WIDTH
    flat = " ".join(text.split())
    if not words:
        return flat[:width]
    alternatives = [re.escape(word) + r"\b" for word in words[:-1]] + [re.escape(words[-1])]
    found = re.search(r"\b(?:" + "|".join(alternatives) + ")", flat, re.IGNORECASE)
    start = max(0, (found.start() if found else 0) - width // 3)
    piece = flat[start : start + width]
    return ("…" if start > 0 else "") + piece + ("…" if start + width < len(flat) else "")


def fts_query(text: str) -> str | None:
    """Turn what a person typed into a safe FTS5 query: every word must match, the last one as
    a prefix (search as you type). Operators and quotes in the input are treated as text."""
    words = re.findall(r"\w+", text)
    if not words:
        return None
    terms = [f'"{word}"' for word in words[:-1]]
    terms.append(f'"{words[-1]}"*')
    return " AND ".join(terms)


async def search_sessions(
    conn: aiosqlite.Connection, text: str, limit: int = 50
) -> list[SearchHit]:
    """The sessions whose messages best match words typed by a person, best first, each
    with a snippet of its best-matching message."""
    query = fts_query(text)
    if query is None:
        return []
    # Ranking costs time per matching row (half a second for a word in most of 500,000
    # messages), so only the RANKED_RECENT most recent matches are ranked: the same result
    # whenever fewer match, and a bounded cost when a word is everywhere.
    async with conn.execute(
        "SELECT rowid FROM messages_fts WHERE messages_fts MATCH ? "
        "ORDER BY rowid DESC LIMIT 1 OFFSET ?",
        (query, RANKED_RECENT - 1),
    ) as cursor:
        oldest = await cursor.fetchone()
    async with conn.execute(
        "SELECT m.session_id, m.id, m.role FROM (SELECT rowid, bm25(messages_fts) AS score "
        "FROM messages_fts WHERE messages_fts MATCH ? AND rowid >= ? ORDER BY score) AS hit "
        "JOIN messages m ON m.id = hit.rowid ORDER BY hit.score",
        (query, oldest[0] if oldest else 0),
    ) as cursor:
        best: dict[int, tuple[int, Role]] = {}
        async for session_id, message_id, role in cursor:
            best.setdefault(session_id, (message_id, role))
    chosen = list(best.items())[:limit]
    if not chosen:
        return []
    ids = [message_id for _, (message_id, _) in chosen]
    marks = ", ".join("?" * len(ids))
    async with conn.execute(
        f"SELECT m.id, m.text, s.title FROM messages m JOIN sessions s ON s.id = m.session_id "
        f"WHERE m.id IN ({marks})",
        ids,
    ) as cursor:
        details = {row[0]: (row[1], row[2]) for row in await cursor.fetchall()}
    words = re.findall(r"\w+", text)
    return [
        SearchHit(
            session_id=session_id,
            message_id=message_id,
            session_title=details[message_id][1],
            snippet=snippet(details[message_id][0], words),
            role=role,
        )
        for session_id, (message_id, role) in chosen
    ]
