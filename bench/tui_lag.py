"""How long the running TUI's event loop stalls while it dreams: a probe sleeps a few
milliseconds in a loop on the app's own loop, and every oversleep is a frame the user could not
get (a keypress echoed late, a spinner that froze). The app runs headless (`run_test`) with its
real screens, workers and database watcher; the dream is started as "Dream now" starts it."""

from __future__ import annotations

import asyncio
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.config import load_config
from app.tui.app import ReverieApp
from bench.seed import working_copy
from bench.stats import percentile
from memory_graph.store.session_log import SessionLog
from memory_graph.transcripts.importer import import_paths

PROBE_S = 0.005
TIMEOUT_S = 120.0
RUNS = 3
"""A dream of 100 sessions lasts about 0.2 s: samples of three dreams are pooled."""


async def _lag_during_dream(home: Path) -> tuple[list[float], float]:
    """The probe's oversleeps (ms) while the TUI dreams once over `home`, and the dream's
    seconds."""
    with tempfile.TemporaryDirectory(prefix="reverie-bench-ws-") as workspace:
        config = load_config(home, env={}, overrides={"workspace": workspace, "idle_after": 0})
        app = ReverieApp(config)
        lags: list[float] = []
        async with app.run_test(size=(120, 40)) as pilot:
            await app.open_log()
            await pilot.pause()
            running = True

            async def probe() -> None:
                while running:
                    began = time.perf_counter()
                    await asyncio.sleep(PROBE_S)
                    lags.append((time.perf_counter() - began - PROBE_S) * 1000)

            task = asyncio.create_task(probe())
            began = time.perf_counter()
            await asyncio.wait_for(app.dream("manual").wait(), TIMEOUT_S)
            seconds = time.perf_counter() - began
            # The frame that shows the result (status line, toast) belongs to the dream too.
            await asyncio.sleep(0.1)
            running = False
            await task
    async with (
        await SessionLog.open(home) as log,
        log.connection.execute(
            "SELECT COUNT(*), SUM(json_array_length(sessions)) FROM dreams"
        ) as cursor,
    ):
        row = await cursor.fetchone()
    if row is None or tuple(row) != (1, 100):
        raise RuntimeError(f"the TUI's dream did not review 100 sessions: {row and tuple(row)}")
    return lags, seconds


def _pooled(prepare: Callable[[Path], Path], work: Path, name: str) -> dict[str, Any]:
    lags: list[float] = []
    seconds: list[float] = []
    for run in range(RUNS):
        run_lags, run_seconds = asyncio.run(_lag_during_dream(prepare(work / f"{name}-{run}")))
        lags += run_lags
        seconds.append(run_seconds)
    return {
        "p99_ms": round(percentile(lags, 99), 2),
        "max_ms": round(max(lags), 2),
        "samples": len(lags),
        "dream_s": round(statistics.median(seconds), 3),
    }


def run_tui_lag(seeded: Path, taubench: Path, work: Path) -> dict[str, Any]:
    """Event-loop lag while the TUI dreams 100 seeded sessions (50 messages each), and while it
    dreams the 100 tau-bench trajectories (real tool calls and errors); RUNS dreams each."""

    def seeded_copy(home: Path) -> Path:
        return working_copy(seeded, home)

    def taubench_import(home: Path) -> Path:
        async def imported() -> None:
            async with await SessionLog.open(home) as log:
                await import_paths(log, [taubench])

        asyncio.run(imported())
        return home

    return {
        "seeded_100x50": _pooled(seeded_copy, work, "lag-seeded"),
        "taubench_100": _pooled(taubench_import, work, "lag-taubench"),
    }
