"""Dream cost: 100 new sessions alone, and the same 100 after 10,000 already dreamt; three
sessions of 2 MB each; and what the dreamer finds in tau-bench."""

from __future__ import annotations

import asyncio
import random
import statistics
import time
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import Any

from bench.seed import seeded_home, working_copy
from dreamer.dream import dream
from memory_graph.memory.inbox import as_json
from memory_graph.store.records import Block, Role
from memory_graph.store.session_log import SessionLog
from memory_graph.transcripts.importer import import_paths

TAUBENCH = Path(__file__).resolve().parents[2] / "shared" / "benchmarks" / "taubench"
MESSAGES = 50


RUNS = 3


async def _dream_history(home: Path, history: int) -> None:
    async with await SessionLog.open(home) as log:
        # The history is dreamt first, as it would have been over the weeks before.
        await dream(log, limit=history)
        await log.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")


async def _timed_dream(home: Path, new: int) -> float:
    async with await SessionLog.open(home) as log:
        began = time.perf_counter()
        summary = await dream(log, limit=new)
        elapsed = time.perf_counter() - began
        assert summary.sessions_reviewed == new
    return elapsed


def _median_dream(prepared: Path, work: Path, name: str, new: int) -> float:
    # Each run on its own copy of the same prepared home: the same work, timed RUNS times.
    times = [
        asyncio.run(_timed_dream(working_copy(prepared, work / f"{name}-{run}"), new))
        for run in range(RUNS)
    ]
    return statistics.median(times)


def run_dream_cost(work: Path, history: int, new: int) -> dict[str, Any]:
    """Seconds to dream `new` sessions of MESSAGES messages, without and with `history`
    sessions dreamt before them (medians of RUNS runs)."""
    alone_cache, _ = seeded_home(f"s{new}-m{MESSAGES}", new, MESSAGES)
    after_cache, _ = seeded_home(f"s{history + new}-m{MESSAGES}", history + new, MESSAGES)
    dreamt = working_copy(after_cache, work / "dreamt-history")
    asyncio.run(_dream_history(dreamt, history))
    alone = _median_dream(alone_cache, work, "dream-alone", new)
    after = _median_dream(dreamt, work, "dream-after", new)
    return {"alone_s": alone, "after_history_s": after, "ratio": after / alone}


HUGE_SESSIONS = 3
HUGE_PART = 500_000
"""Characters in each of a huge session's four large messages: 2 MB a session."""
_PROSE_TEXT = """
the report from Lisbon was late again because the build kept failing on the new runner while
Marta rewrote the export and nobody had checked the quarterly numbers yet
"""
_PROSE = _PROSE_TEXT.split()
_SHORT = ("Ok. ", "No. ", "Sure. ", "Fine, go on. ")
_TRACEBACK = 'Traceback (most recent call last):\n  File "build.py", line 7\nOSError: disk full\n'


def _filled(piece: Callable[[int], str]) -> str:
    """`piece(0) + piece(1) + …` up to HUGE_PART characters."""
    pieces: list[str] = []
    size = 0
    while size < HUGE_PART:
        pieces.append(piece(len(pieces)))
        size += len(pieces[-1])
    return "".join(pieces)


def _huge_messages(rng: random.Random) -> list[tuple[Role, list[Block]]]:
    """A session a dream must get through however large: a preference said first, then a pasted
    document of sentences; a turn of many short ones; a build log that ends in a traceback; a
    single line without a stop."""
    document = _filled(lambda _: " ".join(rng.choices(_PROSE, k=12)).capitalize() + ". ")
    short = _filled(lambda n: _SHORT[n % len(_SHORT)])
    build_log = _filled(lambda n: f"[{n:06}] compiled src/module_{n}.py in {rng.random():.3f}s\n")
    line = _filled(lambda _: " ".join(rng.choices(_PROSE, k=50)) + " ")
    build = {"type": "tool_use", "id": "b", "name": "run_command", "input": {"command": "make"}}
    dump = {"type": "tool_use", "id": "d", "name": "read_file", "input": {"path": "dump.txt"}}
    failed = {"tool_use_id": "b", "is_error": True, "exit_code": 2}
    return [
        ("user", [{"type": "text", "text": f"I prefer British spelling. {document}"}]),
        ("assistant", [{"type": "text", "text": "Noted."}]),
        ("user", [{"type": "text", "text": short}]),
        ("assistant", [build]),
        ("tool", [{"type": "tool_result", **failed, "content": build_log + _TRACEBACK}]),
        ("assistant", [dump]),
        ("tool", [{"type": "tool_result", "tool_use_id": "d", "content": line}]),
    ]


async def _write_huge_sessions(home: Path) -> None:
    rng = random.Random(7)
    async with await SessionLog.open(home) as log:
        for number in range(HUGE_SESSIONS):
            session = await log.create_session(title=f"huge {number}")
            for role, content in _huge_messages(rng):
                await log.append_message(session.id, role, content)


def run_huge_dream(work: Path) -> dict[str, Any]:
    """Seconds to dream HUGE_SESSIONS sessions of 2 MB each (median of RUNS runs)."""
    prepared = work / "huge-sessions"
    asyncio.run(_write_huge_sessions(prepared))
    megabytes = HUGE_SESSIONS * 4 * HUGE_PART / 1e6
    return {"seconds": _median_dream(prepared, work, "dream-huge", HUGE_SESSIONS), "mb": megabytes}


async def _taubench(home: Path) -> dict[str, Any]:
    async with await SessionLog.open(home) as log:
        await import_paths(log, [TAUBENCH])
        summary = await dream(log)
        proposals = await as_json(log)
        outcomes = {s.id: s.outcome for s in await log.list_sessions(limit=1000)}
    failures = [p for p in proposals if p["kind"] == "failure"]
    evidence = [e["session_id"] for p in failures for e in p["evidence"]]
    failed = sum(outcomes[session] == "failure" for session in evidence)
    return {
        "failure_proposals": len(failures),
        "evidence_sessions_failed_share": round(failed / len(evidence), 3) if evidence else None,
        "seconds": round(summary.seconds, 3),
        "top_10": _top(proposals),
    }


def _top(proposals: Iterable[dict[str, Any]], count: int = 10) -> list[str]:
    """The most confident proposals as a person reads them in the inbox."""
    ranked = sorted(proposals, key=lambda p: (-p["confidence"], -p["support"], p["statement"]))
    return [
        f"[{p['kind']} {p['confidence']:.2f}, {p['support']} sessions] {p['statement']}"
        for p in ranked[:count]
    ]


def run_taubench(work: Path) -> dict[str, Any]:
    """Import the tau-bench trajectories into a fresh home, dream once, report."""
    return asyncio.run(_taubench(work / "taubench-home"))
