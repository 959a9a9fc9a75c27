"""Pictures of the TUI that matter: a session with a Markdown reply and a folded tool call; the
inbox of the demo, grouped by kind, with the evidence of one proposal; the help screen; the
empty states (a fresh home, an empty inbox, a memory search that matches nothing); the chat
and the inbox at 80x24."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Input

from app.config import Config
from app.tui.app import ReverieApp
from dreamer.dream import dream
from memory_graph.memory.decisions import Decision, Decisions
from memory_graph.store.session_log import SessionLog
from memory_graph.transcripts.importer import import_paths
from tests.support.demo import DEMO_HISTORY
from tests.support.inbox import inbox_json
from tests.support.tui import settle

STARTED = "2026-01-02T03:04:05.000Z"


async def _seed(home: Path) -> None:
    async with await SessionLog.open(home) as log:
        session = await log.create_session(started=STARTED)
        await log.append_message(
            session.id, "user", [{"type": "text", "text": "Why does `make test` fail? [b]x[/b]"}]
        )
        await log.append_message(
            session.id,
            "assistant",
            [
                {"type": "text", "text": "Let me run it."},
                {
                    "type": "tool_use",
                    "id": "t1",
                    "name": "run_command",
                    "input": {"command": "make test"},
                },
            ],
        )
        await log.append_message(
            session.id,
            "tool",
            [
                {
                    "type": "tool_result",
                    "tool_use_id": "t1",
                    "content": "E   ImportError",
                    "is_error": True,
                    "exit_code": 2,
                }
            ],
        )
        await log.append_message(
            session.id,
            "assistant",
            [
                {
                    "type": "text",
                    "text": "## Cause\n\n- a missing **dependency**\n- fix: `pip install -e .`",
                }
            ],
        )
        await log.create_session(started="2026-01-01T00:00:00.000Z", title="an empty older session")


class TestChatScreen:
    def test_old_session_open_offline(self, snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
        home = tmp_path / "home"
        asyncio.run(_seed(home))
        config = Config(home=home, workspace=tmp_path)

        async def open_first_session(pilot: Pilot) -> None:
            await settle(pilot)
            await pilot.press("ctrl+f", "down", "enter")
            await pilot.pause()
            await settle(pilot)
            # A blinking cursor would be on or off depending on when the picture is taken.
            pilot.app.screen.query_one("#prompt", Input).cursor_blink = False
            await pilot.pause()

        assert snap_compare(
            ReverieApp(config), terminal_size=(110, 32), run_before=open_first_session
        )


async def _dreamt_demo(home: Path, adopted: int = 0) -> None:
    async with await SessionLog.open(home) as log:
        await import_paths(log, [DEMO_HISTORY])
        await dream(log)
        if adopted:
            waiting = [p["id"] for p in await inbox_json(log)]
            await Decisions(log).decide(Decision.ADOPT, waiting[:adopted])


class TestInboxScreen:
    def test_the_demo_inbox(self, snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
        home = tmp_path / "home"
        asyncio.run(_dreamt_demo(home))
        config = Config(home=home, workspace=tmp_path, idle_after=0)

        async def open_inbox(pilot: Pilot) -> None:
            await settle(pilot)
            await pilot.press("ctrl+r")
            await settle(pilot)
            await pilot.press("down", "down")
            await settle(pilot)

        assert snap_compare(ReverieApp(config), terminal_size=(130, 36), run_before=open_inbox)


def _pressing(*keys: str) -> Callable[[Pilot], Awaitable[None]]:
    """What to do before the picture: start up, press `keys` (a key at a time, each one's work
    done), and stop every blinking cursor (on or off depending on when the picture is taken)."""

    async def run_before(pilot: Pilot) -> None:
        await settle(pilot)
        for key in keys:
            await pilot.press(key)
            await pilot.pause(0.2 if key in SEARCH_TEXT else 0)
            await settle(pilot)
        for screen in pilot.app.screen_stack:
            for field in screen.query(Input):
                field.cursor_blink = False
        await pilot.pause()

    return run_before


SEARCH_TEXT = set("zqx")
"""Keys typed into a search box: the search waits for a pause in the typing."""


class TestHelpScreen:
    def test_f1_over_the_chat(self, snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
        config = Config(home=tmp_path / "home", workspace=tmp_path, idle_after=0)
        assert snap_compare(ReverieApp(config), terminal_size=(100, 40), run_before=_pressing("f1"))


class TestEmptyStates:
    def test_a_fresh_home(self, snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
        config = Config(home=tmp_path / "home", workspace=tmp_path, idle_after=0)
        assert snap_compare(ReverieApp(config), terminal_size=(100, 30), run_before=_pressing())

    def test_an_empty_inbox(self, snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
        config = Config(home=tmp_path / "home", workspace=tmp_path, idle_after=0)
        app = ReverieApp(config)
        assert snap_compare(app, terminal_size=(100, 24), run_before=_pressing("ctrl+r"))

    def test_a_memory_search_that_matches_nothing(self, snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
        home = tmp_path / "home"
        asyncio.run(_dreamt_demo(home, adopted=3))
        config = Config(home=home, workspace=tmp_path, idle_after=0)
        search = _pressing("ctrl+g", "slash", *"zzzqx")
        assert snap_compare(ReverieApp(config), terminal_size=(100, 24), run_before=search)


class TestSmallTerminal:
    def test_the_chat_at_80x24(self, snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
        home = tmp_path / "home"
        asyncio.run(_dreamt_demo(home))
        config = Config(home=home, workspace=tmp_path, idle_after=0)
        assert snap_compare(ReverieApp(config), terminal_size=(80, 24), run_before=_pressing())

    def test_the_inbox_at_80x24(self, snap_compare, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
        home = tmp_path / "home"
        asyncio.run(_dreamt_demo(home))
        config = Config(home=home, workspace=tmp_path, idle_after=0)
        selecting = _pressing("ctrl+r", "space", "down", "space")
        assert snap_compare(ReverieApp(config), terminal_size=(80, 24), run_before=selecting)
