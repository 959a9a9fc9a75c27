"""Live watching with real files: the drop folder, a grown transcript, the TUI's sidebar."""

from __future__ import annotations

import asyncio
import json
import signal
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from app.config import Config, load_config
from app.tui.app import ReverieApp
from app.tui.widgets.sidebar import SessionsSidebar
from app.watcher import watch
from memory_graph.store.session_log import SessionLog
from memory_graph.transcripts.importer import ImportReport
from tests.support.demo import PROPOSED
from tests.support.processes import clean_environment, reverie
from tests.support.shared_data import CLAUDE_CODE, needs_shared_data
from tests.support.tui import settle
from tests.support.waiting import DEADLINE_S, eventually

pytestmark = needs_shared_data


@pytest.fixture
async def watching(home: Path) -> AsyncIterator[tuple[Config, SessionLog, list[ImportReport]]]:
    config = load_config(home, env={})
    reports: list[ImportReport] = []
    stop = asyncio.Event()
    ready = asyncio.Event()
    async with await SessionLog.open(home) as log:
        task = asyncio.create_task(
            watch(config, log, stop, lambda _where, r: reports.append(r), lambda _: ready.set())
        )
        await asyncio.wait_for(ready.wait(), DEADLINE_S)
        yield config, log, reports
        stop.set()
        await asyncio.wait_for(task, DEADLINE_S)


async def _messages(log: SessionLog) -> int:
    sessions = await log.list_sessions()
    return sum(s.message_count for s in sessions)


async def test_a_dropped_transcript_is_imported_and_its_growth_too(
    watching: tuple[Config, SessionLog, list[ImportReport]],
) -> None:
    config, log, reports = watching
    lines = (CLAUDE_CODE / "tool_heavy.jsonl").read_text().splitlines(keepends=True)
    target = config.drop_folder / "session.jsonl"
    target.write_text("".join(lines[:12]))
    await eventually(lambda: _messages(log), "the first part imported")
    first = await _messages(log)
    with target.open("a") as handle:
        handle.write("".join(lines[12:]))
    # 19 conversation lines and the isMeta caveat of a slash command (a harness message).
    await eventually(lambda: _count_is(log, 20), "the new lines")
    sessions = await log.list_sessions()
    assert len(sessions) == 1 and first < 20
    assert sum(r.messages for r in reports) == 20, "no line was imported twice"


async def _count_is(log: SessionLog, expected: int) -> bool:
    return await _messages(log) == expected


async def test_what_was_dropped_before_the_watch_started_is_imported(home: Path) -> None:
    config = load_config(home, env={})
    config.drop_folder.mkdir(parents=True)
    (config.drop_folder / "early.jsonl").write_bytes((CLAUDE_CODE / "short.jsonl").read_bytes())
    stop = asyncio.Event()
    async with await SessionLog.open(home) as log:
        task = asyncio.create_task(watch(config, log, stop, lambda *_: None))
        await eventually(lambda: _count_is(log, 7), "the early transcript")
        stop.set()
        await asyncio.wait_for(task, DEADLINE_S)


def test_reverie_watch_stops_cleanly_on_sigterm(home: Path) -> None:
    with subprocess.Popen(
        reverie(home, "watch"), env=clean_environment(), stderr=subprocess.PIPE, text=True
    ) as process:
        assert process.stderr is not None
        assert "watching" in process.stderr.readline()
        (home / "import" / "x.jsonl").write_bytes((CLAUDE_CODE / "short.jsonl").read_bytes())
        assert "1 new sessions" in process.stderr.readline()
        process.send_signal(signal.SIGTERM)
        rest = process.stderr.read()
        assert process.wait(timeout=DEADLINE_S) == 0
    assert "stopped" in rest and "Traceback" not in rest


async def test_the_tui_shows_sessions_another_process_writes(config: Config, home: Path) -> None:
    app = ReverieApp(config)
    async with app.run_test(size=(120, 40)) as pilot:
        await settle(pilot)
        sidebar = app.screen.query_one(SessionsSidebar)
        assert sidebar.listed == []
        done = await asyncio.create_subprocess_exec(
            *reverie(home, "import", str(CLAUDE_CODE / "short.jsonl"), "--json"),
            env=clean_environment(),
            stdout=asyncio.subprocess.PIPE,
        )
        out, _ = await done.communicate()
        assert json.loads(out)["sessions"] == 1
        await eventually(lambda: sidebar.listed, "the sidebar to list the imported session")
        assert len(sidebar.listed) == 1


async def test_the_claude_code_projects_folder_is_watched_when_configured(
    home: Path, tmp_path: Path
) -> None:
    projects = tmp_path / "claude-projects"
    (projects / "-home-me-app").mkdir(parents=True)
    config = load_config(home, env={}, overrides={"claude_projects": str(projects)})
    stop = asyncio.Event()
    ready = asyncio.Event()
    async with await SessionLog.open(home) as log:
        task = asyncio.create_task(watch(config, log, stop, lambda *_: None, lambda _: ready.set()))
        await asyncio.wait_for(ready.wait(), DEADLINE_S)
        session = projects / "-home-me-app" / "0b0e.jsonl"
        session.write_bytes((CLAUDE_CODE / "short.jsonl").read_bytes())
        await eventually(lambda: _count_is(log, 7), "the Claude Code session")
        stop.set()
        await asyncio.wait_for(task, DEADLINE_S)


def test_a_missing_claude_projects_folder_is_a_user_error(home: Path, tmp_path: Path) -> None:
    from app.errors import UserError
    from app.watcher import watched_folders

    config = load_config(home, env={}, overrides={"claude_projects": str(tmp_path / "nope")})
    with pytest.raises(UserError, match="is not a folder"):
        watched_folders(config)


async def test_watch_dreams_once_new_transcripts_stop_arriving(home: Path) -> None:
    from dreamer.dream import DreamSummary
    from tests.support.demo import DEMO_HISTORY

    config = load_config(home, env={}, overrides={"idle_after": 0.3, "dream_interval": 0})
    dreams: list[DreamSummary] = []
    stop = asyncio.Event()
    ready = asyncio.Event()
    async with await SessionLog.open(home) as log:
        task = asyncio.create_task(
            watch(
                config,
                log,
                stop,
                lambda *_: None,
                lambda _: ready.set(),
                lambda summary, _: dreams.append(summary),
            )
        )
        await asyncio.wait_for(ready.wait(), DEADLINE_S)
        (config.drop_folder / "history.jsonl").write_bytes(DEMO_HISTORY.read_bytes())
        await eventually(lambda: dreams, "a scheduled dream")
        stop.set()
        await asyncio.wait_for(task, DEADLINE_S)
        async with log.connection.execute("SELECT trigger, sessions FROM dreams") as cursor:
            rows = list(await cursor.fetchall())
    assert [row[0] for row in rows] == ["schedule"]
    assert dreams[0].sessions_reviewed == 32 and sum(dreams[0].proposals.values()) == PROPOSED
