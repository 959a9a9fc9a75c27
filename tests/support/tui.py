"""Waiting for the TUI's finite work: every worker but the endless database watcher."""

from __future__ import annotations

from textual.pilot import Pilot

ENDLESS_GROUPS = {"database-watch"}


async def settle(pilot: Pilot[None]) -> None:
    """Wait until replies, searches and start-up have finished, then for a refresh."""
    workers = [w for w in pilot.app.workers if w.group not in ENDLESS_GROUPS]
    if workers:  # an empty list would mean "all of them", the endless one included
        await pilot.app.workers.wait_for_complete(workers)
    await pilot.pause()
