"""The Textual application: the screens, dreams and the database watcher, over `ReverieCore`."""

from __future__ import annotations

import asyncio
import gc
import importlib
import time
from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from textual import events, work
from textual.app import SystemCommand
from textual.binding import Binding
from textual.message import Message
from textual.screen import Screen
from textual.worker import Worker, WorkerState

from app.config import Config
from app.tui.core import ReverieCore
from app.tui.messages import DatabaseChanged, DreamStatus, LogOpened
from app.tui.screens.chat_screen import ChatScreen
from memory_graph.store.db import DATABASE_NAME

if TYPE_CHECKING:
    from app.tui.screens.help_screen import KeySection
    from app.tui.screens.inbox_screen import InboxScreen

IDLE_CHECK_S = 0.25
DATABASE_WATCH_STEP_MS = 50
DATABASE_WATCH_WAKE_MS = 250
"""The watcher thread returns this often even when nothing changed: a cancelled worker cannot
interrupt it, so this bounds how long quitting waits for it."""
HANDED_CHECK_S = 5.0
"""How often the app looks whether memory changed since Claude Code's hook kept its contexts."""
PROGRESS_EVERY_S = 0.25
"""The status line follows a dream at most this often."""


class ReverieApp(ReverieCore):
    """Reverie in the terminal."""

    CSS_PATH = "app.tcss"
    TITLE = "Reverie"
    BINDINGS = [
        Binding("ctrl+g", "memory", "Memory"),
        # Priority: F1 opens the help over any screen, a text box's or a modal's focus too.
        Binding("f1", "help", "Help", priority=True),
        # Not a priority: a text box with the focus takes `?` as typed.
        Binding("question_mark", "help", "Help", show=False),
        Binding("ctrl+q", "quit", "Quit", priority=True),
    ]

    def __init__(self, config: Config, *, inbox_first: bool = False) -> None:
        super().__init__(config, inbox_first=inbox_first)
        self.last_input = time.monotonic()
        self.awake = asyncio.Event()
        """Set while an idle dream may run; a keypress clears it and the dream pauses."""
        self._dream: Worker[None] | None = None
        self._last_dream_input = -1.0

    def on_mount(self) -> None:
        # Pushed rather than returned by get_default_screen: only pushed screens load their .tcss.
        self.push_screen(ChatScreen(self.config))
        # What the start made (the modules, the app, its first screen) lives as long as the
        # app: the collector's full passes need not walk it again. Each walked it all, 40 to
        # 100 ms with the event loop held, and a keypress then waited that long. Unfrozen when
        # the app ends, for a process that goes on (tests, the bench) to collect it.
        self.call_after_refresh(gc.freeze)
        if self.config.idle_after > 0:
            self.set_interval(IDLE_CHECK_S, self._check_idle)
        self.set_interval(HANDED_CHECK_S, self.refresh_handed)

    async def on_event(self, event: events.Event) -> None:
        # Every keypress, whichever widget takes it: the user is here, an idle dream pauses.
        if isinstance(event, events.Key):
            self.last_input = time.monotonic()
            if self.awake.is_set() and self.dreaming:
                self.awake.clear()
                self._tell(DreamStatus("dream paused"))
        await super().on_event(event)

    @property
    def dreaming(self) -> bool:
        """True while a dream runs (or waits, paused)."""
        return self._dream is not None and self._dream.state in (
            WorkerState.PENDING,
            WorkerState.RUNNING,
        )

    def _check_idle(self) -> None:
        if time.monotonic() - self.last_input < self.config.idle_after:
            return
        if self.dreaming:
            if not self.awake.is_set():
                self.awake.set()
                self._tell(DreamStatus("dreaming…"))
        elif self.session_log is not None and self._last_dream_input != self.last_input:
            # One idle dream per idle spell: the next waits for the user to come and go again.
            self.awake.set()
            self._dream = self.dream("idle")

    def action_dream(self) -> None:
        """Review new sessions now; a paused idle dream goes on instead of waiting."""
        self.awake.set()
        if not self.dreaming:
            self._dream = self.dream("manual")

    def _tell(self, message: Message) -> None:
        for screen in self.screen_stack:
            screen.post_message(message)

    @work(exclusive=True, group="dream", exit_on_error=False)
    async def dream(self, trigger: str) -> None:
        """Run one dream in the background; the status line follows it."""
        # The dreamer's first import compiles its patterns: in a thread, not in a frame.
        dreaming = await asyncio.to_thread(importlib.import_module, "app.dream_model")
        dream_as_configured = dreaming.dream_as_configured

        self._last_dream_input = self.last_input
        log = await self.open_log()
        awake = self.awake if trigger == "idle" else None

        shown = 0.0

        def progress(done: int, total: int) -> None:
            # A step that finishes after a keypress must not overwrite "paused".
            nonlocal shown
            paused = awake is not None and not awake.is_set()
            if paused:
                self._tell(DreamStatus("dream paused"))
            elif time.monotonic() - shown >= PROGRESS_EVERY_S:
                # A step takes milliseconds; a frame per step would cost more than the step.
                shown = time.monotonic()
                self._tell(DreamStatus(f"dreaming {done}/{total}"))

        summary, model_error = await dream_as_configured(
            log, self.config, trigger=trigger, awake=awake, progress=progress
        )
        if model_error:
            self.notify(f"dreamt offline: {model_error}", title="Dream", severity="warning")
        if not summary.sessions_reviewed and not summary.proposals and trigger == "idle":
            return
        found = sum(summary.proposals.values())
        self._tell(
            DreamStatus(f"dreamt: {found} new proposals" if found else "dreamt: nothing new")
        )
        if found:
            # Our own commits do not wake the database watcher: tell the inbox and its count.
            self._tell(DatabaseChanged())
            # A dream with no new session only topped the inbox's page up from what waited.
            source = (
                f"{summary.sessions_reviewed} sessions"
                if summary.sessions_reviewed
                else "what was held back"
            )
            self.notify(
                f"{found} new proposals from {source}: ctrl+r opens the inbox",
                title="Dream",
                markup=False,
            )

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        # A dream the database refused (disk full) or that broke must say so, not leave the
        # status line on its last step.
        if event.worker.group == "dream" and event.state is WorkerState.ERROR:
            self._tell(DreamStatus("dream failed"))
            error = event.worker.error
            self.notify(f"{error}", title="Dream failed", severity="error", markup=False)

    async def on_inbox_screen_open_session(self, event: InboxScreen.OpenSession) -> None:
        """Enter on a proposal: back to the chat, showing the session of its evidence."""
        self.pop_screen()
        if isinstance(self.screen, ChatScreen):
            await self.screen.open_session(event.session_id)

    def action_help(self) -> None:
        """Every screen's keys, and what the inbox, dreams and memory are (again: closed)."""
        from app.tui.screens.help_screen import HelpScreen

        if isinstance(self.screen, HelpScreen):
            self.screen.dismiss()
        else:
            self.push_screen(HelpScreen(self.help_sections()))

    def help_sections(self) -> list[KeySection]:
        """The keys the help lists, screen by screen, from the screens' own bindings."""
        from app.tui.screens.edit_screen import EditScreen
        from app.tui.screens.help_screen import KeySection
        from app.tui.screens.inbox_screen import InboxScreen
        from app.tui.screens.memory_screen import MemoryScreen
        from app.tui.screens.permission_screen import PermissionScreen

        palette = Binding(self.COMMAND_PALETTE_BINDING, "command_palette", "Command palette")
        return [
            KeySection(
                "Everywhere",
                [*self.BINDINGS, palette],
                type(self),
                "The command palette reaches every action: Dream now, Inbox, Memory, New session…",
            ),
            KeySection(
                "Chat",
                ChatScreen.BINDINGS,
                ChatScreen,
                "Tool calls and turns you did not type are folded: tab moves to one, enter "
                "opens or folds it. In the sidebar's search, down moves into the results and "
                "enter opens one: a session of Reverie's own goes on where it stopped; one "
                "imported from another agent stays as it was, and what you send starts a new "
                "session that continues it.",
            ),
            KeySection("Inbox", InboxScreen.BINDINGS, InboxScreen),
            KeySection(
                "Memory browser",
                MemoryScreen.BINDINGS,
                MemoryScreen,
                "In the search box, down or enter moves into the list.",
            ),
            KeySection("Permission prompt (a tool that writes or runs)", PermissionScreen.BINDINGS),
            KeySection(
                "Editing a memory", EditScreen.BINDINGS, EditScreen, "enter adopts the new wording."
            ),
        ]

    async def action_memory(self) -> None:
        """Open the memory browser (from any screen)."""
        from app.tui.screens.memory_screen import MemoryScreen

        self.push_screen(MemoryScreen(await self.open_log(), await self.memory()))

    def on_log_opened(self, event: LogOpened) -> None:
        # Watching starts once the first view is on screen: it is not needed for the first frame.
        self.watch_database(event.version)

    @work(exclusive=True, group="handed", exit_on_error=False)
    async def refresh_handed(self) -> None:
        """When memory changed (a decision, a dream, another process), compute again what
        Claude Code's hook hands each project it keeps, so its next start there is served at
        once rather than computed while Claude Code waits (docs/claude-code.md)."""
        if self.session_log is None:
            return
        from app.integrations.handed import refresh_after_change

        await refresh_after_change(self.session_log, self.config.home)

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
        gc.unfreeze()
        if self.session_log is not None:
            await self.session_log.close()
            self.session_log = None

    def get_system_commands(self, screen: Screen[Any]) -> Iterable[SystemCommand]:
        # Textual's "Keys" panel lists its generic editing keys before Reverie's: the help
        # screen takes its place.
        for command in super().get_system_commands(screen):
            if command.title != "Keys":
                yield command
        yield SystemCommand(
            "Help", "Every screen's keys; what the inbox, dreams and memory are", self.action_help
        )
        yield SystemCommand("Dream now", "Review new sessions and propose", self.action_dream)
        yield SystemCommand("Memory", "Browse what Reverie remembers", self.action_memory)
        if isinstance(screen, ChatScreen):
            yield SystemCommand(
                "New session", "Start a new conversation", screen.action_new_session
            )
            yield SystemCommand("Search sessions", "Full-text search", screen.action_search)
            if screen.replying:
                yield SystemCommand(
                    "Cancel reply",
                    "Stop the running reply (kept, marked interrupted)",
                    screen.action_cancel_reply,
                )
            yield SystemCommand(
                "Toggle sidebar", "Show or hide the sessions list", screen.action_toggle_sidebar
            )
            yield SystemCommand(
                "Private session",
                "Make the open session private, or ordinary again",
                screen.action_toggle_private,
            )
            yield SystemCommand("Inbox", "Judge what the dreamer proposes", screen.action_inbox)
