"""Latency of appending one message (with its FTS row) through the real async API."""

from __future__ import annotations

import asyncio
import statistics
import time
from pathlib import Path

from bench.seed import TextSource
from bench.stats import percentile
from memory_graph.store.session_log import SessionLog

TEXT_BYTES = 500
WARMUP = 50


async def _appends(home: Path, sessions: int, count: int) -> list[float]:
    texts = TextSource(seed=23)
    bodies = [texts.text(TEXT_BYTES) for _ in range(WARMUP + count)]
    samples: list[float] = []
    log = await SessionLog.open(home)
    try:
        for index, body in enumerate(bodies):
            # Spread appends over existing sessions, as many conversations over time would.
            session_id = index % sessions + 1
            began = time.perf_counter()
            await log.append_message(session_id, "user", [{"type": "text", "text": body}])
            elapsed = time.perf_counter() - began
            # The first appends pay for cold caches and the connection thread's start.
            if index >= WARMUP:
                samples.append(elapsed * 1000)
    finally:
        await log.close()
    return samples


def run_append(home: Path, sessions: int, count: int) -> dict[str, float | int]:
    """Append `count` ~500-byte user messages to the seeded `home` (which is modified);
    return p50/p95/p99/mean/max in milliseconds."""
    samples = asyncio.run(_appends(home, sessions, count))
    return {
        "p50": round(percentile(samples, 50), 3),
        "p95": round(percentile(samples, 95), 3),
        "p99": round(percentile(samples, 99), 3),
        "mean": round(statistics.fmean(samples), 3),
        "max": round(max(samples), 3),
        "appends": len(samples),
        "text_bytes": TEXT_BYTES,
    }
