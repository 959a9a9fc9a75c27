"""A long history: 100,000 sessions (of 5 messages, 500,000 in all). The TUI's start, the
search, and a dream of 100 new sessions after the 100,000 were dreamt."""

from __future__ import annotations

import asyncio
import json
import shutil
import time
from pathlib import Path
from typing import Any

from bench.search import run_search
from bench.seed import CACHE_DIR, seeded_home, working_copy
from bench.tui import run_tui
from dreamer.dream import dream
from memory_graph.store.session_log import SessionLog

SESSIONS = 100_000
MESSAGES = 5
NEW = 100
HISTORY_STEP = 5_000
"""Sessions per dream while the history is dreamt (as weeks of dreams would have)."""


async def _dream_history(home: Path, sessions: int) -> None:
    async with await SessionLog.open(home) as log:
        done = 0
        while done < sessions:
            summary = await dream(log, limit=min(HISTORY_STEP, sessions - done))
            done += summary.sessions_reviewed
            if not summary.sessions_reviewed:
                break
        await log.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")


def _dreamt_home() -> tuple[Path, float]:
    """The seeded history plus NEW sessions, the history dreamt (cached like the seeds)."""
    seeded, seeding = seeded_home(f"s{SESSIONS + NEW}-m{MESSAGES}", SESSIONS + NEW, MESSAGES)
    home = CACHE_DIR / f"dreamt-{SESSIONS}-m{MESSAGES}"
    marker = home / "dreamt.json"
    expected = {"seed": json.loads((seeded / "seed.json").read_text()), "history": SESSIONS}
    if marker.is_file() and json.loads(marker.read_text()) == expected:
        return home, seeding
    began = time.perf_counter()
    if home.exists():
        shutil.rmtree(home)
    working_copy(seeded, home)
    asyncio.run(_dream_history(home, SESSIONS))
    marker.write_text(json.dumps(expected))
    return home, seeding + time.perf_counter() - began


async def _timed_dream(home: Path) -> tuple[float, int]:
    async with await SessionLog.open(home) as log:
        began = time.perf_counter()
        summary = await dream(log, limit=NEW)
        return time.perf_counter() - began, summary.sessions_reviewed


def run_load(work: Path, tui_runs: int) -> dict[str, Any]:
    """TUI start, search and a dream of NEW sessions over a history of SESSIONS."""
    cached, seeding = _dreamt_home()
    home = working_copy(cached, work / "load-home")
    tui = run_tui(home, tui_runs)
    searches = run_search(home)
    seconds, reviewed = asyncio.run(_timed_dream(working_copy(cached, work / "load-dream")))
    if reviewed != NEW:
        raise RuntimeError(f"the dream after the history reviewed {reviewed} sessions, not {NEW}")
    return {
        "sessions": SESSIONS,
        "messages": SESSIONS * MESSAGES,
        "tui_first_frame_ms": tui["first_frame_ms"]["median"],
        "search_worst_ms": max(float(s["median_ms"]) for s in searches.values()),
        "dream_100_new_s": round(seconds, 3),
        "seeding_s": round(seeding, 1),
    }
