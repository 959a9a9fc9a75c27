"""A full disk: a clear message, nothing half-written, and the work completes once space is back.

Two ways to fill it. A real small filesystem (a tmpfs mounted for the test, which needs root:
skipped elsewhere, with the reason) for a real `reverie import` process. And SQLite's own page
limit (`PRAGMA max_page_count`) on the app's connection, which fails a write with the very
error a full disk gives (SQLITE_FULL), on any machine, for the TUI and the watcher.
"""

from __future__ import annotations

import asyncio
import json
import random
import sqlite3
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.agent.loop import Agent
from app.config import Config, load_config
from app.tui.app import ReverieApp
from app.tui.screens.chat_screen import ChatScreen
from app.watcher import watch
from memory_graph.store.errors import StoreError
from memory_graph.store.session_log import SessionLog
from memory_graph.transcripts.importer import ImportReport, ImportStopped, import_paths
from memory_graph.transcripts.parsed import Problem
from tests.support.demo import PROPOSED
from tests.support.fake_api import FakeMessagesAPI, text
from tests.support.processes import clean_environment, reverie
from tests.support.recorder import Recorder
from tests.support.tui import settle
from tests.support.waiting import eventually

SESSIONS = 24
MESSAGES = 6
WORDS = 1500
"""Words per message: a session is about 60 KB, far more than a page's free space."""


def _history(path: Path, seed: int = 7) -> Path:
    """Sessions of random words in Reverie's import format: incompressible and each large."""
    rng = random.Random(seed)
    vocabulary = [f"w{n}x{rng.randrange(10**6)}" for n in range(5000)]
    lines: list[dict[str, object]] = [{"format": "reverie", "version": 1}]
    for number in range(SESSIONS):
        messages = [
            {
                "role": "user" if turn % 2 == 0 else "assistant",
                "content": [{"type": "text", "text": " ".join(rng.choices(vocabulary, k=WORDS))}],
                "external_id": f"m{number}-{turn}",
            }
            for turn in range(MESSAGES)
        ]
        session = {"source": "reverie", "external_id": f"s{number}", "title": f"session {number}"}
        lines.append({"session": session, "messages": messages})
    path.write_text("\n".join(json.dumps(line) for line in lines) + "\n")
    return path


def _whole_sessions(database: Path) -> dict[str, int]:
    """Each stored session's external id and message count, after an integrity check."""
    with sqlite3.connect(database) as conn:
        assert conn.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        rows = conn.execute(
            "SELECT s.external_id, COUNT(m.id) FROM sessions s "
            "LEFT JOIN messages m ON m.session_id = s.id GROUP BY s.id"
        ).fetchall()
    return {str(external): int(count) for external, count in rows}


@pytest.fixture
def small_disk(tmp_path: Path) -> Iterator[Path]:
    """A 1 MB filesystem of its own, unmounted after the test."""
    disk = tmp_path / "disk"
    disk.mkdir()
    mounted = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(disk)],
        capture_output=True,
        text=True,
        check=False,
    )
    if mounted.returncode != 0:
        pytest.skip(f"cannot mount a small filesystem here: {mounted.stderr.strip()}")
    try:
        yield disk
    finally:
        subprocess.run(["umount", "-l", str(disk)], check=False)


def test_an_import_that_fills_the_disk_says_so_and_completes_later(
    small_disk: Path, tmp_path: Path
) -> None:
    history = _history(tmp_path / "history.jsonl")
    home = small_disk / "home"
    command = reverie(home, "import", str(history))
    env = clean_environment()
    stopped = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    assert stopped.returncode == 1
    assert "Traceback" not in stopped.stderr
    assert "the disk is full; free some space and try again" in stopped.stderr
    assert "before it stopped; importing the same paths again goes on" in stopped.stderr
    kept = _whole_sessions(home / "reverie.db")
    assert 0 < len(kept) < SESSIONS
    assert set(kept.values()) == {MESSAGES}

    subprocess.run(["mount", "-o", "remount,size=32m", str(small_disk)], check=True)
    finished = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    assert finished.returncode == 0, finished.stderr
    assert f"{SESSIONS - len(kept)} new sessions" in finished.stdout
    assert _whole_sessions(home / "reverie.db") == {f"s{n}": MESSAGES for n in range(SESSIONS)}


async def _fill(log: SessionLog) -> None:
    """No page more than the file has now: the next write that needs one fails as on a full
    disk. VACUUM first leaves no free page to reuse, so any large write needs new ones."""
    await log.connection.execute("VACUUM")
    async with log.connection.execute("PRAGMA freelist_count") as cursor:
        assert tuple(await cursor.fetchone() or ()) == (0,)
    await log.connection.execute("PRAGMA max_page_count = 1")


async def _empty(log: SessionLog) -> None:
    await log.connection.execute("PRAGMA max_page_count = 4294967294")


async def test_import_paths_keeps_whole_sessions_and_says_what_it_did(
    log: SessionLog, tmp_path: Path
) -> None:
    history = _history(tmp_path / "history.jsonl")
    await _fill(log)
    with pytest.raises(ImportStopped, match="the disk is full") as stopped:
        await import_paths(log, [history])
    assert stopped.value.report.sessions_new == 0
    assert not log.connection.in_transaction
    await _empty(log)
    assert (await import_paths(log, [history])).sessions_new == SESSIONS
    assert _whole_sessions(log.path) == {f"s{n}": MESSAGES for n in range(SESSIONS)}


async def test_the_chat_puts_a_message_the_full_disk_refused_back_in_the_prompt(
    home: Path, workspace: Path
) -> None:
    config = load_config(home, env={}, overrides={"workspace": str(workspace), "idle_after": 0})
    message = " ".join(f"note{n}" for n in range(4000))
    async with ReverieApp(config).run_test(size=(120, 40)) as pilot:
        screen = pilot.app.screen
        assert isinstance(screen, ChatScreen)
        await settle(pilot)
        log = await pilot.app.open_log()
        await _fill(log)
        screen.prompt.value = message
        await pilot.press("enter")
        await settle(pilot)
        assert screen.prompt.value == message
        assert screen.status_line.activity == "not saved"
        shown = [note.message for note in pilot.app._notifications]
        assert any("the disk is full; free some space and try again" in text for text in shown)

        await _empty(log)
        await pilot.press("enter")
        await settle(pilot)
        assert screen.prompt.value == ""
        assert screen.session_id is not None
        texts = [m.text for m in await log.messages(screen.session_id)]
        assert texts.count(message) == 1


async def test_the_watch_goes_on_through_a_full_disk(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import app.watcher

    monkeypatch.setattr(app.watcher, "RESWEEP_S", 0.2)
    config = load_config(home, env={}, overrides={"idle_after": 0, "dream_interval": 0})
    reports: list[ImportReport] = []
    stop, ready = asyncio.Event(), asyncio.Event()
    async with await SessionLog.open(home) as log:
        await _fill(log)
        task = asyncio.create_task(
            watch(
                config, log, stop, lambda _, report: reports.append(report), lambda _: ready.set()
            )
        )
        await asyncio.wait_for(ready.wait(), 10)
        _history(config.drop_folder / "history.jsonl")

        def problems() -> list[Problem]:
            return [problem for report in reports for problem in report.problems]

        await eventually(problems, "the import the full disk refused")
        assert "not imported: cannot write" in problems()[0].reason
        assert "the disk is full" in problems()[0].reason
        assert "the watch tries again" in problems()[0].reason
        await _empty(log)
        await eventually(
            lambda: sum(report.sessions_new for report in reports) == SESSIONS,
            "the import once there is space again",
        )
        stop.set()
        await asyncio.wait_for(task, 10)
    assert _whole_sessions(home / "reverie.db") == {f"s{n}": MESSAGES for n in range(SESSIONS)}


async def test_a_dream_the_full_disk_refused_says_so_and_runs_whole_later(
    home: Path, workspace: Path
) -> None:
    from tests.support.demo import DEMO_HISTORY

    async with await SessionLog.open(home) as log:
        await import_paths(log, [DEMO_HISTORY])
    config = load_config(home, env={}, overrides={"workspace": str(workspace), "idle_after": 0})
    app = ReverieApp(config)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = pilot.app.screen
        assert isinstance(screen, ChatScreen)
        await settle(pilot)
        log = await app.open_log()
        await _fill(log)
        app.action_dream()
        await eventually(lambda: not app.dreaming, "the dream")
        await settle(pilot)
        assert screen.status_line.activity == "dream failed"
        shown = [note.message for note in app._notifications]
        assert any("the disk is full" in text for text in shown)
        async with log.connection.execute("SELECT COUNT(*) FROM proposals") as cursor:
            assert tuple(await cursor.fetchone() or ()) == (0,)

        await _empty(log)
        app.action_dream()
        await eventually(lambda: not app.dreaming, "the dream")
        await settle(pilot)
        assert screen.status_line.activity.startswith(f"dreamt: {PROPOSED} new proposals")


async def test_a_reply_streams_on_when_the_disk_fills_and_says_it_was_not_kept(
    log: SessionLog, config: Config, fake_api: FakeMessagesAPI, monkeypatch: pytest.MonkeyPatch
) -> None:
    import app.agent.loop

    monkeypatch.setattr(app.agent.loop, "DRAFT_INTERVAL_S", 0.02)
    chunks = [f"part{n} " + "x" * 300 + " " for n in range(60)]
    fake_api.add(text(*chunks, delay=0.005), text("and now it is kept"))

    class FillsTheDisk(Recorder):
        async def text_delta(self, delta: str) -> None:
            await super().text_delta(delta)
            if len(self.deltas) == 10:
                await _fill(log)

    session = await log.create_session()
    observer = FillsTheDisk()
    agent = Agent(log, config)
    with pytest.raises(StoreError, match="the disk is full"):
        await agent.run_turn(session.id, "tell me everything", observer)
    assert "".join(observer.deltas) == "".join(chunks), "the whole answer reached the screen"
    assert any(status.startswith("draft not saved: cannot write") for status in observer.statuses)
    assert [m.text for m in await log.messages(session.id) if m.role == "user"] == [
        "tell me everything"
    ]
    assert not log.connection.in_transaction
    await _empty(log)
    again = await agent.run_turn(session.id, "once more", Recorder())
    assert again.reply == "and now it is kept"
    _whole_sessions(log.path)  # integrity


async def test_an_undo_the_database_refuses_says_so_and_keeps_the_decision(
    home: Path, workspace: Path
) -> None:
    from app.tui.screens.inbox_screen import InboxScreen
    from dreamer.dream import dream
    from tests.support.demo import DEMO_HISTORY

    async with await SessionLog.open(home) as log:
        await import_paths(log, [DEMO_HISTORY])
        await dream(log)
    config = load_config(home, env={}, overrides={"workspace": str(workspace), "idle_after": 0})
    app = ReverieApp(config, inbox_first=True)
    async with app.run_test(size=(120, 40)) as pilot:
        await eventually(lambda: isinstance(app.screen, InboxScreen), "the inbox")
        await settle(pilot)
        await pilot.press("a")
        await settle(pilot)
        assert len(app.screen.items) == PROPOSED - 1  # type: ignore[attr-defined]
        # An undo is a few small rows: they fit in a full file's last pages, so the refusal
        # comes from SQLite's read-only switch, through the same path as a full disk's.
        log = await app.open_log()
        await log.connection.execute("PRAGMA query_only = ON")
        await pilot.press("u")
        await settle(pilot)
        assert app.is_running
        assert any("it is readonly" in str(n.message) for n in app._notifications)
        assert len(app.screen.items) == PROPOSED - 1  # type: ignore[attr-defined]
        await log.connection.execute("PRAGMA query_only = OFF")
        await pilot.press("u")
        await settle(pilot)
        assert len(app.screen.items) == PROPOSED  # type: ignore[attr-defined]
