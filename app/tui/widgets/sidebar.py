"""The sessions sidebar: recent sessions (each with those it spawned nested under it), full-text
search, open one, start a new one."""

from __future__ import annotations

import asyncio

from textual import events, on, work
from textual.app import ComposeResult
from textual.containers import Vertical
from textual.content import Content
from textual.message import Message
from textual.widgets import Input, OptionList
from textual.widgets.option_list import Option

from app.origins import readable, shown_title
from app.terminal import one_line, when
from memory_graph.store.records import Session
from memory_graph.store.session_log import SessionLog

RECENT_LIMIT = 200
SEARCH_DEBOUNCE_S = 0.15
LINE_LIMIT = 200
"""Characters kept of a title or snippet: the list cuts each line to its width (…)."""


def _entry(session_id: int, title: str, detail: str) -> Option:
    # One OptionList line pair per session: a single widget renders them all, which keeps
    # start-up fast with hundreds of sessions (a widget per row costs ~3 ms each to lay out).
    # One line each, cut to the list's width (text-wrap: nowrap): a wrapped title would push
    # its `#N · date · msgs` line and the other sessions off the list.
    title = one_line(title, LINE_LIMIT) or "(untitled)"
    prompt = Content.assemble((title, "bold"), "\n", (one_line(detail, LINE_LIMIT), "dim"))
    return Option(prompt, id=str(session_id))


def _detail(session: Session) -> str:
    source = "" if session.source == "reverie" else f" · {session.source}"
    private = " · private" if session.private else ""
    last = when(session.started, session.ended)
    # The count before the date: in a narrow sidebar the line is cut at the time of day.
    return f"#{session.id} · {session.message_count} msgs · {last}{source}{private}"


class SessionsSidebar(Vertical):
    """Lists sessions; typing in the search box runs a full-text search of every message."""

    DEFAULT_CSS = """
    SessionsSidebar > #search {
        margin: 0 0 1 0;
    }
    SessionsSidebar > #session-list {
        height: 1fr;
        text-wrap: nowrap;
        text-overflow: ellipsis;
    }
    """

    class Selected(Message):
        """The user chose a session to open."""

        def __init__(self, session_id: int) -> None:
            super().__init__()
            self.session_id = session_id

    def __init__(self, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.session_log: SessionLog | None = None
        self.query_text = ""
        self.listed: list[int] = []
        """Ids of the sessions shown, in order."""
        self._shown: tuple[list[tuple[int, str, str]], str] | None = None

    def compose(self) -> ComposeResult:
        yield Input(placeholder="Search sessions…", id="search")
        yield OptionList(id="session-list")

    async def attach(self, log: SessionLog) -> None:
        """Start listing sessions from this log."""
        self.session_log = log
        await self.refresh_sessions()

    async def refresh_sessions(self) -> None:
        """Show the recent sessions, or re-run the current search."""
        if self.session_log is None:
            return
        if self.query_text.strip():
            hits = await self.session_log.search(self.query_text)
            rows = [(h.session_id, readable(h.session_title), h.snippet) for h in hits]
            self._show(rows, "no matches")
        else:
            # Sub-agents and compaction runs come nested under the session that spawned them.
            sessions = await self.session_log.list_sessions(limit=RECENT_LIMIT)
            rows = [(s.id, shown_title(s), _detail(s)) for s in sessions]
            self._show(rows, "no sessions yet")

    def _show(self, rows: list[tuple[int, str, str]], empty: str) -> None:
        if self._shown == (rows, empty):
            # Another write that changed no session (a dream, a proposal): nothing to redraw,
            # and rebuilding 200 entries would cost a frame.
            return
        self._shown = (rows, empty)
        listing = self.query_one("#session-list", OptionList)
        # A refresh (another process wrote) keeps the cursor on the session it was on.
        current = listing.highlighted_option.id if listing.highlighted_option else None
        listing.clear_options()
        self.listed = [session_id for session_id, _, _ in rows]
        if rows:
            listing.add_options(_entry(*row) for row in rows)
            ids = [str(session_id) for session_id in self.listed]
            listing.highlighted = ids.index(current) if current in ids else 0
        else:
            listing.add_option(Option(Content(empty), disabled=True))

    def focus_search(self) -> None:
        """Put the cursor in the search box."""
        self.query_one("#search", Input).focus()

    def on_key(self, event: events.Key) -> None:
        # Down from the search box moves into the results, as in any search field.
        focused = self.screen.focused
        if event.key == "down" and isinstance(focused, Input) and focused.id == "search":
            self.query_one("#session-list", OptionList).focus()
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

    @on(OptionList.OptionSelected, "#session-list")
    def _selected(self, event: OptionList.OptionSelected) -> None:
        if event.option.id is not None:
            self.post_message(self.Selected(int(event.option.id)))
