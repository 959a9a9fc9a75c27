"""Writers that share the database lose nothing: two processes and a headless command writing at
once, and a chat whose message meets the database held by another writer past the busy timeout
(the message goes back to the prompt, and is saved once when sent again)."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import pytest

from app.tui.app import ReverieApp
from memory_graph.store.session_log import SessionLog
from tests.support.processes import clean_environment, reverie
from tests.support.tui import SIZE, chat_ready, send, settle

WRITES = 300


_WRITER = """
import asyncio, sys
from pathlib import Path
from memory_graph.store.session_log import SessionLog
from tests.support.processes import clean_environment, reverie

async def main(home, count):
    async with await SessionLog.open(Path(home)) as log:
        session = await log.create_session(title="other process")
        for i in range(count):
            await log.append_message(session.id, "user", [{"type": "text", "text": f"other {i}"}])
            if i % 10 == 0:
                await log.add_event(session.id, "tick", {"i": i})

asyncio.run(main(sys.argv[1], int(sys.argv[2])))
"""


async def test_two_processes_and_a_headless_command_write_at_once(home: Path) -> None:
    async with await SessionLog.open(home) as log:
        env = clean_environment()
        writer = await asyncio.create_subprocess_exec(
            sys.executable, "-c", _WRITER, str(home), str(WRITES), env=env
        )
        chat = await asyncio.create_subprocess_exec(
            *reverie(home, "chat", "from the command line"),
            env=env,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.DEVNULL,
        )
        session = await log.create_session(title="this process")
        # Keep writing until both other processes are done, so the writes really overlap.
        written = 0
        while written < WRITES or writer.returncode is None or chat.returncode is None:
            text = f"mine {written}"
            await log.append_message(session.id, "user", [{"type": "text", "text": text}])
            written += 1
            if written % 20 == 0:
                await asyncio.sleep(0.001)
        assert await writer.wait() == 0
        # Without a model the command exits 1, but it must have logged the message.
        assert await chat.wait() == 1

        sessions = {s.title: s for s in await log.list_sessions(limit=10)}
        assert set(sessions) == {"this process", "other process", "from the command line"}
        mine = await log.messages(sessions["this process"].id)
        other = await log.messages(sessions["other process"].id)
        assert [m.text for m in mine] == [f"mine {i}" for i in range(written)]
        assert [m.text for m in other] == [f"other {i}" for i in range(WRITES)]
        assert [m.seq for m in other] == list(range(1, WRITES + 1))
        assert len(await log.events(sessions["other process"].id)) == WRITES // 10
        assert len(await log.search("other")) == 1


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
        screen = await chat_ready(pilot)
        # Another writer holds the database for longer than the busy timeout.
        blocker = sqlite3.connect(home / memory_graph.store.db.DATABASE_NAME, isolation_level=None)
        blocker.execute("BEGIN IMMEDIATE")
        await send(pilot, "remember to water the plants")
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
