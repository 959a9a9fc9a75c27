"""Common words: a query word found in COMMON_WORD statements (or messages) or more ranks
nothing that its rarer words (those found at all) do not rank better, and ranking its
thousands of matches by BM25 was what made the slowest turns slow. So a search ranks by the
query's rarer words, and by its common ones only when it has nothing rarer (Elasticsearch's
common-terms query makes the same cut, for the same reason). Below COMMON_WORD rows nothing
changes: a person's first thousand memories are searched by every word."""

from __future__ import annotations

from typing import Literal

from memory_graph.memory.recall.tuning import COMMON_WORD
from memory_graph.store.database import Database
from memory_graph.store.text import any_of

Index = Literal["nodes_fts", "messages_fts"]


async def holding(log: Database, index: Index, words: list[str]) -> dict[str, int]:
    """How many rows of `index` hold each word, counted up to COMMON_WORD (past it, a word is
    common whatever the index's size), in one query."""
    if not words:
        return {}
    counts = ", ".join(
        f"(SELECT count(*) FROM (SELECT 1 FROM {index} WHERE {index} MATCH ? LIMIT ?))"
        for _ in words
    )
    rows = await log.connection.execute_fetchall(
        f"SELECT {counts}", [value for word in words for value in (any_of([word]), COMMON_WORD)]
    )
    return dict(zip(words, (int(count) for count in next(iter(rows))), strict=True))


def searched(words: list[str], held: dict[str, int]) -> list[str]:
    """The words a search ranks by: those held by fewer than COMMON_WORD rows (and by some: a
    word found nowhere ranks nothing either), or all of them when no word is rarer."""
    rare = [word for word in words if 0 < held.get(word, 0) < COMMON_WORD]
    return rare or words
