"""Pictures of the TUI that matter: a session with a Markdown reply and a folded tool call; the
inbox of the demo, grouped by kind, with the evidence of one proposal."""

from __future__ import annotations

import asyncio
from pathlib import Path

from textual.pilot import Pilot
from textual.widgets import Input

from app.config import Config
from app.tui.app import ReverieApp
from dreamer.dream import dream
from memory_graph.store.session_log import SessionLog
from memory_graph.transcripts.importer import import_paths
from tests.support.demo import DEMO_HISTORY
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


async def _dreamt_demo(home: Path) -> None:
    async with await SessionLog.open(home) as log:
        await import_paths(log, [DEMO_HISTORY])
        await dream(log)


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
