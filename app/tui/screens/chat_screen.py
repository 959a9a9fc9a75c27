"""The main screen: sessions sidebar, conversation, prompt and status line."""

from __future__ import annotations

import asyncio
import contextlib
import importlib

from textual import on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.screen import Screen
from textual.widgets import Input
from textual.worker import Worker, WorkerState

from app.agent.loop import Agent
from app.config import Config
from app.tui.core import app_of
from app.tui.messages import DatabaseChanged, DreamStatus, LogOpened
from app.tui.observer import ScreenObserver
from app.tui.widgets.conversation import Conversation
from app.tui.widgets.keys_footer import KeysFooter
from app.tui.widgets.sidebar import SessionsSidebar
from app.tui.widgets.status_line import StatusLine
from memory_graph.memory.inbox import count_pending
from memory_graph.store.errors import StoreError
from memory_graph.store.records import Session
from memory_graph.store.session_log import SessionLog

PROMPT = "Message Reverie…  (enter sends · F1 help)"
CONTINUE_PROMPT = "Imported from {source}: what you send starts a new session that continues it"
PREIMPORT_AFTER_S = 1.0


def welcome(config: Config) -> str:
    """What a fresh home opens on: what Reverie does and what to do first."""
    model = (
        "or just type below: enter sends"
        if config.connected
        else "to chat, set ANTHROPIC_API_KEY (or ANTHROPIC_BASE_URL) and start Reverie again"
    )
    return (
        "Welcome to Reverie. It keeps your conversations, dreams over them while you are away "
        "and proposes what to remember: nothing is remembered until you adopt it.\n"
        "To begin:\n"
        "• import what you have: `reverie import ~/.claude/projects` (or chats.json)\n"
        "• or try the demo: `reverie demo` (`make demo` in a checkout)\n"
        f"• {model}\n"
        "F1 lists every key; ctrl+p every action."
    )


class ChatScreen(Screen[None]):
    """Chat with the agent; browse and search earlier sessions read-only."""

    CSS_PATH = "chat_screen.tcss"
    BINDINGS = [
        Binding("escape", "cancel_reply", "Cancel reply"),
        Binding("ctrl+n", "new_session", "New"),
        Binding("ctrl+f", "search", "Search"),
        Binding("ctrl+b", "toggle_sidebar", "Sidebar"),
        Binding("ctrl+r", "inbox", "Inbox"),
        # Listed in the help (F1), not in the footer: at 80 columns they would push Quit off it.
        Binding("f6", "mark('good')", "Good reply", show=False),
        Binding("f7", "mark('bad')", "Bad reply", show=False),
        Binding("f8", "mark('success')", "Session went well", show=False),
        Binding("f9", "mark('failure')", "Session failed", show=False),
        Binding("pageup", "scroll_conversation(-1)", "Scroll up", show=False),
        Binding("pagedown", "scroll_conversation(1)", "Scroll down", show=False),
    ]

    def __init__(self, config: Config) -> None:
        super().__init__()
        self.config = config
        self.session_log: SessionLog | None = None
        self.agent: Agent | None = None
        self.session_id: int | None = None
        self.continues: Session | None = None
        """The imported session shown, which what is typed next continues in a new session."""
        self._reply: Worker[None] | None = None

    def compose(self) -> ComposeResult:
        with Horizontal():
            yield SessionsSidebar(id="sidebar")
            with Vertical(id="main"):
                yield Conversation(id="conversation")
                yield Input(placeholder=PROMPT, id="prompt")
        # The whole width: at 80 columns the inbox count and the connection still fit.
        yield StatusLine(self.config, id="status")
        yield KeysFooter()

    @property
    def conversation(self) -> Conversation:
        """The transcript pane."""
        return self.query_one(Conversation)

    @property
    def status_line(self) -> StatusLine:
        """The line under the prompt."""
        return self.query_one(StatusLine)

    @property
    def prompt(self) -> Input:
        """Where the user types; it keeps the focus."""
        return self.query_one("#prompt", Input)

    @property
    def replying(self) -> bool:
        """True while a reply is being produced."""
        return self._reply is not None and self._reply.state in (
            WorkerState.PENDING,
            WorkerState.RUNNING,
        )

    def on_mount(self) -> None:
        self.prompt.focus()
        self._start()

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Escape cancels a reply only while one streams: otherwise it is not in the footer."""
        if action == "cancel_reply":
            return self.replying
        return True

    @work(exclusive=True, group="startup", exit_on_error=False)
    async def _start(self) -> None:
        """Open the log after the first frame, so start-up never waits on the disk."""
        self.session_log = await app_of(self).open_log()
        self.agent = Agent(self.session_log, self.config)
        version = await self.session_log.data_version()
        await self.query_one(SessionsSidebar).attach(self.session_log)
        await self.count_inbox()
        self.post_message(LogOpened(version))
        if app_of(self).inbox_first and self.status_line.inbox:
            self.action_inbox(welcome=True)
        elif not self.query_one(SessionsSidebar).listed:
            await self.conversation.add_welcome(welcome(self.config))
        # Markdown rendering is needed only from the first reply on, recall from the first
        # turn: imported in a thread once the first frames are out (an import competes with
        # them for the interpreter).
        self.set_timer(PREIMPORT_AFTER_S, self._preimport)
        if self.config.connected:
            self.status_line.activity = "ready"
            # Importing the SDK takes seconds: do it off the event loop before the first send.
            await asyncio.to_thread(importlib.import_module, "anthropic")
        else:
            # Said on the status line, calmly: the chat says more if they send a message.
            self.status_line.activity = "idle"

    @work(group="preimport", exit_on_error=False)
    async def _preimport(self) -> None:
        await asyncio.to_thread(importlib.import_module, "app.tui.widgets.reply")
        await asyncio.to_thread(importlib.import_module, "memory_graph.memory.recall")

    # Sending ----------------------------------------------------------------------------

    @on(Input.Submitted, "#prompt")
    def _submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if not text:
            return
        if self.agent is None:
            self.notify("Still opening the session log…", markup=False)
        elif self.replying:
            self.notify("A reply is running: escape cancels it.", markup=False)
        else:
            event.input.clear()
            self._reply = self._send(text)
            self.refresh_bindings()

    @work(exclusive=True, group="reply", exit_on_error=False)
    async def _send(self, text: str) -> None:
        assert self.agent is not None
        try:
            if self.session_id is None:
                session = await self.agent.new_session(continues=self.continues)
                self.session_id, self.continues = session.id, None
                self.status_line.session = f"session {session.id}"
                self.prompt.placeholder = PROMPT
            await self.conversation.add_user(text)
            observer = ScreenObserver(self.conversation, self.status_line)
            result = await self.agent.run_turn(self.session_id, text, observer)
            self.status_line.activity = "ready" if result.status == "ok" else result.status
        except Exception as error:  # any failure: the message is never lost with it
            await self._unsent(text, error)
        except asyncio.CancelledError:
            await self.conversation.end_reply(interrupted=True)
            self.status_line.activity = "interrupted"
            raise
        finally:
            self.prompt.focus()
            await self.query_one(SessionsSidebar).refresh_sessions()

    async def _unsent(self, text: str, error: Exception) -> None:
        """The turn failed (the database locked by another writer past the busy timeout, the
        disk full, or a fault of ours): if the user's message is not in the log, it goes back
        into the prompt."""
        logged = False
        if self.session_id is not None and self.session_log is not None:
            with contextlib.suppress(Exception):  # a log that cannot be read kept nothing
                messages = await self.session_log.messages(self.session_id)
                logged = any(m.role == "user" and m.text == text for m in messages[-3:])
        if not logged and not self.prompt.value:
            self.prompt.value = text
        if not logged:
            await self.conversation.add_notice("(not saved: it is back in the prompt)", error=True)
        self.status_line.activity = "error" if logged else "not saved"
        again = "" if logged else " Your message is back in the prompt: enter sends it again."
        title = "Could not save" if isinstance(error, StoreError) else "Something went wrong"
        self.notify(f"{error}.{again}", title=title, severity="error", markup=False)

    def on_worker_state_changed(self, event: Worker.StateChanged) -> None:
        if event.worker.group == "reply":
            self.refresh_bindings()  # escape cancels a reply only while one runs
        # Workers do not exit the app on error; say what went wrong instead of failing silently.
        if event.state is WorkerState.ERROR and event.worker.group in ("reply", "startup"):
            error = event.worker.error
            self.status_line.activity = "error"
            self.notify(f"{error}", title="Something went wrong", severity="error", markup=False)

    def on_dream_status(self, event: DreamStatus) -> None:
        """The dreamer's progress shows where the agent's does."""
        if not self.replying:
            self.status_line.activity = event.text

    async def on_database_changed(self, _: DatabaseChanged) -> None:
        """Sessions written by another process appear in the sidebar, proposals in the count."""
        await self.query_one(SessionsSidebar).refresh_sessions()
        await self.count_inbox()

    async def count_inbox(self) -> None:
        """Show how many proposals wait in the inbox."""
        if self.session_log is None:
            return
        self.status_line.inbox = await count_pending(self.session_log)

    def on_screen_resume(self) -> None:
        # Back from the inbox: decisions there changed the count.
        self.run_worker(self.count_inbox(), group="inbox-count", exclusive=True)

    # Actions ----------------------------------------------------------------------------

    def action_cancel_reply(self) -> None:
        """Stop the running reply; what streamed so far is kept, marked interrupted."""
        if self.replying and self._reply is not None:
            self._reply.cancel()
        self.prompt.focus()

    async def action_new_session(self) -> None:
        """Start a fresh session (created when its first message is sent)."""
        if self.replying:
            self.notify("A reply is running: escape cancels it first.", markup=False)
            return
        self.session_id = None
        self.continues = None
        self.status_line.session = "new session"
        self.prompt.placeholder = PROMPT
        await self.conversation.clear()
        self.prompt.focus()

    async def action_toggle_private(self) -> None:
        """Make the open session private (dreams skip it; memory only it backs is not recalled),
        or ordinary again."""
        if self.session_id is None or self.session_log is None:
            self.notify("Open a session first: a new one has nothing to keep yet.", markup=False)
            return
        try:
            session = await self.session_log.get_session(self.session_id)
            session = await self.session_log.set_private(session.id, not session.private)
        except StoreError as error:
            self.notify(f"{error}", title="Could not save", severity="error", markup=False)
            return
        self.notify(
            f"Session {session.id} is private: dreams skip it and memory only it backs is not "
            "recalled."
            if session.private
            else f"Session {session.id} is no longer private.",
            markup=False,
        )
        await self.query_one(SessionsSidebar).refresh_sessions()

    async def action_mark(self, verdict: str) -> None:
        """The person's word on the latest reply (good, bad) or on the session (success,
        failure): an event in the log the dreamer weighs."""
        from memory_graph.store.errors import StoreError
        from memory_graph.store.marks import Mark, mark

        if self.session_log is None or self.session_id is None:
            self.notify("Nothing to mark yet: send a message first.", markup=False)
            return
        chosen = Mark(verdict)
        try:
            marked = await mark(self.session_log, self.session_id, chosen)
        except StoreError as error:
            self.notify(str(error), severity="warning", markup=False)
            return
        what = "this session" if chosen.of_session else f"reply {marked}"
        self.notify(f"Marked {what} {chosen}.", markup=False)

    def action_inbox(self, welcome: bool = False) -> None:
        """Open the inbox of proposals (`welcome`: with the demo's word of welcome)."""
        if self.session_log is None:
            self.notify("Still opening the session log…", markup=False)
            return
        from app.tui.screens.inbox_screen import InboxScreen, demo_welcome

        greeting = demo_welcome(str(self.config.home)) if welcome else ""
        self.app.push_screen(InboxScreen(self.session_log, greeting))

    def action_search(self) -> None:
        """Search every session's messages."""
        sidebar = self.query_one(SessionsSidebar)
        sidebar.display = True
        sidebar.focus_search()

    def action_toggle_sidebar(self) -> None:
        """Show or hide the sessions sidebar."""
        sidebar = self.query_one(SessionsSidebar)
        sidebar.display = not sidebar.display
        self.prompt.focus()

    def action_scroll_conversation(self, direction: int) -> None:
        """Page the conversation up or down."""
        if direction < 0:
            self.conversation.scroll_page_up()
        else:
            self.conversation.scroll_page_down()

    @on(SessionsSidebar.Selected)
    async def _open_session(self, event: SessionsSidebar.Selected) -> None:
        await self.open_session(event.session_id)

    async def open_session(self, session_id: int) -> None:
        """Show an earlier session: Reverie's own to go on with, an imported one to continue
        in a new session."""
        if self.session_log is None:
            return
        if self.replying:
            self.notify("A reply is running: escape cancels it first.", markup=False)
            return
        from memory_graph.memory.recall.logged import turn_recalls

        session = await self.session_log.get_session(session_id)
        messages = await self.session_log.messages(session.id)
        events = await self.session_log.events(session.id)
        recalls = await turn_recalls(self.session_log, events)
        await self.conversation.show_messages(messages, recalls)
        # Reverie's own session goes on where it stopped; an imported one is its importer's
        # alone: what is typed starts a session of Reverie's that continues it.
        self.session_id = None if session.imported else session.id
        self.continues = session if session.imported else None
        if session.imported:
            self.status_line.session = f"session {session.id} ({session.source}, read-only)"
            self.prompt.placeholder = CONTINUE_PROMPT.format(source=session.source)
        else:
            self.status_line.session = f"session {session.id}"
            self.prompt.placeholder = PROMPT
        self.prompt.focus()
