"""Changes of mind: on a set of mind-changes written for it (tests/fixtures/mind_changes.jsonl:
a memory said in two sessions and adopted, then taken back in three later sessions, each in
other words), the share that one dream turns into a `supersede` proposal against the memory,
and how many dreams instead propose to reinforce the memory they contradict."""

from __future__ import annotations

import asyncio
import json
import tempfile
from pathlib import Path
from typing import Any

from dreamer.dream import dream
from memory_graph.memory import adoption
from memory_graph.memory.inbox import pending
from memory_graph.memory.vocabulary import ProposalOp
from memory_graph.store.session_log import SessionLog

MIND_CHANGES = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "mind_changes.jsonl"
TARGET = 0.9


def load() -> list[dict[str, Any]]:
    """The mind-changes, one per line."""
    lines = MIND_CHANGES.read_text(encoding="utf-8").splitlines()
    return [json.loads(line) for line in lines if line.strip()]


async def _said(log: SessionLog, turns: list[str]) -> None:
    for number, turn in enumerate(turns):
        session = await log.create_session(title=f"errand {number}")
        for role, text in (("user", f"help me with errand {number}"), ("assistant", "Sure.")):
            await log.append_message(session.id, role, [{"type": "text", "text": text}])
        await log.append_message(session.id, "user", [{"type": "text", "text": turn}])
        await log.append_message(session.id, "assistant", [{"type": "text", "text": "Done."}])


async def outcome(home: Path, change: dict[str, Any]) -> dict[str, Any]:
    """What one dream proposes once a memory is taken back: the ops of the proposals that
    touch the memory adopted first."""
    async with await SessionLog.open(home) as log:
        await _said(log, change["before"])
        await dream(log)
        for item in await pending(log):
            await adoption.adopt(log, item.id)
        await _said(log, change["after"])
        await dream(log)
        ops = [item.op for item in await pending(log)]
    return {
        "superseded": ProposalOp.SUPERSEDE in ops,
        "reinforced": ProposalOp.REINFORCE in ops,
        "ops": [str(op) for op in ops],
    }


def run_mind_changes() -> dict[str, Any]:
    """The figure for bench/results.json."""
    changes = load()
    found: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="reverie-mind-") as work:
        for change in changes:
            found[change["id"]] = asyncio.run(outcome(Path(work) / change["id"], change))
    share = sum(item["superseded"] for item in found.values()) / len(changes)
    reinforced = sum(item["reinforced"] for item in found.values())
    return {
        "value": round(share, 3),
        "target": f">= {TARGET}",
        "met": share >= TARGET and reinforced == 0,
        "reinforced_contradicted": reinforced,
        "changes": len(changes),
        "missed": sorted(key for key, item in found.items() if not item["superseded"]),
        "note": "share of mind-changes proposed as supersede; reinforcements must be 0",
    }


if __name__ == "__main__":
    print(json.dumps(run_mind_changes(), indent=2))
