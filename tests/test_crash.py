"""A process killed mid-reply loses at most the last half second of what streamed."""

from __future__ import annotations

import asyncio
import signal
from pathlib import Path

from memory_graph.store.session_log import SessionLog
from tests.support.fake_api import FakeMessagesAPI, text
from tests.support.processes import clean_environment, reverie


async def test_kill_9_mid_stream_keeps_the_reply_as_interrupted(
    home: Path, workspace: Path, fake_api: FakeMessagesAPI
) -> None:
    fake_api.add(text(*[f"word{i} " for i in range(400)], delay=0.01))
    env = clean_environment(ANTHROPIC_BASE_URL=fake_api.base_url, ANTHROPIC_API_KEY="test-key")
    process = await asyncio.create_subprocess_exec(
        *reverie(home, "chat", "tell me everything"),
        cwd=workspace,
        env=env,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.DEVNULL,
    )
    assert process.stdout is not None
    shown = b""
    while shown.count(b"word") < 150:
        shown += await asyncio.wait_for(process.stdout.read(4096), 10)
    process.send_signal(signal.SIGKILL)
    await process.wait()

    # Opening the log sees that the draft's process is gone and keeps what it had streamed.
    async with await SessionLog.open(home) as log:
        async with log.connection.execute("PRAGMA integrity_check") as cursor:
            assert [tuple(row) for row in await cursor.fetchall()] == [("ok",)]
        session = (await log.list_sessions())[0]
        messages = await log.messages(session.id)
        reply = messages[-1]
    assert [m.text for m in messages if m.role == "user"] == ["tell me everything"]
    assert reply.role == "assistant" and reply.interrupted
    assert reply.meta["reason"] == "process ended"
    assert reply.text.startswith("word0 word1 ")
    # Saved every half second while streaming at 100 words a second: at most ~50 words short.
    assert reply.text.count("word") >= shown.count(b"word") - 60
