"""Driving the TUI with Pilot: waiting for its finite work (every worker but the endless
database watcher), the chat screen's prompt, the inbox, and what a widget shows."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from textual.pilot import Pilot
from textual.widgets import Input

from app.config import Config, load_config
from app.tui.screens.chat_screen import ChatScreen
from app.tui.screens.inbox_screen import InboxScreen
from app.tui.widgets.reply import Reply

ENDLESS_GROUPS = {"database-watch"}

SIZE = (120, 40)
"""The terminal the chat screen is tested in."""
INBOX_SIZE = (140, 45)
"""The terminal the inbox and the memory browser are tested in."""


async def settle(pilot: Pilot[None]) -> None:
    """Wait until replies, searches and start-up have finished, then for a refresh."""
    workers = [w for w in pilot.app.workers if w.group not in ENDLESS_GROUPS]
    if workers:  # an empty list would mean "all of them", the endless one included
        await pilot.app.workers.wait_for_complete(workers)
    await pilot.pause()


async def chat_ready(pilot: Pilot[None]) -> ChatScreen:
    """The chat screen, once start-up has finished."""
    screen = pilot.app.screen
    assert isinstance(screen, ChatScreen)
    await settle(pilot)
    return screen


async def send(pilot: Pilot[None], message: str) -> None:
    """Type `message` in the prompt, press Enter, wait for the reply."""
    prompt = pilot.app.screen.query_one("#prompt", Input)
    prompt.value = message
    await pilot.press("enter")
    await settle(pilot)


def plain(widget: Any) -> str:
    """What a conversation widget shows, as text (a reply's Markdown source)."""
    return str(widget.render()) if not isinstance(widget, Reply) else widget.source


def offline_config(home: Path, workspace: Path) -> Config:
    """A config with no model and no idle dream: nothing changes the inbox but the keys."""
    return load_config(home, env={}, overrides={"workspace": str(workspace), "idle_after": 0})


async def open_inbox(pilot: Pilot[None]) -> InboxScreen:
    """The inbox screen, opened from the chat with Ctrl+R."""
    await settle(pilot)
    await pilot.press("ctrl+r")
    await settle(pilot)
    screen = pilot.app.screen
    assert isinstance(screen, InboxScreen)
    return screen
