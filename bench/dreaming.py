"""Dream cost: 100 new sessions alone, and the same 100 after 10,000 already dreamt; and what
the dreamer finds in tau-bench."""

from __future__ import annotations

import asyncio
import statistics
import time
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from bench.seed import seeded_home, working_copy
from dreamer.consolidate import ENTITY_KINDS
from dreamer.dream import dream
from memory_graph.importers.runner import import_paths
from memory_graph.inbox import pending
from memory_graph.session_log import SessionLog

TAUBENCH = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "taubench"
MESSAGES = 50


RUNS = 3


async def _dream_history(home: Path, history: int) -> None:
    async with await SessionLog.open(home) as log:
        # The history is dreamt first, as it would have been over the weeks before.
        await dream(log, limit=history)
        await log.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")


async def _timed_dream(home: Path, new: int) -> float:
    async with await SessionLog.open(home) as log:
        began = time.perf_counter()
        summary = await dream(log, limit=new)
        elapsed = time.perf_counter() - began
        assert summary.sessions_reviewed == new
    return elapsed


def _median_dream(prepared: Path, work: Path, name: str, new: int) -> float:
    # Each run on its own copy of the same prepared home: the same work, timed RUNS times.
    times = [
        asyncio.run(_timed_dream(working_copy(prepared, work / f"{name}-{run}"), new))
        for run in range(RUNS)
    ]
    return statistics.median(times)


def run_dream_cost(work: Path, history: int, new: int) -> dict[str, Any]:
    """Seconds to dream `new` sessions of MESSAGES messages, without and with `history`
    sessions dreamt before them (medians of RUNS runs)."""
    alone_cache, _ = seeded_home(f"s{new}-m{MESSAGES}", new, MESSAGES)
    after_cache, _ = seeded_home(f"s{history + new}-m{MESSAGES}", history + new, MESSAGES)
    dreamt = working_copy(after_cache, work / "dreamt-history")
    asyncio.run(_dream_history(dreamt, history))
    alone = _median_dream(alone_cache, work, "dream-alone", new)
    after = _median_dream(dreamt, work, "dream-after", new)
    return {"alone_s": alone, "after_history_s": after, "ratio": after / alone}


async def _taubench(home: Path) -> dict[str, Any]:
    async with await SessionLog.open(home) as log:
        await import_paths(log, [TAUBENCH])
        summary = await dream(log)
        proposals = await pending(log)
        outcomes = {s.id: s.outcome for s in await log.list_sessions(limit=1000)}
    failures = [p for p in proposals if p["kind"] == "failure"]
    evidence = [e["session_id"] for p in failures for e in p["evidence"]]
    failed = sum(outcomes[session] == "failure" for session in evidence)
    return {
        "failure_proposals": len(failures),
        "evidence_sessions_failed_share": round(failed / len(evidence), 3) if evidence else None,
        "seconds": round(summary.seconds, 3),
        "top_10": _top(p for p in proposals if p["kind"] not in ENTITY_KINDS),
        "topics_and_entities": sum(p["kind"] in ENTITY_KINDS for p in proposals),
        "top_5_topics_and_entities": _top((p for p in proposals if p["kind"] in ENTITY_KINDS), 5),
    }


def _top(proposals: Iterable[dict[str, Any]], count: int = 10) -> list[str]:
    """The most confident proposals as a person reads them in the inbox."""
    ranked = sorted(proposals, key=lambda p: (-p["confidence"], -p["support"], p["statement"]))
    return [
        f"[{p['kind']} {p['confidence']:.2f}, {p['support']} sessions] {p['statement']}"
        for p in ranked[:count]
    ]


def run_taubench(work: Path) -> dict[str, Any]:
    """Import the tau-bench trajectories into a fresh home, dream once, report."""
    return asyncio.run(_taubench(work / "taubench-home"))
