"""What starts a dream in the TUI: idle time (a keypress pauses the dream under way) and Dream now
in the command palette; each dream's row says which. `reverie dream` from the command line:
test_cli.py; `reverie watch`, which dreams once new transcripts stop arriving: test_watch.py."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.config import Config
from app.tui.app import ReverieApp
from memory_graph.store.session_log import SessionLog
from tests.support.demo import PROPOSED
from tests.support.tui import SIZE, chat_ready, settle


async def test_idle_time_starts_a_dream_and_a_keypress_pauses_it(
    home: Path, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time
    from dataclasses import replace

    import dreamer.dream
    from memory_graph.transcripts.importer import import_paths
    from tests.support.demo import DEMO_HISTORY

    # One session per step, each a little slow, so the keypress lands mid-dream.
    real = dreamer.dream._extract

    def slow(views):  # type: ignore[no-untyped-def]
        time.sleep(0.03)
        return real(views)

    monkeypatch.setattr(dreamer.dream, "STEP_SESSIONS", 1)
    monkeypatch.setattr(dreamer.dream, "_extract", slow)

    async with await SessionLog.open(home) as log:
        await import_paths(log, [DEMO_HISTORY])
    # Long enough that the pause is still on when checked, on a loaded machine too.
    config = replace(Config(home=home, workspace=workspace), idle_after=1.0)
    app = ReverieApp(config)
    async with app.run_test(size=SIZE) as pilot:
        screen = await chat_ready(pilot)
        while not app.dreaming:
            await pilot.pause(0.05)
        await pilot.press("x")
        await pilot.pause()
        assert not app.awake.is_set() and screen.status_line.activity == "dream paused"
        while app.dreaming:
            await pilot.pause(0.05)
        await pilot.pause()  # the dream's last status messages reach the screen
        assert screen.status_line.activity.startswith(f"dreamt: {PROPOSED} new proposals")
    assert await _dream_triggers(home) == ["idle"]


async def test_dream_now_from_the_command_palette(config: Config, home: Path) -> None:
    app = ReverieApp(config)
    async with app.run_test(size=SIZE) as pilot:
        await chat_ready(pilot)
        await pilot.press("ctrl+p")
        await pilot.press(*"Dream now")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        while app.dreaming:
            await pilot.pause(0.05)
    assert await _dream_triggers(home) == ["manual"]


async def _dream_triggers(home: Path) -> list[str]:
    log = await SessionLog.open(home)
    try:
        async with log.connection.execute("SELECT trigger FROM dreams ORDER BY id") as cursor:
            return [row[0] for row in await cursor.fetchall()]
    finally:
        await log.close()
