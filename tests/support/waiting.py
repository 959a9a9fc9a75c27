"""Waiting for something another task or process does, with a deadline instead of a hang."""

from __future__ import annotations

import asyncio
from collections.abc import Callable

DEADLINE_S = 10.0


async def eventually(check: Callable[[], object], what: str) -> None:
    """Wait until `check()` (sync or async) is true, or fail after DEADLINE_S."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + DEADLINE_S
    while True:
        value = check()
        if asyncio.iscoroutine(value):
            value = await value
        if value:
            return
        if loop.time() > deadline:
            raise AssertionError(f"timed out waiting for {what}")
        await asyncio.sleep(0.02)
