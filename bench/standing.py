"""Standing recall: with every preference and fact of the planted corpora adopted, the share of
those that stand (preferences and facts about the person) present in the system prompt of a
turn that shares no word with them, in the project each applies in, within the default budget;
and how many standing memories that budget holds."""

from __future__ import annotations

import asyncio
import tempfile
from pathlib import Path
from typing import Any

from bench.planted import CORPORA, load_key
from dreamer.dream import dream
from memory_graph.memory import adoption
from memory_graph.memory.inbox import pending
from memory_graph.memory.nodes import nodes
from memory_graph.memory.projects import SCOPE
from memory_graph.memory.recall import DEFAULT_BUDGET, recall, tokens
from memory_graph.memory.recall.standing import stands
from memory_graph.memory.recall.tuning import STANDING_SHARE
from memory_graph.memory.vocabulary import MemoryKind
from memory_graph.store.session_log import SessionLog
from memory_graph.transcripts.importer import import_paths

TURN = "hello again, what is on for today?"
"""A turn about nothing any memory says."""


async def _corpus(home: Path, corpus: str) -> dict[str, Any]:
    key = load_key(corpus)
    async with await SessionLog.open(home) as log:
        await import_paths(log, [key.import_path])
        await dream(log)
        for item in await pending(log):
            if item.kind in (MemoryKind.PREFERENCE, MemoryKind.FACT):
                await adoption.adopt(log, item.id)
        standing = [
            node
            for node, _ in await nodes(log, (MemoryKind.PREFERENCE, MemoryKind.FACT))
            if stands(node.kind, node.attributes, node.statement)
        ]
        present = 0
        for node in standing:
            scope = node.attributes.get(SCOPE) or None
            found = await recall(log, TURN, project=scope)
            present += node.id in {hit.node_id for hit in found.standing}
    sizes = [tokens(node.statement) for node in standing]
    return {"standing": len(standing), "present": present, "tokens": sizes}


def run_standing() -> dict[str, Any]:
    """The figure for bench/results.json."""
    per_corpus: dict[str, Any] = {}
    with tempfile.TemporaryDirectory(prefix="reverie-standing-") as work:
        for corpus in CORPORA:
            per_corpus[corpus] = asyncio.run(_corpus(Path(work) / corpus, corpus))
    standing = sum(part["standing"] for part in per_corpus.values())
    present = sum(part["present"] for part in per_corpus.values())
    sizes = [size for part in per_corpus.values() for size in part.pop("tokens")]
    mean = sum(sizes) / len(sizes) if sizes else 0.0
    share = present / standing if standing else None
    return {
        "value": None if share is None else round(share, 3),
        "target": "1.0",
        "met": share == 1.0,
        "standing_memories": standing,
        "budget_tokens": int(DEFAULT_BUDGET * STANDING_SHARE),
        "mean_tokens_per_memory": round(mean, 1),
        "budget_holds_about": int(DEFAULT_BUDGET * STANDING_SHARE // mean) if mean else None,
        "per_corpus": per_corpus,
        "note": f"turn {TURN!r}, each memory in the project it applies in",
    }


if __name__ == "__main__":
    import json

    print(json.dumps(run_standing(), indent=2))
