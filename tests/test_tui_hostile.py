"""The TUI facing what a session can hold: a tool call that never ends, a command that hides its
tail, characters that a terminal hides or obeys."""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

from textual.pilot import Pilot

from app.config import Config
from app.tui.app import ReverieApp
from app.tui.chat_screen import ChatScreen
from tests.fake_api import FakeMessagesAPI, text, tool_use
from tests.processes import children
from tests.tui_helpers import settle

SIZE = (120, 40)
RUNAWAY = {"pattern": r"(x+x+)+y"}
"""Backtracks for tens of seconds over a line of 27 x's, and then finds nothing."""


async def _start(pilot: Pilot[None], message: str) -> ChatScreen:
    screen = pilot.app.screen
    assert isinstance(screen, ChatScreen)
    await settle(pilot)
    screen.prompt.value = message
    await pilot.press("enter")
    return screen


async def _tool_process(pilot: Pilot[None], before: set[int]) -> set[int]:
    """The process a tool call started, once it runs (failing rather than waiting for ever)."""
    for _ in range(1500):
        if started := children() - before:
            return started
        await pilot.pause(0.02)
    raise AssertionError("no process was started for the tool call")


def _gone(pids: set[int]) -> bool:
    return not any(Path(f"/proc/{pid}").exists() for pid in pids)


@contextlib.asynccontextmanager
async def _runaway_search(
    config: Config, fake_api: FakeMessagesAPI, workspace: Path
) -> AsyncIterator[tuple[Pilot[None], ChatScreen, set[int]]]:
    """The app while the model's search backtracks, with the search's process."""
    (workspace / "many-x.txt").write_text("x" * 27 + "\n")
    fake_api.add(tool_use("search_files", RUNAWAY), text("The search finished."))
    async with ReverieApp(config).run_test(size=SIZE) as pilot:
        before = children()
        screen = await _start(pilot, "where is the y?")
        yield pilot, screen, await _tool_process(pilot, before)


async def test_escape_stops_a_runaway_search_and_the_app_goes_on(
    config: Config, fake_api: FakeMessagesAPI, workspace: Path
) -> None:
    async with _runaway_search(config, fake_api, workspace) as (pilot, screen, running):
        await pilot.press("escape")
        await settle(pilot)
        assert screen.status_line.activity == "interrupted"
        assert _gone(running)
        assert screen.focused is screen.prompt and not screen.replying


async def test_ctrl_q_quits_during_a_runaway_search(
    config: Config, fake_api: FakeMessagesAPI, workspace: Path
) -> None:
    async with _runaway_search(config, fake_api, workspace) as (pilot, _, running):
        await pilot.press("ctrl+q")
    assert pilot.app.return_code == 0 and _gone(running)
