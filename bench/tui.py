"""Start-up of the TUI in fresh processes against a large session log."""

from __future__ import annotations

import json
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from bench.stats import spread

CHILD = Path(__file__).resolve().parent / "tui_child.py"
RESULT_PREFIX = "BENCH-RESULT "
TIMEOUT_S = 60


def _run_child(home: Path) -> dict[str, Any]:
    """One fresh interpreter: its own timings plus spawn-to-first-frame wall time."""
    with tempfile.TemporaryDirectory(prefix="reverie-bench-ws-") as workspace:
        spawned = time.time()
        # -P: the script's folder (bench/) is not put on sys.path, so nothing here can shadow
        # an import of the app; the child sees the same modules a user's `reverie` does.
        proc = subprocess.run(
            [sys.executable, "-P", str(CHILD), str(home), workspace],
            cwd=workspace,
            capture_output=True,
            text=True,
            timeout=TIMEOUT_S,
            check=False,
        )
    lines = [line for line in proc.stdout.splitlines() if line.startswith(RESULT_PREFIX)]
    if proc.returncode != 0 or not lines:
        raise RuntimeError(
            f"TUI child failed (exit {proc.returncode}):\n{proc.stdout[-2000:]}\n"
            f"{proc.stderr[-4000:]}"
        )
    result: dict[str, Any] = json.loads(lines[-1][len(RESULT_PREFIX) :])
    result["process_to_first_frame_ms"] = (result.pop("first_frame_wall") - spawned) * 1000
    return result


def run_tui(home: Path, runs: int) -> dict[str, Any]:
    """Start the app `runs` times (after one discarded warm-up) against `home`; return the
    median, min and max of each timing, in milliseconds."""
    _run_child(home)  # warm-up: the OS page cache and any first-import work
    results = [_run_child(home) for _ in range(runs)]
    summary: dict[str, Any] = {
        key: spread([r[key] for r in results])
        for key in (
            "imports_ms",
            "app_ready_ms",
            "first_frame_ms",
            "sessions_listed_ms",
            "process_to_first_frame_ms",
        )
    }
    summary["runs"] = runs
    summary["first_frame_runs_ms"] = [round(r["first_frame_ms"], 1) for r in results]
    summary["sessions_listed_every_run"] = all(r["sessions_listed"] for r in results)
    summary["session_items"] = results[-1]["session_items"]
    return summary
