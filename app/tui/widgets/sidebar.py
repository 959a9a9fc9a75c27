"""The sessions sidebar: recent sessions, full-text search, open one, start a new one."""

from __future__ import annotations

import asyncio

from textual import events, on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Input, Label, ListItem, ListView

from memory_graph.records import SearchHit, Session
from memory_graph.session_log import SessionLog

RECENT_LIMIT = 200
SEARCH_DEBOUNCE_S = 0.15


class SessionItem(ListItem):
    """One session in the list, with a second line of detail (date and size, or a snippet)."""

    def __init__(self, session_id: int, title: str, detail: str) -> None:
        super().__init__(
            Label(Content(" ".join(title.split()) or "(untitled)"), classes="session-title"),
            Label(Content(detail), classes="session-detail"),
        )
        self.session_id = session_id


def _detail(session: Session) -> str:
    when = (session.ended or session.started)[:16].replace("T", " ")
    source = "" if session.source == "reverie" else f" · {session.source}"
    return f"#{session.id} · {when} · {session.message_count} msgs{source}"


class SessionsSidebar(Vertical):
    """Lists sessions; typing in the search box runs a full-text search of every message."""

    class Selected(Message):
        """The user chose a session to open."""

        def __init__(self, session_id: int) -> None:
            super().__init__()
            self.session_id = session_id

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.session_log: SessionLog | None = None
        self.query_text = ""

    def compose(self) -> ComposeResult:
        yield Input(placeholder="Search sessions…", id="search")
        yield ListView(id="session-list")

    async def attach(self, log: SessionLog) -> None:
        """Start listing sessions from this log."""
        self.session_log = log
        await self.refresh_sessions()

    async def refresh_sessions(self) -> None:
        """Show the recent sessions, or re-run the current search."""
        if self.session_log is None:
            return
        if self.query_text.strip():
            await self._show_hits(await self.session_log.search(self.query_text))
        else:
            await self._show_sessions(await self.session_log.list_sessions(limit=RECENT_LIMIT))

    async def _show_sessions(self, sessions: list[Session]) -> None:
        items = [SessionItem(s.id, s.title, _detail(s)) for s in sessions]
        await self._replace(items, "no sessions yet")

    async def _show_hits(self, hits: list[SearchHit]) -> None:
        items = [SessionItem(h.session_id, h.session_title, h.snippet) for h in hits]
        await self._replace(items, "no matches")

    async def _replace(self, items: list[SessionItem], empty: str) -> None:
        listing = self.query_one("#session-list", ListView)
        await listing.clear()
        if items:
            await listing.extend(items)
            listing.index = 0
        else:
            await listing.append(ListItem(Label(Content(empty)), disabled=True))

    def focus_search(self) -> None:
        """Put the cursor in the search box."""
        self.query_one("#search", Input).focus()

    def on_key(self, event: events.Key) -> None:
        # Down from the search box moves into the results, as in any search field.
        focused = self.screen.focused
        if event.key == "down" and isinstance(focused, Input) and focused.id == "search":
            self.query_one("#session-list", ListView).focus()
            event.stop()

    @on(Input.Changed, "#search")
    def _search_changed(self, event: Input.Changed) -> None:
        self.query_text = event.value
        self._search()

    @work(exclusive=True, group="sidebar-search", exit_on_error=False)
    async def _search(self) -> None:
        # Exclusive: each keystroke cancels the previous search, so only a pause runs one.
        await asyncio.sleep(SEARCH_DEBOUNCE_S)
        await self.refresh_sessions()

    @on(ListView.Selected, "#session-list")
    def _selected(self, event: ListView.Selected) -> None:
        if isinstance(event.item, SessionItem):
            self.post_message(self.Selected(event.item.session_id))
