"""The Textual application: owns the session log and the screens."""

from __future__ import annotations

import asyncio
from collections.abc import Iterable
from typing import Any

from textual import work
from textual.app import App, SystemCommand
from textual.screen import Screen

from app.config import Config
from app.tui.chat_screen import ChatScreen
from app.tui.messages import DatabaseChanged, LogOpened
from memory_graph.db import DATABASE_NAME
from memory_graph.session_log import SessionLog

DATABASE_WATCH_STEP_MS = 50
DATABASE_WATCH_WAKE_MS = 250
"""The watcher thread returns this often even when nothing changed: a cancelled worker cannot
interrupt it, so this bounds how long quitting waits for it."""


class ReverieApp(App[None]):
    """Reverie in the terminal."""

    CSS_PATH = "app.tcss"
    TITLE = "Reverie"

    def __init__(self, config: Config) -> None:
        super().__init__()
        self.config = config
        self.session_log: SessionLog | None = None
        self._opening = asyncio.Lock()

    def on_mount(self) -> None:
        # Pushed rather than returned by get_default_screen: only pushed screens load their .tcss.
        self.push_screen(ChatScreen(self.config))

    def on_log_opened(self, event: LogOpened) -> None:
        # Watching starts once the first view is on screen: it is not needed for the first frame.
        self.watch_database(event.version)

    async def open_log(self) -> SessionLog:
        """The session log, opened on first use and closed when the app exits."""
        async with self._opening:
            if self.session_log is None:
                self.session_log = await SessionLog.open(self.config.home)
        return self.session_log

    @work(exclusive=True, group="database-watch", exit_on_error=False)
    async def watch_database(self, version: int) -> None:
        """Tell every screen when another process writes the database, so what it shows (the
        sessions list, later the inbox) stays live. Our own writes do not change
        `data_version`, so they do not wake anything."""
        from watchfiles import awatch

        log = await self.open_log()
        names = {DATABASE_NAME, f"{DATABASE_NAME}-wal"}
        async for _ in awatch(
            self.config.home,
            watch_filter=lambda _change, path: path.rsplit("/", 1)[-1] in names,
            step=DATABASE_WATCH_STEP_MS,
            rust_timeout=DATABASE_WATCH_WAKE_MS,
            yield_on_timeout=True,
            recursive=False,
        ):
            current = await log.data_version()
            if current != version:
                version = current
                for screen in self.screen_stack:
                    screen.post_message(DatabaseChanged())

    async def on_unmount(self) -> None:
        if self.session_log is not None:
            await self.session_log.close()
            self.session_log = None

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        yield from super().get_system_commands(screen)
        if isinstance(screen, ChatScreen):
            yield SystemCommand(
                "New session", "Start a new conversation", screen.action_new_session
            )
            yield SystemCommand("Search sessions", "Full-text search", screen.action_search)
            yield SystemCommand(
                "Cancel reply",
                "Stop the running reply (kept, marked interrupted)",
                screen.action_cancel_reply,
            )
            yield SystemCommand(
                "Toggle sidebar", "Show or hide the sessions list", screen.action_toggle_sidebar
            )
