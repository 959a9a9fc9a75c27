"""Common words: a query word found in COMMON_WORD statements (or messages) or more ranks
nothing that its rarer words (those found at all) do not rank better, and ranking its
thousands of matches by BM25 was what made the slowest turns slow. So a search ranks by the
query's rarer words, and by its common ones only when it has nothing rarer (Elasticsearch's
common-terms query makes the same cut, for the same reason); then only the newest COMMON_WORD
of their matches are ranked, as a query naming nothing in particular most likely asks about
what was said lately. Below COMMON_WORD rows nothing changes: a person's first thousand
memories are searched by every word."""

from __future__ import annotations

from dataclasses import dataclass
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


@dataclass(frozen=True)
class Search:
    """What a search ranks by: the words, and whether they are all common."""

    words: tuple[str, ...]
    common: bool

    def best(self, index: Index) -> str:
        """SQL for the rowids and BM25 scores (higher is better) of `index`'s best matches, best
        first; its parameters are the MATCH expression of `words` and how many. When every word
        is common, only the newest COMMON_WORD matches are ranked."""
        ranked = f"SELECT rowid, -bm25({index}) AS score FROM {index} WHERE {index} MATCH ?"
        if not self.common:
            return f"{ranked} ORDER BY bm25({index}) LIMIT ?"
        return (
            f"SELECT rowid, score FROM ({ranked} ORDER BY rowid DESC LIMIT {COMMON_WORD}) "
            "ORDER BY score DESC LIMIT ?"
        )


def searched(words: list[str], held: dict[str, int]) -> Search:
    """The words a search ranks by: those held by fewer than COMMON_WORD rows (and by some: a
    word found nowhere ranks nothing either), or all of them when no word is rarer."""
    rare = [word for word in words if 0 < held.get(word, 0) < COMMON_WORD]
    if rare:
        return Search(tuple(rare), common=False)
    return Search(tuple(words), common=any(held.get(word, 0) >= COMMON_WORD for word in words))
