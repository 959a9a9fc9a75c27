"""One inbox: `reverie inbox` (text and --json) and the inbox screen read the same proposals in
the same order, grouped by kind as `MemoryKind` declares them, with the same stale marks."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

import pytest

from app.config import load_config
from app.tui.app import ReverieApp
from app.tui.screens.inbox_screen import InboxScreen
from dreamer.dream import dream
from memory_graph.memory.vocabulary import MemoryKind
from memory_graph.store.db import DATABASE_NAME
from memory_graph.store.session_log import SessionLog
from tests.support.cli import run_cli
from tests.support.sessions import command_session
from tests.support.tui import settle


async def _varied_inbox(home: Path) -> None:
    """Sessions that give proposals of several kinds: a failure and its fix, a preference and a
    fact, each said in three sessions."""
    async with await SessionLog.open(home) as log:
        for _ in range(3):
            await command_session(
                log,
                "compile the brochure into a booklet",
                [
                    ("bindery make brochure.md", "bindery: error: no page size for booklet", 2),
                    ("bindery make --size a5 brochure.md", "wrote brochure.pdf", 0),
                ],
            )
            session = await log.create_session()
            await log.append_message(
                session.id, "user", [{"type": "text", "text": "I prefer tabs over spaces in Go."}]
            )
            await log.append_message(
                session.id, "user", [{"type": "text", "text": "My editor is Kakoune."}]
            )
        await dream(log)


def _kinds_in_order(kinds: list[str]) -> bool:
    ranks = [list(MemoryKind).index(MemoryKind(kind)) for kind in kinds]
    return ranks == sorted(ranks)


async def test_cli_and_screen_list_the_same_inbox(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    home = tmp_path / "home"
    await _varied_inbox(home)
    with sqlite3.connect(home / DATABASE_NAME) as db:
        (stale_id,) = db.execute(
            "SELECT MAX(id) FROM proposals WHERE status = 'pending'"
        ).fetchone()
        db.execute("UPDATE proposals SET graph_hash = 'changed since' WHERE id = ?", (stale_id,))
    code, out, _ = await asyncio.to_thread(run_cli, capsys, "--home", str(home), "inbox", "--json")
    listed = json.loads(out)["proposals"]
    assert code == 0 and {p["kind"] for p in listed} >= {"failure", "preference", "fact"}
    assert _kinds_in_order([p["kind"] for p in listed])
    assert [p["id"] for p in listed if p["stale"]] == [stale_id]
    code, out, _ = await asyncio.to_thread(run_cli, capsys, "--home", str(home), "inbox")
    # A header, then each proposal's line (its id first) with its evidence indented under it.
    header, *lines = out.splitlines()
    assert header.split()[:2] == ["id", "kind"]
    lines = [line for line in lines if not line.startswith(" " * 7)]
    assert [int(line.split()[0]) for line in lines] == [p["id"] for p in listed]
    assert [("[stale" in line) for line in lines] == [p["stale"] for p in listed]

    app = ReverieApp(load_config(home, overrides={}), inbox_first=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        screen = pilot.app.screen
        assert isinstance(screen, InboxScreen)
        assert list(screen.items) == [p["id"] for p in listed]
        assert [item.id for item in screen.items.values() if item.stale] == [stale_id]
