"""A newcomer's first hour (issue 17), driven by Pilot at 80x24 and 200x50: a help screen (F1
everywhere, `?` where no text box has the focus) listing every screen's keys from their own
bindings; footers that keep Quit, Help and the inbox's enter at 80 columns and show
`esc Cancel reply` only while a reply streams; a fresh home, an empty inbox and a search that
matches nothing each saying what to do next, and the demo saying where its home is; a status
line that keeps the inbox count and the connection at 80 columns and toasts that never cover
the prompt; a sidebar whose titles stay on one line over their `#N` line, wider on wide
terminals, with Claude Code's slash-command tags read, not shown raw; Down from the memory
browser's search moving into the list."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from textual.binding import Binding
from textual.pilot import Pilot
from textual.widgets import Input, Label, OptionList, Static
from textual.widgets._toast import Toast

from app.cli import main
from app.config import Config
from app.tui.app import ReverieApp
from app.tui.screens.chat_screen import ChatScreen
from app.tui.screens.help_screen import HelpScreen
from app.tui.screens.inbox_screen import InboxScreen
from app.tui.screens.memory_screen import MemoryScreen
from app.tui.widgets.conversation import Notice, OtherTurn, UserTurn, Welcome
from app.tui.widgets.keys_footer import FooterKey, KeysFooter
from app.tui.widgets.sidebar import SessionsSidebar
from memory_graph.memory.decisions import Decision, Decisions
from memory_graph.store.session_log import SessionLog
from tests.support.demo import PROPOSED
from tests.support.fake_api import FakeMessagesAPI, text
from tests.support.inbox import inbox_json
from tests.support.tui import chat_ready, offline_config, open_inbox, plain, settle

SMALL = (80, 24)
WIDE = (200, 50)


def _shown(pilot: Pilot[None]) -> list[str]:
    """What the terminal shows, line by line."""
    return [strip.text for strip in pilot.app.screen._compositor.render_strips()]


def _text(widget: Static | Label) -> str:
    return str(widget.render())


# Help -------------------------------------------------------------------------------------


async def test_f1_opens_the_help_everywhere_and_question_mark_only_outside_a_text_box(
    dreamt: Path, workspace: Path
) -> None:
    app = ReverieApp(offline_config(dreamt, workspace))
    async with app.run_test(size=SMALL) as pilot:
        chat = await chat_ready(pilot)
        await pilot.press("question_mark")  # the prompt has the focus: `?` is typed
        assert chat.prompt.value == "?" and app.screen is chat
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("escape")
        await settle(pilot)
        assert app.screen is chat and chat.prompt.value == "?"
        inbox = await open_inbox(pilot)
        await pilot.press("question_mark")  # the list has the focus: `?` is help
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)
        await pilot.press("f1")  # F1 again closes it
        await settle(pilot)
        assert app.screen is inbox
        await pilot.press("ctrl+g", "slash")
        await settle(pilot)
        memory = app.screen
        assert isinstance(memory, MemoryScreen)
        await pilot.press("question_mark")
        assert memory.query_one("#memory-search", Input).value == "?"
        await pilot.press("f1")
        await settle(pilot)
        assert isinstance(app.screen, HelpScreen)


async def test_the_help_lists_every_screens_keys_from_their_bindings(
    home: Path, workspace: Path
) -> None:
    app = ReverieApp(offline_config(home, workspace))
    async with app.run_test(size=WIDE) as pilot:
        await chat_ready(pilot)
        await pilot.press("f1")
        await settle(pilot)
        help_screen = app.screen
        assert isinstance(help_screen, HelpScreen)
        shown = "\n".join(_text(part) for part in help_screen.query(Static))
        # Every key a screen binds with a name is there, with that name: nothing drifts.
        for owner in (ReverieApp, ChatScreen, InboxScreen, MemoryScreen):
            for binding in Binding.make_bindings(owner.BINDINGS):
                if binding.description:
                    assert binding.description in shown, (owner.__name__, binding)
                    assert app.get_key_display(binding) in shown, (owner.__name__, binding)
        assert "Retire the highlighted memory" in shown  # an action's own docstring
        for idea in ("The inbox (ctrl+r)", "A dream reviews", "Memory (ctrl+g) is"):
            assert idea in shown
        assert "tab moves to one, enter opens" in shown
        titles = [command.title for command in app.get_system_commands(app.screen)]
        assert "Help" in titles and "Keys" not in titles


# Footers ----------------------------------------------------------------------------------


async def test_at_80_columns_the_footers_keep_quit_help_and_enter(
    dreamt: Path, workspace: Path
) -> None:
    app = ReverieApp(offline_config(dreamt, workspace))
    async with app.run_test(size=SMALL) as pilot:
        chat = await chat_ready(pilot)
        footer = _shown(pilot)[-1]
        for key in ("^q Quit", "f1 Help", "^r Inbox", "^g Memory", "^p palette"):
            assert key in footer, footer
        actions = [key.action for key in chat.query_one(KeysFooter).query(FooterKey)]
        assert "cancel_reply" not in actions  # nothing streams
        await open_inbox(pilot)
        footer = _shown(pilot)[-1]
        for key in ("⏎ Open", "a Adopt", "u Undo", "esc Back", "^g Memory", "f1 Help", "^q Quit"):
            assert key in footer, footer


async def test_escape_cancel_reply_shows_only_while_a_reply_streams(
    config: Config, fake_api: FakeMessagesAPI
) -> None:
    fake_api.add(text(*[f"w{i} " for i in range(200)], delay=0.02))
    app = ReverieApp(config)
    async with app.run_test(size=SMALL) as pilot:
        chat = await chat_ready(pilot)

        def footer_actions() -> list[str]:
            return [key.action for key in chat.query_one(KeysFooter).query(FooterKey)]

        assert "cancel_reply" not in footer_actions()
        chat.prompt.value = "a long story"
        await pilot.press("enter")
        while not chat.replying:
            await pilot.pause(0.02)
        await pilot.pause(0.1)
        assert "cancel_reply" in footer_actions() and "esc Cancel reply" in _shown(pilot)[-1]
        titles = [command.title for command in app.get_system_commands(chat)]
        assert "Cancel reply" in titles
        await pilot.press("escape")
        await settle(pilot)
        assert "cancel_reply" not in footer_actions()
        titles = [command.title for command in app.get_system_commands(chat)]
        assert "Cancel reply" not in titles


# First screen and empty states ------------------------------------------------------------


async def test_a_fresh_home_greets_with_what_to_do_first_not_with_no_model(
    home: Path, workspace: Path
) -> None:
    app = ReverieApp(offline_config(home, workspace))
    async with app.run_test(size=SMALL) as pilot:
        chat = await chat_ready(pilot)
        assert not chat.query(Notice)  # nothing went wrong: nothing to warn about
        welcome = plain(chat.query_one(Welcome))
        for step in ("reverie import", "reverie demo", "make demo", "ANTHROPIC_API_KEY", "F1"):
            assert step in welcome
        status = _shown(pilot)[-2]
        assert "no model" in status and "…" not in status
        # Once they write, the welcome makes way and the chat says what is missing.
        chat.prompt.value = "hello?"
        await pilot.press("enter")
        await settle(pilot)
        assert not chat.query(Welcome)
        assert "ANTHROPIC_BASE_URL" in plain(chat.query_one(Notice))


async def test_a_home_with_sessions_opens_without_the_welcome(
    dreamt: Path, workspace: Path
) -> None:
    app = ReverieApp(offline_config(dreamt, workspace))
    async with app.run_test(size=SMALL) as pilot:
        chat = await chat_ready(pilot)
        assert not chat.query(Welcome) and not chat.query(Notice)


async def test_the_empty_inbox_says_dream_now_makes_proposals(home: Path, workspace: Path) -> None:
    app = ReverieApp(offline_config(home, workspace))
    async with app.run_test(size=SMALL) as pilot:
        inbox = await open_inbox(pilot)
        detail = inbox.query_one("#proposals Static", Static)
        assert "ctrl+p → Dream now" in _text(detail)
        assert "reverie import" in _text(detail)
        titles = [command.title for command in app.get_system_commands(inbox)]
        assert "Dream now" in titles  # what the empty inbox says works from the inbox itself


async def test_the_demo_opens_on_a_welcome_that_says_where_its_home_is(
    dreamt: Path, workspace: Path
) -> None:
    app = ReverieApp(offline_config(dreamt, workspace), inbox_first=True)
    async with app.run_test(size=SMALL) as pilot:
        await settle(pilot)
        inbox = app.screen
        assert isinstance(inbox, InboxScreen)
        welcome = _text(inbox.query_one("#inbox-welcome", Label))
        assert "Welcome to the demo" in welcome
        assert f"reverie --home {dreamt}" in welcome


def test_reverie_demo_says_how_to_open_its_home_again(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import app.cli.tui as tui

    opened: list[Config] = []
    monkeypatch.setattr(tui, "_run_tui", lambda config, inbox_first: opened.append(config) or 0)
    home = tmp_path / "demo-home"
    assert main(["demo", "--home", str(home)]) == 0
    err = capsys.readouterr().err
    assert opened and opened[0].home == home
    again = f"`reverie --home {home}` opens it again"
    assert err.count(again) == 2 and err.rstrip().endswith(again)


async def _adopt(home: Path, count: int) -> None:
    """Adopt the first `count` proposals of the inbox: memories to browse."""
    async with await SessionLog.open(home) as log:
        waiting = [p["id"] for p in await inbox_json(log)]
        await Decisions(log).decide(Decision.ADOPT, waiting[:count])


async def test_a_search_that_matches_nothing_says_so_while_memories_exist(
    dreamt: Path, workspace: Path
) -> None:
    await _adopt(dreamt, 3)
    app = ReverieApp(offline_config(dreamt, workspace))
    async with app.run_test(size=SMALL) as pilot:
        await chat_ready(pilot)
        await pilot.press("ctrl+g", "slash", *"zzzqx")
        await pilot.pause(0.3)
        await settle(pilot)
        memory = app.screen
        assert isinstance(memory, MemoryScreen)
        detail = _text(memory.query_one("#memories Static", Static))
        assert detail.startswith("No memory matches “zzzqx”")
        memory.query_one("#memory-search", Input).value = ""
        await pilot.pause(0.3)
        await settle(pilot)
        assert memory.current is not None


async def test_a_memory_browser_with_no_memory_says_how_to_get_some(
    home: Path, workspace: Path
) -> None:
    app = ReverieApp(offline_config(home, workspace))
    async with app.run_test(size=SMALL) as pilot:
        await chat_ready(pilot)
        await pilot.press("ctrl+g")
        await settle(pilot)
        assert isinstance(app.screen, MemoryScreen)
        detail = _text(app.screen.query_one("#memories Static", Static))
        assert detail.startswith("No memory here yet") and "ctrl+r" in detail


# Small terminals --------------------------------------------------------------------------


async def test_at_80x24_the_status_line_keeps_the_inbox_and_the_connection(
    dreamt: Path, workspace: Path
) -> None:
    app = ReverieApp(offline_config(dreamt, workspace))
    async with app.run_test(size=SMALL) as pilot:
        chat = await chat_ready(pilot)
        status = _shown(pilot)[-2]
        assert f"inbox {PROPOSED}" in status and "○ no model" in status, status
        assert "…" not in status
    app = ReverieApp(offline_config(dreamt, workspace))
    async with app.run_test(size=WIDE) as pilot:
        chat = await chat_ready(pilot)
        status = _shown(pilot)[-2]
        assert f"inbox {PROPOSED} (ctrl+r)" in status and "set ANTHROPIC_API_KEY" in status
        assert chat.status_line.region.width == WIDE[0]


@pytest.mark.parametrize("size", [SMALL, WIDE])
async def test_toasts_never_cover_the_prompt_or_the_status_line(
    home: Path, workspace: Path, size: tuple[int, int]
) -> None:
    app = ReverieApp(offline_config(home, workspace))
    async with app.run_test(size=size, notifications=True) as pilot:
        chat = await chat_ready(pilot)
        for n in range(3):
            app.notify(f"note {n}: a notification long enough to wrap onto a second line or two")
        await pilot.pause(0.2)
        toasts = list(chat.query(Toast))
        assert len(toasts) == 3
        for toast in toasts:
            for covered in (chat.prompt, chat.status_line, chat.query_one(KeysFooter)):
                assert not toast.region.overlaps(covered.region), (toast.region, covered)


# The sidebar ------------------------------------------------------------------------------


async def _many_sessions(home: Path) -> None:
    async with await SessionLog.open(home) as log:
        for n in range(30):
            session = await log.create_session(
                started=f"2026-01-{n % 28 + 1:02d}T08:00:00.000Z",
                title=f"Session {n} about a very long matter that never fits a sidebar's width",
            )
            await log.append_message(session.id, "user", [{"type": "text", "text": "hi"}])
        echo = await log.create_session(
            started="2026-02-01T09:00:00.000Z",
            title="<command-message>mcp</command-message> <command-name>/mcp</command-name>",
        )
        await log.append_message(
            echo.id,
            "user",
            [
                {
                    "type": "text",
                    "text": "<command-message>mcp is running…</command-message>\n"
                    "<command-name>/mcp</command-name>",
                },
                {"type": "text", "text": "which servers are connected?"},
            ],
        )


@pytest.mark.parametrize("size", [SMALL, WIDE])
async def test_sidebar_titles_stay_on_one_line_above_their_number_line(
    home: Path, workspace: Path, size: tuple[int, int]
) -> None:
    await _many_sessions(home)
    app = ReverieApp(offline_config(home, workspace))
    async with app.run_test(size=size) as pilot:
        chat = await chat_ready(pilot)
        sidebar = chat.query_one(SessionsSidebar)
        listing = sidebar.query_one("#session-list", OptionList)
        assert listing.max_scroll_y > 0  # the list scrolls: the case where titles wrapped
        region = listing.scrollable_content_region
        lines = [line[region.x : region.right].strip() for line in _shown(pilot)]
        lines = [line for line in lines[region.y : region.bottom] if line]
        assert lines[0] == "/mcp"  # the slash command, not its raw tags
        assert re.match(r"#31 · 1 msgs · 20", lines[1])
        for title, detail in zip(lines[2::2], lines[3::2], strict=False):
            assert title.startswith("Session ") and title.endswith("…"), title
            assert re.match(r"#\d+ · 1 msgs", detail), detail
        if size == WIDE:
            assert sidebar.region.width >= 55  # wider on a wide terminal
        else:
            assert sidebar.region.width <= 30


async def test_a_slash_command_echo_is_folded_not_shown_as_typed(
    home: Path, workspace: Path
) -> None:
    await _many_sessions(home)
    app = ReverieApp(offline_config(home, workspace))
    async with app.run_test(size=WIDE) as pilot:
        chat = await chat_ready(pilot)
        await chat.open_session(31)
        await settle(pilot)
        typed = [plain(turn) for turn in chat.query(UserTurn)]
        assert typed == ["which servers are connected?"]
        folded = [str(turn.title) for turn in chat.query(OtherTurn)]
        assert len(folded) == 1 and folded[0].startswith("harness") and "/mcp" in folded[0]
        assert "<command-name>" not in folded[0]


# The memory browser's search --------------------------------------------------------------


async def test_down_from_the_memory_search_moves_into_the_list(
    dreamt: Path, workspace: Path
) -> None:
    await _adopt(dreamt, 2)
    app = ReverieApp(offline_config(dreamt, workspace))
    async with app.run_test(size=SMALL) as pilot:
        await chat_ready(pilot)
        await pilot.press("ctrl+g")
        await settle(pilot)
        memory = app.screen
        assert isinstance(memory, MemoryScreen)
        search = memory.query_one("#memory-search", Input)
        await pilot.press("slash", *"pip")
        await pilot.pause(0.3)
        await settle(pilot)
        assert memory.current is not None
        await pilot.press("down", "x")
        await settle(pilot)
        assert search.value == "pip"  # x retired a memory instead of joining the query
        assert memory.focused is memory.listing
        assert any("retired memory" in str(n.message) for n in app._notifications)
