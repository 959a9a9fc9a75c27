"""Contextual recall on next turns: with every proposal of the planted corpora adopted, each
failure and workflow pattern asked about in a new request written for this figure (its program
or its request in other words, never the error's text), in the project the memory applies in:
hit@5, the share whose memory is among the first five hits (or stands in every turn)."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Any

from bench.planted import load_key
from dreamer.dream import dream
from memory_graph.memory import adoption
from memory_graph.memory.inbox import pending
from memory_graph.memory.nodes import nodes
from memory_graph.memory.projects import SCOPE
from memory_graph.memory.recall import recall
from memory_graph.store.session_log import SessionLog
from memory_graph.transcripts.importer import import_paths

NEXT_TURNS: dict[str, dict[str, str]] = {
    "openai": {
        "port-53-held-by-resolved": "bring up unbound on the pi4 with docker compose",
        "restic-stale-lock": "the nightly restic job mailed me again, check it",
        "new-service-checklist": "new service time: vaultwarden on the nuc",
    },
    "claude_code": {
        "dbt-deps-missing": "run dbt test on the orders mart after pulling main",
        "snowflake-provider-extra": "write a DAG test for the snowflake unload with uv run",
        "pr-checklist": "this branch is done, get it ready for a PR",
    },
    "firmware": {
        "approtect-needs-recover": "flash the rev D board with west flash",
        "modemmanager-holds-tty": "open the serial console on the new board",
        "release-routine": "cut the 1.5.0 release",
    },
}
"""For each corpus, a next turn about each failure and workflow pattern, in other words."""
TARGET = 0.9
K = 5


async def _corpus(home: Path, corpus: str) -> dict[str, Any]:
    key = load_key(corpus)
    patterns = {pattern.id: pattern for pattern in key.patterns}
    async with await SessionLog.open(home) as log:
        await import_paths(log, [key.import_path])
        await dream(log)
        for item in await pending(log):
            await adoption.adopt(log, item.id)
        memories = [node for node, _ in await nodes(log)]
        found: dict[str, bool | None] = {}
        for pattern_id, turn in NEXT_TURNS[corpus].items():
            pattern = patterns[pattern_id]
            wanted = [n for n in memories if pattern.matches(n.kind, n.statement)]
            if not wanted:
                found[pattern_id] = None  # never adopted: the dream missed it
                continue
            scope = wanted[0].attributes.get(SCOPE) or None
            recalled = await recall(log, turn, project=scope)
            top = {hit.node_id for hit in recalled.standing} | {
                hit.node_id for hit in recalled.hits[:K]
            }
            found[pattern_id] = any(node.id in top for node in wanted)
    return found


def run_contextual() -> dict[str, Any]:
    """The figure for bench/results.json."""
    per_corpus: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="reverie-contextual-") as work:
        for corpus in NEXT_TURNS:
            per_corpus[corpus] = asyncio.run(_corpus(Path(work) / corpus, corpus))
    asked = [hit for found in per_corpus.values() for hit in found.values() if hit is not None]
    share = sum(asked) / len(asked) if asked else None
    return {
        "value": None if share is None else round(share, 3),
        "target": f">= {TARGET}",
        "met": share is not None and share >= TARGET,
        "asked": len(asked),
        "not_in_memory": sum(
            hit is None for found in per_corpus.values() for hit in found.values()
        ),
        "per_corpus": per_corpus,
        "note": f"hit@{K} of a next turn about each adopted failure and workflow pattern",
    }


if __name__ == "__main__":
    import json

    print(json.dumps(run_contextual(), indent=2))
