"""Full-text search latency through `SessionLog.search` (informational, no target yet)."""

from __future__ import annotations

import asyncio
import sqlite3
import statistics
import time
from contextlib import closing
from pathlib import Path

from bench.seed import COMMON_WORD, PAIR_WORDS, RARE_WORD
from memory_graph.store.db import DATABASE_NAME
from memory_graph.store.search import fts_query
from memory_graph.store.session_log import SessionLog

QUERIES = {
    "rare_word": RARE_WORD,
    "common_word": COMMON_WORD,
    "two_words": " ".join(PAIR_WORDS),
}
REPEATS = 5
BUDGET_S = 8.0
"""Per query: stop repeating a slow query early so the suite stays within its time budget."""


def _matches(home: Path, text: str) -> int:
    """How many messages match: what ranking has to score before it can cut to the top."""
    query = fts_query(text)
    if query is None:
        return 0
    with closing(sqlite3.connect(home / DATABASE_NAME)) as conn:
        (count,) = conn.execute(
            "SELECT COUNT(*) FROM messages_fts WHERE messages_fts MATCH ?", (query,)
        ).fetchone()
    return int(count)


async def _search_all(home: Path) -> dict[str, dict[str, float | int | str]]:
    results: dict[str, dict[str, float | int | str]] = {}
    log = await SessionLog.open(home)
    try:
        for name, query in QUERIES.items():
            hits = await log.search(query)  # warm-up: page cache and statement cache
            samples: list[float] = []
            spent = 0.0
            while len(samples) < REPEATS and spent < BUDGET_S:
                began = time.perf_counter()
                await log.search(query)
                elapsed = time.perf_counter() - began
                spent += elapsed
                samples.append(elapsed * 1000)
            results[name] = {
                "query": query,
                "median_ms": round(statistics.median(samples), 2),
                "min_ms": round(min(samples), 2),
                "runs": len(samples),
                "hits": len(hits),
                "matching_messages": _matches(home, query),
            }
    finally:
        await log.close()
    return results


def run_search(home: Path) -> dict[str, dict[str, float | int | str]]:
    """Median latency of a rare-word, a common-word and a two-word search in `home`."""
    return asyncio.run(_search_all(home))
