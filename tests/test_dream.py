"""A dream's run: the same sessions always give the same proposals; all or nothing (a dream that
fails, is cancelled or is killed leaves no proposal, observation or watermark, and the next one
covers the same sessions); it waits while the person is active and resumes; an idle dream with
nothing new leaves no row. Which sessions a dream reviews, and in what order:
test_dream_batches.py."""

from __future__ import annotations

import asyncio
import contextlib
from pathlib import Path

import pytest

from dreamer import journal
from dreamer.dream import dream
from memory_graph.store.session_log import SessionLog
from memory_graph.transcripts.importer import import_paths
from tests.support.demo import DEMO_HISTORY, PROPOSED
from tests.support.faults import failing_on_call
from tests.support.inbox import inbox_json


async def test_same_inputs_give_the_same_proposals(tmp_path: Path) -> None:
    results = []
    for name in ("a", "b"):
        async with await SessionLog.open(tmp_path / name) as log:
            await import_paths(log, [DEMO_HISTORY])
            await dream(log)
            async with log.connection.execute(
                "SELECT kind, statement, confidence, support, fingerprint, payload FROM proposals "
                "ORDER BY fingerprint"
            ) as cursor:
                results.append([tuple(row) for row in await cursor.fetchall()])
    assert results[0] == results[1] and results[0]


async def test_a_dream_that_fails_or_is_cancelled_leaves_nothing(
    demo: SessionLog, monkeypatch: pytest.MonkeyPatch
) -> None:
    real = journal.redact
    monkeypatch.setattr(journal, "redact", failing_on_call(real, 4))
    with pytest.raises(OSError):
        await dream(demo)
    monkeypatch.setattr(journal, "redact", real)
    for table in ("proposals", "observations", "proposal_evidence"):
        async with demo.connection.execute(f"SELECT COUNT(*) FROM {table}") as cursor:
            assert (await cursor.fetchone())[0] == 0, table
    # The audit keeps the failure, without a watermark: the next dream covers the same sessions.
    async with demo.connection.execute(
        "SELECT trigger, error, watermark_change, sessions FROM dreams"
    ) as cursor:
        failed = [tuple(row) for row in await cursor.fetchall()]
    assert len(failed) == 1 and failed[0][0] == "manual" and failed[0][2:] == (None, "[]")
    assert failed[0][1] == "disk full"

    task = asyncio.create_task(dream(demo))
    await asyncio.sleep(0.01)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    async with demo.connection.execute("SELECT COUNT(*) FROM dreams WHERE error IS NULL") as cursor:
        committed = (await cursor.fetchone())[0]
    # Either the dream finished before the cancel landed, or it left nothing behind.
    summary = await dream(demo)
    assert summary.sessions_reviewed == (0 if committed else 32)
    assert len(await inbox_json(demo)) == PROPOSED


async def test_a_dream_waits_while_asleep_is_interrupted_and_resumes(demo: SessionLog) -> None:
    awake = asyncio.Event()
    steps: list[int] = []
    task = asyncio.create_task(
        dream(demo, awake=awake, progress=lambda done, _: steps.append(done))
    )
    await asyncio.sleep(0.2)
    assert steps == [] and not task.done(), "paused before its first step"
    awake.set()
    while not steps:
        await asyncio.sleep(0.001)
    awake.clear()
    paused_at = len(steps)
    await asyncio.sleep(0.2)
    assert len(steps) <= paused_at + 1, "at most the step under way finishes"
    awake.set()
    summary = await task
    assert summary.sessions_reviewed == 32 and steps[-1] == 32


async def test_an_idle_dream_with_nothing_new_leaves_no_row(demo: SessionLog) -> None:
    await dream(demo)
    summary = await dream(demo, trigger="idle")
    assert (summary.dream_id, summary.sessions_reviewed) == (0, 0)
    async with demo.connection.execute("SELECT COUNT(*) FROM dreams") as cursor:
        assert (await cursor.fetchone())[0] == 1


_SLOW_DREAM = """
import asyncio, sys, time
from pathlib import Path
import dreamer.dream
from dreamer.dream import dream
from memory_graph.store.session_log import SessionLog

real = dreamer.dream._extract
def slow(views):
    print("step", flush=True)
    time.sleep(0.1)
    return real(views)
dreamer.dream._extract = slow

async def main():
    async with await SessionLog.open(Path(sys.argv[1])) as log:
        await dream(log)
asyncio.run(main())
"""


async def test_a_dream_killed_mid_way_leaves_nothing(demo: SessionLog, home: Path) -> None:
    import signal
    import sys

    process = await asyncio.create_subprocess_exec(
        sys.executable, "-c", _SLOW_DREAM, str(home), stdout=asyncio.subprocess.PIPE
    )
    assert process.stdout is not None
    for _ in range(3):  # a few steps in: observations found, nothing written yet
        await asyncio.wait_for(process.stdout.readline(), 10)
    process.send_signal(signal.SIGKILL)
    await process.wait()
    for table in ("dreams", "proposals", "observations"):
        async with demo.connection.execute(f"SELECT COUNT(*) FROM {table}") as cursor:
            assert (await cursor.fetchone())[0] == 0, table
    summary = await dream(demo)
    assert summary.sessions_reviewed == 32 and sum(summary.proposals.values()) == PROPOSED
