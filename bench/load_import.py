"""A history imported, not seeded: 100,000 OpenAI-style conversations in one JSONL file go
through `reverie import` in a process of their own (its wall time and its peak memory, which
must be bounded by the largest session, not by the file), then every session is dreamt in
batches of 100, then recall and search are timed over the result."""

from __future__ import annotations

import asyncio
import json
import random
import time
from pathlib import Path
from typing import Any

from bench.importing import import_process
from bench.seed import CACHE_DIR, TextSource
from bench.stats import percentile
from dreamer.dream import dream
from memory_graph.memory.recall import recall
from memory_graph.store.session_log import SessionLog

SESSIONS = 100_000
TURNS = 5
BATCH = 100
QUERIES = 200
CORPUS_VERSION = 1


def _corpus() -> tuple[Path, int]:
    """The JSONL file (cached) and the size of its largest line, one session."""
    path = CACHE_DIR / f"import-{SESSIONS}-t{TURNS}-v{CORPUS_VERSION}.jsonl"
    texts = TextSource(seed=41).message_texts(SESSIONS * TURNS)
    largest = 0
    if path.is_file():
        return path, max(len(line) for line in path.open("rb"))
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_suffix(".partial")
    with partial.open("w", encoding="utf-8") as handle:
        for number in range(SESSIONS):
            line = json.dumps(
                {
                    "id": f"load-{number}",
                    "created": 1_700_000_000 + number * 3_600,
                    "messages": [
                        {"role": "user" if turn % 2 == 0 else "assistant", "content": next(texts)}
                        for turn in range(TURNS)
                    ],
                }
            )
            largest = max(largest, len(line) + 1)
            handle.write(line + "\n")
    partial.replace(path)
    return path, largest


async def _dream_all(home: Path) -> tuple[float, int, int]:
    """Seconds to dream every session in batches of BATCH, the sessions and dreams."""
    async with await SessionLog.open(home) as log:
        began = time.perf_counter()
        reviewed = dreams = 0
        while reviewed_now := (await dream(log, limit=BATCH)).sessions_reviewed:
            reviewed += reviewed_now
            dreams += 1
        return time.perf_counter() - began, reviewed, dreams


async def _latencies(home: Path, queries: list[str]) -> tuple[list[float], list[float]]:
    """Milliseconds of each recall and each search, over the same queries."""
    recalls, searches = [], []
    async with await SessionLog.open(home) as log:
        for query in queries:
            began = time.perf_counter()
            await recall(log, query)
            recalls.append((time.perf_counter() - began) * 1000)
            began = time.perf_counter()
            await log.search(query)
            searches.append((time.perf_counter() - began) * 1000)
    return recalls, searches


def _queries() -> list[str]:
    chooser = random.Random(5)
    words = " ".join(TextSource(seed=43).message_texts(QUERIES)).split()
    return [" ".join(chooser.sample(words, 3)) for _ in range(QUERIES)]


def run_load_import(work: Path) -> dict[str, Any]:
    """The import, the dreams and the latencies; figures in the bench's JSON shape."""
    corpus, largest = _corpus()
    home = work / "load-import"
    seconds, peak_mb = import_process(home, corpus)
    dreaming, reviewed, dreams = asyncio.run(_dream_all(home))
    if reviewed < SESSIONS:
        raise RuntimeError(f"the dreams reviewed {reviewed} of {SESSIONS} sessions")
    recalls, searches = asyncio.run(_latencies(home, _queries()))
    return {
        "sessions": SESSIONS,
        "messages": SESSIONS * TURNS,
        "file_mb": round(corpus.stat().st_size / 2**20, 1),
        "largest_session_kb": round(largest / 1024, 1),
        "import_s": round(seconds, 1),
        "import_peak_mb": round(peak_mb, 1),
        "dream_s": round(dreaming, 1),
        "dreams": dreams,
        "recall_p95_ms": round(percentile(recalls, 95), 2),
        "search_p95_ms": round(percentile(searches, 95), 2),
    }
