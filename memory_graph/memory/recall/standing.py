"""Standing memory: what the person told Reverie about themselves and how they want things done
(their adopted preferences, corrections and facts whose subject is the person) applies to every
turn, the way CLAUDE.md does for Claude Code, not only when a message shares words with it.

The strongest come first (support and recency: `memories.weight`), within standing memory's
share of the recall budget; what does not fit is left to contextual recall, which brings it
when a turn is about it. Facts about a project (`FactSubject.PROJECT`) are contextual.
"""

from __future__ import annotations

import json
from datetime import datetime

from memory_graph.memory.recall.memories import RECALLABLE, weight
from memory_graph.memory.recall.results import RecallHit, tokens
from memory_graph.memory.recall.tuning import STANDING_CANDIDATES
from memory_graph.memory.vocabulary import FactSubject, MemoryKind, RecallReason
from memory_graph.store.database import Database

STANDING_KINDS = (MemoryKind.PREFERENCE, MemoryKind.FACT)
"""The kinds that may stand: corrections are preferences too."""


def stands(kind: MemoryKind, attributes: dict[str, object]) -> bool:
    """Whether a memory of this kind and these attributes applies to every turn."""
    if kind not in STANDING_KINDS:
        return False
    return kind != MemoryKind.FACT or attributes.get("subject") != FactSubject.PROJECT


async def standing(log: Database, budget: int, now: datetime) -> list[RecallHit]:
    """The standing memories that fit in `budget` tokens, strongest first."""
    found: list[tuple[float, RecallHit]] = []
    for kind in STANDING_KINDS:
        # The strongest of each kind by support, from the index: a graph of 100,000
        # memories is not read whole for each turn.
        rows = await log.connection.execute_fetchall(
            "SELECT n.id, n.statement, n.attributes, n.support, n.last_seen, (SELECT MAX(v.id) "
            "FROM statement_versions v WHERE v.node_id = n.id) FROM nodes n "
            f"WHERE n.kind = ? AND {RECALLABLE} ORDER BY n.support DESC LIMIT ?",
            (kind, STANDING_CANDIDATES),
        )
        for node_id, statement, attributes, support, last_seen, version in rows:
            if not stands(kind, json.loads(attributes)):
                continue
            strength = weight(kind, int(support), str(last_seen), now)
            hit = RecallHit(
                int(node_id),
                kind,
                str(statement),
                strength,
                [],
                version,
                RecallReason.STANDING,
            )
            found.append((strength, hit))
    hits: list[RecallHit] = []
    used = 0
    for _, hit in sorted(found, key=lambda item: (-item[0], item[1].node_id or 0)):
        cost = tokens(hit.statement)
        if used + cost <= budget:
            hits.append(hit)
            used += cost
    return hits
