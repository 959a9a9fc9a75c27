"""The Textual application: owns the session log and the screens."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from textual.app import App, SystemCommand
from textual.screen import Screen

from app.config import Config
from app.tui.chat_screen import ChatScreen
from memory_graph.session_log import SessionLog


class ReverieApp(App[None]):
    """Reverie in the terminal."""

    CSS_PATH = "app.tcss"
    TITLE = "Reverie"

    def __init__(self, config: Config) -> None:
        super().__init__()
        self.config = config
        self.session_log: SessionLog | None = None

    def on_mount(self) -> None:
        # Pushed rather than returned by get_default_screen: only pushed screens load their .tcss.
        self.push_screen(ChatScreen(self.config))

    async def open_log(self) -> SessionLog:
        """The session log, opened on first use and closed when the app exits."""
        if self.session_log is None:
            self.session_log = await SessionLog.open(self.config.home)
        return self.session_log

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
