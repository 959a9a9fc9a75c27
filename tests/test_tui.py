"""The chat TUI driven by Pilot, against the local Messages API server."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest
from textual.widgets import Input, OptionList
from textual.widgets.markdown import MarkdownBlock

from app.config import Config
from app.tui.app import ReverieApp
from app.tui.screens.chat_screen import ChatScreen
from app.tui.screens.permission_screen import PermissionScreen
from app.tui.widgets.conversation import Notice, ToolCallView, UserTurn
from app.tui.widgets.reply import Reply
from app.tui.widgets.sidebar import SessionsSidebar
from memory_graph.store.session_log import SessionLog
from tests.demo import PROPOSED
from tests.fake_api import FakeMessagesAPI, text, tool_use
from tests.tui_helpers import settle

SIZE = (120, 40)


async def _ready(pilot) -> ChatScreen:  # type: ignore[no-untyped-def]
    screen = pilot.app.screen
    assert isinstance(screen, ChatScreen)
    await settle(pilot)
    return screen


async def _send(pilot, message: str) -> None:  # type: ignore[no-untyped-def]
    prompt = pilot.app.screen.query_one("#prompt", Input)
    prompt.value = message
    await pilot.press("enter")
    await settle(pilot)


async def _sessions_about(home: Path, *topics: str) -> None:
    """One session per topic, each opened by a user message saying it."""
    async with await SessionLog.open(home) as log:
        for topic in topics:
            session = await log.create_session()
            await log.append_message(session.id, "user", [{"type": "text", "text": topic}])


async def _send_and_answer(pilot, message: str, key: str) -> None:  # type: ignore[no-untyped-def]
    """Send a message, wait for the permission prompt it causes, answer it with `key`."""
    pilot.app.screen.query_one("#prompt", Input).value = message
    await pilot.press("enter")
    while not isinstance(pilot.app.screen, PermissionScreen):
        await pilot.pause(0.02)
    await pilot.press(key)
    await settle(pilot)


def _plain(widget) -> str:  # type: ignore[no-untyped-def]
    return str(widget.render()) if not isinstance(widget, Reply) else widget.source


async def test_send_a_message_and_see_the_streamed_reply(
    config: Config, fake_api: FakeMessagesAPI
) -> None:
    fake_api.add(text("**Hello** from ", "the model"))
    app = ReverieApp(config)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _ready(pilot)
        await _send(pilot, "hi")
        replies = list(screen.query(Reply))
        assert [reply.source for reply in replies] == ["**Hello** from the model"]
        assert screen.focused is screen.prompt
        assert screen.prompt.value == ""
        assert screen.status_line.activity == "ready"
        assert screen.session_id is not None
        assert screen.query_one(SessionsSidebar).listed == [screen.session_id]
    async with await SessionLog.open(config.home) as log:
        messages = await log.messages(1)
    assert [m.role for m in messages] == ["user", "system", "assistant"]


async def test_tool_permission_approved_runs_and_is_folded(
    config: Config, fake_api: FakeMessagesAPI, workspace: Path
) -> None:
    fake_api.add(tool_use("run_command", {"command": "echo approved > out.txt"}), text("Done."))
    app = ReverieApp(config)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _ready(pilot)
        await _send_and_answer(pilot, "make a file", "y")
        view = screen.query_one(ToolCallView)
        assert view.collapsed
        assert "exit 0" in str(view.title)
        assert (workspace / "out.txt").read_text() == "approved\n"
        assert screen.focused is screen.prompt


async def test_tool_permission_denied_does_not_run(
    config: Config, fake_api: FakeMessagesAPI, workspace: Path
) -> None:
    fake_api.add(tool_use("write_file", {"path": "x.txt", "content": "no"}), text("Understood."))
    app = ReverieApp(config)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _ready(pilot)
        await _send_and_answer(pilot, "write it", "n")
        assert not (workspace / "x.txt").exists()
        assert screen.query_one(ToolCallView).has_class("error")
        assert screen.query(Reply).last().source == "Understood."


async def test_escape_cancels_a_running_reply(config: Config, fake_api: FakeMessagesAPI) -> None:
    fake_api.add(text(*[f"w{i} " for i in range(300)], delay=0.02))
    app = ReverieApp(config)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _ready(pilot)
        screen.prompt.value = "tell me a long story"
        await pilot.press("enter")
        while not screen.query(Reply) or not screen.query_one(Reply).source:
            await pilot.pause(0.02)
        await pilot.press("escape")
        await settle(pilot)
        assert screen.status_line.activity == "interrupted"
        assert screen.query_one(Reply).has_class("interrupted")
    async with await SessionLog.open(config.home) as log:
        reply = (await log.messages(1))[-1]
    assert reply.interrupted and reply.text.startswith("w0 ")


async def test_sidebar_search_opens_an_old_session_read_only(config: Config, home: Path) -> None:
    await _sessions_about(home, "sourdough starter", "kubernetes ingress", "tax return")
    app = ReverieApp(config)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _ready(pilot)
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
        assert screen.read_only and screen.session_id == 2
        assert [_plain(turn) for turn in screen.query(UserTurn)] == ["kubernetes ingress"]
        assert screen.focused is screen.prompt
        await pilot.press("ctrl+n")
        await pilot.pause()
        assert not screen.read_only and screen.session_id is None
        assert not screen.query(UserTurn)


async def test_markup_in_messages_is_shown_literally(
    config: Config, fake_api: FakeMessagesAPI
) -> None:
    hostile = "[bold red]x[/] [@click=app.quit]quit[/]"
    fake_api.add(text(hostile))
    app = ReverieApp(config)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _ready(pilot)
        await _send(pilot, hostile)
        assert _plain(screen.query_one(UserTurn)) == hostile
        # What the Markdown reply renders, not just what it was given.
        paragraph = screen.query_one(Reply).query_one(MarkdownBlock)
        assert str(paragraph.render()) == hostile
        listing = screen.query_one("#session-list", OptionList)
        assert str(listing.get_option_at_index(0).prompt).startswith(hostile[:29])
        assert app.is_running


async def test_escape_sequences_never_reach_the_terminal(
    config: Config, fake_api: FakeMessagesAPI, workspace: Path
) -> None:
    """A transcript can hold what a terminal obeys: colours, a new window title, a write to the
    clipboard (OSC 52), a bell. Typed, replied or printed by a tool, none is passed through."""
    from rich.console import Console

    hostile = "red\x1b[31mX \x1b]52;c;cm0gLXJmIH4=\x07 title\x1b]0;pwned\x1b\\ bell\x07"
    (workspace / "log.txt").write_text(f"\x1b[32mPASSED\x1b[0m {hostile}")
    fake_api.add(tool_use("read_file", {"path": "log.txt"}), text(f"Reply {hostile}"))
    app = ReverieApp(config)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _ready(pilot)
        await _send(pilot, f"User {hostile}")
        for view in screen.query(ToolCallView):
            view.collapsed = False
        await settle(pilot)
        assert "PASSED" in _plain(screen.query_one(ToolCallView).result)
        assert "^[[31mX" in _plain(screen.query_one(UserTurn))
        console = Console(width=SIZE[0], force_terminal=True, color_system="truecolor")
        with console.capture() as captured:
            console.print(app.screen._compositor.render_update(full=True))
    shown = captured.get()
    for sequence in ("\x1b[31m", "\x1b[32m", "\x1b]52", "\x1b]0", "\x07"):
        assert sequence not in shown, sequence
    assert "^[]52;c;" in shown and "User red^[[31mX" in shown and "Reply red" in shown


async def test_without_a_model_chat_says_how_to_connect(home: Path, workspace: Path) -> None:
    config = Config(home=home, workspace=workspace)
    app = ReverieApp(config)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _ready(pilot)
        assert "ANTHROPIC_API_KEY" in _plain(screen.query_one(Notice))
        await _send(pilot, "hello?")
        notices = [_plain(notice) for notice in screen.query(Notice)]
        assert len(notices) == 2 and "ANTHROPIC_BASE_URL" in notices[-1]
        assert screen.status_line.activity == "no_model"


async def test_an_unusable_database_is_reported_not_crashed(
    config: Config, home: Path, fake_api: FakeMessagesAPI
) -> None:
    home.mkdir()
    (home / "reverie.db").write_text("definitely not sqlite " * 200)
    app = ReverieApp(config)
    async with app.run_test(size=SIZE) as pilot:
        screen = app.screen
        assert isinstance(screen, ChatScreen)
        for _ in range(100):
            if screen.status_line.activity == "error":
                break
            await pilot.pause(0.02)
        assert screen.status_line.activity == "error"
        assert any("not a Reverie database" in str(n.message) for n in app._notifications)
        assert app.is_running


async def test_a_refresh_keeps_the_sidebar_cursor_on_its_session(
    config: Config, home: Path
) -> None:
    await _sessions_about(home, "first", "second", "third")
    app = ReverieApp(config)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _ready(pilot)
        listing = screen.query_one("#session-list", OptionList)
        listing.highlighted = 1
        chosen = listing.highlighted_option.id if listing.highlighted_option else None
        async with await SessionLog.open(home) as other:
            await other.create_session(title="written elsewhere")
        await screen.query_one(SessionsSidebar).refresh_sessions()
        await pilot.pause()
        assert listing.highlighted_option is not None and listing.highlighted_option.id == chosen
        assert len(screen.query_one(SessionsSidebar).listed) == 4


async def test_idle_time_starts_a_dream_and_a_keypress_pauses_it(
    home: Path, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import time
    from dataclasses import replace

    import dreamer.dream
    from app.paths import DEMO_HISTORY
    from memory_graph.transcripts.importer import import_paths

    # One session per step, each a little slow, so the keypress lands mid-dream.
    real = dreamer.dream._extract

    def slow(views):  # type: ignore[no-untyped-def]
        time.sleep(0.03)
        return real(views)

    monkeypatch.setattr(dreamer.dream, "STEP_SESSIONS", 1)
    monkeypatch.setattr(dreamer.dream, "_extract", slow)

    async with await SessionLog.open(home) as log:
        await import_paths(log, [DEMO_HISTORY])
    # Long enough that the pause is still on when checked, on a loaded machine too.
    config = replace(Config(home=home, workspace=workspace), idle_after=1.0)
    app = ReverieApp(config)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _ready(pilot)
        while not app.dreaming:
            await pilot.pause(0.05)
        await pilot.press("x")
        await pilot.pause()
        assert not app.awake.is_set() and screen.status_line.activity == "dream paused"
        while app.dreaming:
            await pilot.pause(0.05)
        await pilot.pause()  # the dream's last status messages reach the screen
        assert screen.status_line.activity.startswith(f"dreamt: {PROPOSED} new proposals")
    assert await _dream_triggers(home) == ["idle"]


async def test_dream_now_from_the_command_palette(config: Config, home: Path) -> None:
    app = ReverieApp(config)
    async with app.run_test(size=SIZE) as pilot:
        await _ready(pilot)
        await pilot.press("ctrl+p")
        await pilot.press(*"Dream now")
        await pilot.pause(0.3)
        await pilot.press("enter")
        await settle(pilot)
        while app.dreaming:
            await pilot.pause(0.05)
    assert await _dream_triggers(home) == ["manual"]


async def _dream_triggers(home: Path) -> list[str]:
    log = await SessionLog.open(home)
    try:
        async with log.connection.execute("SELECT trigger FROM dreams ORDER BY id") as cursor:
            return [row[0] for row in await cursor.fetchall()]
    finally:
        await log.close()


async def test_a_database_locked_past_the_busy_timeout_loses_no_message(
    home: Path, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import sqlite3

    import memory_graph.store.db
    from app.config import load_config

    monkeypatch.setattr(memory_graph.store.db, "BUSY_TIMEOUT_MS", 200)
    config = load_config(home, env={}, overrides={"workspace": str(workspace), "idle_after": 0})
    app = ReverieApp(config)
    async with app.run_test(size=SIZE) as pilot:
        screen = await _ready(pilot)
        # Another writer holds the database for longer than the busy timeout.
        blocker = sqlite3.connect(home / memory_graph.store.db.DATABASE_NAME, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")
        await _send(pilot, "remember to water the plants")
        assert screen.prompt.value == "remember to water the plants"
        assert screen.status_line.activity == "not saved"
        blocker.execute("ROLLBACK")
        blocker.close()
        await pilot.press("enter")
        await settle(pilot)
        assert screen.prompt.value == ""
        assert screen.session_log is not None and screen.session_id is not None
        texts = [m.text for m in await screen.session_log.messages(screen.session_id)]
        assert texts.count("remember to water the plants") == 1


async def test_app_of_refuses_an_app_that_is_not_reverie() -> None:
    from textual.app import App
    from textual.widgets import Static

    from app.tui.core import app_of

    app: App[None] = App()
    async with app.run_test():
        widget = Static()
        await app.mount(widget)
        with pytest.raises(TypeError, match="runs only inside Reverie"):
            app_of(widget)


def test_the_first_frame_imports_no_rule_sets_and_no_recall() -> None:
    """What the TUI imports before its first frame leaves out what only later work needs: the
    redaction rules (the first excerpt), recall and the injection detector (the first turn).
    Importing them cost tens of milliseconds of the first frame."""
    later = (
        "memory_graph.store.redact",
        "memory_graph.store.injection",
        "memory_graph.memory.recall",
    )
    script = (
        "import sys\n"
        "from app.config import load_config\n"
        "from app.tui.app import ReverieApp\n"
        "from app.tui.widgets.sidebar import SessionsSidebar\n"
        f"print(sorted(set(sys.modules) & {set(later)!r}))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script],
        capture_output=True,
        text=True,
        cwd=Path(__file__).resolve().parents[1],
        check=True,
    )
    assert done.stdout.strip() == "[]"
