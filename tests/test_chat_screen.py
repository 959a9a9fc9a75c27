"""The chat screen driven by Pilot against the local Messages API server: a message sent and its
reply streamed in, a tool call asked for (approved, it runs and folds; denied, it does not run),
Escape cancelling a reply and keeping what came; without a model, or with a database it cannot
use, it says so and goes on. Its widgets run only inside Reverie."""

from __future__ import annotations

import gc
import subprocess
import sys
from pathlib import Path

import pytest
from textual.widgets import Input

from app.config import Config
from app.tui.app import ReverieApp
from app.tui.screens.chat_screen import ChatScreen
from app.tui.screens.permission_screen import PermissionScreen
from app.tui.widgets.conversation import Notice, ToolCallView, Welcome
from app.tui.widgets.reply import Reply
from app.tui.widgets.sidebar import SessionsSidebar
from memory_graph.store.session_log import SessionLog
from tests.support.fake_api import FakeMessagesAPI, text, tool_use
from tests.support.tui import SIZE, chat_ready, plain, send, settle


async def _send_and_answer(pilot, message: str, key: str) -> None:  # type: ignore[no-untyped-def]
    """Send a message, wait for the permission prompt it causes, answer it with `key`."""
    pilot.app.screen.query_one("#prompt", Input).value = message
    await pilot.press("enter")
    while not isinstance(pilot.app.screen, PermissionScreen):
        await pilot.pause(0.02)
    await pilot.press(key)
    await settle(pilot)


async def test_send_a_message_and_see_the_streamed_reply(
    config: Config, fake_api: FakeMessagesAPI
) -> None:
    fake_api.add(text("**Hello** from ", "the model"))
    app = ReverieApp(config)
    async with app.run_test(size=SIZE) as pilot:
        screen = await chat_ready(pilot)
        await send(pilot, "hi")
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
        screen = await chat_ready(pilot)
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
        screen = await chat_ready(pilot)
        await _send_and_answer(pilot, "write it", "n")
        assert not (workspace / "x.txt").exists()
        assert screen.query_one(ToolCallView).has_class("error")
        assert screen.query(Reply).last().source == "Understood."


async def test_escape_cancels_a_running_reply(config: Config, fake_api: FakeMessagesAPI) -> None:
    fake_api.add(text(*[f"w{i} " for i in range(300)], delay=0.02))
    app = ReverieApp(config)
    async with app.run_test(size=SIZE) as pilot:
        screen = await chat_ready(pilot)
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


async def test_without_a_model_chat_says_how_to_connect(home: Path, workspace: Path) -> None:
    config = Config(home=home, workspace=workspace)
    app = ReverieApp(config)
    async with app.run_test(size=SIZE) as pilot:
        screen = await chat_ready(pilot)
        # Before they try, the welcome and the status line say it, calmly; no warning yet.
        assert "ANTHROPIC_API_KEY" in plain(screen.query_one(Welcome))
        assert not screen.query(Notice)
        await send(pilot, "hello?")
        notices = [plain(notice) for notice in screen.query(Notice)]
        assert len(notices) == 1 and "ANTHROPIC_BASE_URL" in notices[-1]
        assert screen.status_line.activity == "no_model"


async def test_what_the_start_made_is_left_out_of_the_collectors_passes(
    home: Path, workspace: Path
) -> None:
    gc.unfreeze()
    app = ReverieApp(Config(home=home, workspace=workspace))
    async with app.run_test(size=SIZE) as pilot:
        await chat_ready(pilot)
        # The app and its first screen: never walked again by a full collection.
        assert gc.get_freeze_count() > 1000
    # Handed back when the app ends, so a process that goes on can collect them.
    assert gc.get_freeze_count() == 0


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
