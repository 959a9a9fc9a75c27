"""Adopted memory as other agents are served it (`reverie mcp`): the memories that apply in a
project, and why one is believed. Only what recall itself may bring back (`RECALLABLE`: active,
not backed by private sessions alone), and of a memory's evidence only what private sessions did
not say: another agent reads it."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from memory_graph.memory.evidence import Evidence, Owner, evidence_of
from memory_graph.memory.nodes import NODE_COLUMNS, Node, node_from_row
from memory_graph.memory.projects import SCOPE, applies
from memory_graph.memory.recall.memories import RECALLABLE
from memory_graph.memory.vocabulary import MCP_SOURCE_PREFIX, MemoryKind
from memory_graph.store.database import Database
from memory_graph.store.sql import where_in

SERVED_LIMIT = 200
"""Memories one listing holds, strongest first: a graph of 100,000 is not sent whole."""


@dataclass(frozen=True)
class Listing:
    """The memories that apply, strongest first, and how many applied in all."""

    memories: list[Node]
    total: int

    def to_json(self) -> dict[str, Any]:
        return {
            "memories": [_served(node) for node in self.memories],
            "total": self.total,
            "more": self.total - len(self.memories),
        }


@dataclass(frozen=True)
class Explanation:
    """Why a memory is believed: its evidence (excerpts redacted), and for a memory an agent
    suggested, who suggested it and the reason it gave, never verified."""

    memory: Node
    evidence: list[Evidence]
    withheld: int
    """Pieces of evidence left out: private sessions said them."""

    def to_json(self) -> dict[str, Any]:
        source = str(self.memory.attributes.get("source", "")) or None
        suggested = source is not None and source.startswith(MCP_SOURCE_PREFIX)
        return {
            "memory": _served(self.memory),
            "evidence": [link.to_json() for link in self.evidence],
            "withheld_private": self.withheld,
            "suggested_by": source if suggested else None,
            "unverified_reason": self.memory.attributes.get("reason") if suggested else None,
        }


def _served(node: Node) -> dict[str, Any]:
    """A memory as an agent reads it: what it says and how strongly it is held."""
    return {
        "id": node.id,
        "kind": node.kind,
        "statement": node.statement,
        "support": node.support,
        "scope": node.attributes.get(SCOPE, ""),
        "first_seen": node.first_seen,
        "last_seen": node.last_seen,
    }


async def adopted(
    log: Database, kinds: Sequence[MemoryKind], project: str | None, *, everywhere: bool
) -> Listing:
    """The active memories of these kinds, strongest (most sessions) first: those that apply in
    `project` (None: outside any), or, when `everywhere`, those of every project too."""
    rows = await log.connection.execute_fetchall(
        f"SELECT {NODE_COLUMNS} FROM nodes n WHERE n.kind IN ({', '.join('?' * len(kinds))}) "
        f"AND {RECALLABLE} ORDER BY n.support DESC, n.id",
        tuple(kinds),
    )
    found = [node_from_row(row) for row in rows]
    kept = [n for n in found if everywhere or applies(n.attributes.get(SCOPE), project)]
    return Listing(kept[:SERVED_LIMIT], len(kept))


async def explain(log: Database, memory_id: int) -> Explanation | None:
    """Why this memory is believed, or None when there is no such memory recall may serve."""
    rows = list(
        await log.connection.execute_fetchall(
            f"SELECT {NODE_COLUMNS} FROM nodes n WHERE n.id = ? AND {RECALLABLE}", (memory_id,)
        )
    )
    if not rows:
        return None
    evidence = await evidence_of(log, Owner.NODE, memory_id)
    private = {
        int(row[0])
        for row in await where_in(
            log,
            "SELECT id FROM sessions WHERE private = 1 AND id IN ({})",
            sorted({link.session_id for link in evidence}),
        )
    }
    shown = [link for link in evidence if link.session_id not in private]
    return Explanation(node_from_row(rows[0]), shown, len(evidence) - len(shown))
