"""The inbox as the person judges it: the pending proposals, each with its evidence and whether
what it edits changed since (the dreamer writes them: `dreamer.journal`)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from memory_graph.memory.nodes import evidence_of, state_hashes
from memory_graph.store.session_log import SessionLog


async def pending(log: SessionLog) -> list[dict[str, Any]]:
    """The inbox: pending proposals, by kind then confidence and support, in the `reverie inbox
    --json` shape. Excerpts are cut from the linked messages and redacted on the way out."""
    async with log.connection.execute(
        "SELECT id, op, kind, statement, confidence, support, dream_id, created, "
        "json_extract(payload, '$.flag') FROM proposals "
        "WHERE status = 'pending' ORDER BY kind, confidence DESC, support DESC, id"
    ) as cursor:
        rows = list(await cursor.fetchall())
    return [
        {
            "id": row[0],
            "op": row[1],
            "kind": row[2],
            "statement": row[3],
            "confidence": row[4],
            "support": row[5],
            "evidence": await evidence_of(log, "proposal", row[0]),
            "dream_id": row[6],
            "created": row[7],
            "flag": row[8],
        }
        for row in rows
    ]


async def count_pending(log: SessionLog) -> int:
    """How many proposals wait in the inbox."""
    async with log.connection.execute(
        "SELECT COUNT(*) FROM proposals WHERE status = 'pending'"
    ) as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


KIND_ORDER = ("workflow", "failure", "fix", "preference", "fact", "pattern", "topic", "entity")
"""How the inbox groups proposals: what changes behaviour first, context last."""


@dataclass(frozen=True)
class InboxItem:
    """A pending proposal as the inbox panel shows it."""

    id: int
    op: str
    kind: str
    statement: str
    memory: str
    """The memory it would add, as a person may edit it before adopting."""
    confidence: float
    support: int
    dream_id: int
    created: str
    first_seen: str
    last_seen: str
    stale: bool
    """What it edits changed since it was made: adopting it would apply nothing."""
    flag: str = ""
    """A warning for the person judging it: its words read like an instruction to the model."""


async def inbox_items(log: SessionLog) -> list[InboxItem]:
    """Pending proposals grouped by kind (KIND_ORDER), then by confidence and support."""
    rows = list(
        await log.connection.execute_fetchall(
            "SELECT p.id, p.op, p.kind, p.statement, p.payload, p.confidence, p.support, "
            "p.dream_id, p.created, p.fingerprint, p.graph_hash, MIN(s.started), "
            "MAX(COALESCE(s.ended, s.started)) FROM proposals p "
            "LEFT JOIN proposal_evidence e ON e.proposal_id = p.id "
            "LEFT JOIN sessions s ON s.id = e.session_id WHERE p.status = 'pending' GROUP BY p.id"
        )
    )
    payloads = {row[0]: json.loads(row[4]) for row in rows}
    targets = {row[0]: str(payloads[row[0]].get("target", row[9])) for row in rows}
    current = await state_hashes(log, sorted(set(targets.values())))
    items = []
    for row in rows:
        node = payloads[row[0]].get("node")
        memory = str(node.get("statement", "")) if isinstance(node, dict) else ""
        items.append(
            InboxItem(
                id=row[0],
                op=row[1],
                kind=row[2],
                statement=row[3],
                memory=memory or row[3],
                confidence=row[5],
                support=row[6],
                dream_id=row[7],
                created=row[8],
                first_seen=row[11] or "",
                last_seen=row[12] or "",
                stale=current[targets[row[0]]] != row[10],
                flag=str(payloads[row[0]].get("flag") or ""),
            )
        )
    order = {kind: position for position, kind in enumerate(KIND_ORDER)}
    return sorted(
        items, key=lambda i: (order.get(i.kind, len(order)), -i.confidence, -i.support, i.id)
    )
