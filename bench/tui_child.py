"""Child process for the first-frame benchmark: `python -P tui_child.py HOME WORKSPACE`.

Run as a fresh interpreter so import costs count. Prints one line, RESULT_PREFIX + JSON.
"""

import time

# As early as possible: everything after this line is part of start-up.
STARTED = time.perf_counter()

import asyncio  # noqa: E402
import json  # noqa: E402
import sys  # noqa: E402
from pathlib import Path  # noqa: E402

RESULT_PREFIX = "BENCH-RESULT "
LIST_TIMEOUT_S = 10.0
SIZE = (120, 40)


async def measure(home: Path, workspace: Path) -> dict[str, float | int | bool]:
    """Start the app headless against `home`; time the first frame and the listed sessions."""
    from app.config import load_config
    from app.tui.app import ReverieApp
    from app.tui.widgets.sidebar import SessionsSidebar

    imported = time.perf_counter()
    # No key and an empty environment: offline, as a first run without credentials.
    config = load_config(home, env={}, overrides={"workspace": str(workspace)})
    app = ReverieApp(config)
    async with app.run_test(size=SIZE) as pilot:
        # run_test returns once the default screen is mounted and laid out, sidebar still empty.
        ready = time.perf_counter()
        # One idle pause lets the screen refresh; waiting for idle also lets the startup worker
        # (open the log, fill the sidebar) run, so its cost lands in this figure.
        await pilot.pause()
        first_frame = time.perf_counter()
        first_frame_wall = time.time()
        deadline = first_frame + LIST_TIMEOUT_S
        sidebar = app.screen.query_one(SessionsSidebar)
        while not sidebar.listed and time.perf_counter() < deadline:
            await pilot.pause(0.01)
        listed = time.perf_counter()
        items = len(sidebar.listed)
    return {
        "imports_ms": (imported - STARTED) * 1000,
        "app_ready_ms": (ready - STARTED) * 1000,
        "first_frame_ms": (first_frame - STARTED) * 1000,
        "first_frame_wall": first_frame_wall,
        "sessions_listed_ms": (listed - STARTED) * 1000,
        "sessions_listed": items > 0,
        "session_items": items,
    }


if __name__ == "__main__":
    result = asyncio.run(measure(Path(sys.argv[1]), Path(sys.argv[2])))
    print(RESULT_PREFIX + json.dumps(result), flush=True)
