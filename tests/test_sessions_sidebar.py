"""The sessions sidebar: Ctrl+F searches past sessions and opens one (Ctrl+N starts a
new one), and a refresh keeps the cursor on its session. Sessions another process writes
appear in it as they come (test_watch.py); hidden characters in titles are written out
(test_tui_hostile.py)."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import OptionList

from app.config import Config
from app.tui.app import ReverieApp
from app.tui.widgets.conversation import UserTurn
from app.tui.widgets.sidebar import SessionsSidebar
from memory_graph.store.session_log import SessionLog
from tests.support.fake_api import FakeMessagesAPI, text
from tests.support.tui import SIZE, chat_ready, plain, send, settle


async def _sessions_about(home: Path, *topics: str) -> None:
    """One session per topic, each opened by a user message saying it."""
    async with await SessionLog.open(home) as log:
        for topic in topics:
            session = await log.create_session()
            await log.append_message(session.id, "user", [{"type": "text", "text": topic}])


async def test_sidebar_search_opens_an_old_session_to_go_on_with(
    config: Config, home: Path
) -> None:
    await _sessions_about(home, "sourdough starter", "kubernetes ingress", "tax return")
    app = ReverieApp(config)
    async with app.run_test(size=SIZE) as pilot:
        screen = await chat_ready(pilot)
        sidebar = screen.query_one(SessionsSidebar)
        assert sidebar.listed == [3, 2, 1]
        await pilot.press("ctrl+f")
        await pilot.press(*"kube")
        await pilot.pause(0.3)
        await settle(pilot)
        assert sidebar.listed == [2]
        await pilot.press("down")
        assert isinstance(screen.focused, OptionList)
        await pilot.press("enter")
        await pilot.pause()
        # A session of Reverie's own: what is sent next goes on in it.
        assert screen.session_id == 2 and screen.continues is None
        assert [plain(turn) for turn in screen.query(UserTurn)] == ["kubernetes ingress"]
        assert screen.focused is screen.prompt
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert screen.session_id is None
        assert not screen.query(UserTurn)


async def test_a_refresh_keeps_the_sidebar_cursor_on_its_session(
    config: Config, home: Path
) -> None:
    await _sessions_about(home, "first", "second", "third")
    app = ReverieApp(config)
    async with app.run_test(size=SIZE) as pilot:
        screen = await chat_ready(pilot)
        listing = screen.query_one("#session-list", OptionList)
        listing.highlighted = 1
        chosen = listing.highlighted_option.id if listing.highlighted_option else None
        async with await SessionLog.open(home) as other:
            await other.create_session(title="written elsewhere")
        await screen.query_one(SessionsSidebar).refresh_sessions()
        await pilot.pause()
        assert listing.highlighted_option is not None and listing.highlighted_option.id == chosen
        assert len(screen.query_one(SessionsSidebar).listed) == 4


async def test_an_imported_session_is_continued_in_a_new_session(
    config: Config, home: Path, fake_api: FakeMessagesAPI
) -> None:
    async with await SessionLog.open(home) as log:
        imported = await log.create_session(source="openai", external_id="conv-7")
        await log.append_message(imported.id, "user", [{"type": "text", "text": "plan the trip"}])
    fake_api.add(text("Noted."))
    app = ReverieApp(config)
    async with app.run_test(size=SIZE) as pilot:
        screen = await chat_ready(pilot)
        await screen.open_session(imported.id)
        await pilot.pause()
        assert screen.session_id is None and screen.continues is not None
        assert "Imported from openai" in str(screen.prompt.placeholder)
        await send(pilot, "and book the ferry")
        assert screen.session_id is not None and screen.session_id != imported.id
    async with await SessionLog.open(home) as log:
        continued = await log.get_session(screen.session_id)
        assert continued.continues_id == imported.id and not continued.imported
        # The imported session is as its importer left it.
        assert [m.text for m in await log.messages(imported.id)] == ["plan the trip"]
