"""Two processes writing the same database at once lose nothing."""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

from memory_graph.store.session_log import SessionLog
from tests.support.processes import clean_environment, reverie

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
