"""The adopted graph as stored: nodes, the patterns each stands for, edges between patterns, and
the evidence of each node. Reads only; `adoption` is the one writer.

A node is known by the fingerprints of the patterns it stands for (`node_patterns`), so the
dreamer can tell that a pattern it sees again is already memory. Edges name their ends by
pattern, so an edge proposed before both ends were adopted appears once they are.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from memory_graph.store.content import excerpt
from memory_graph.store.session_log import SessionLog
from memory_graph.store.sql import where_in

NODE_KINDS = ("preference", "pattern", "failure", "fix", "workflow", "topic", "entity", "fact")
ABSENT = "absent"
"""The state hash of a pattern that is not a node."""

NODE_COLUMNS = (
    "n.id, n.pattern, n.kind, n.statement, n.attributes, n.support, n.first_seen, n.last_seen, "
    "n.status, n.adopted, n.updated"
)


@dataclass(frozen=True)
class Node:
    """An adopted memory."""

    id: int
    pattern: str
    """The pattern it was adopted from: edges name the node by it."""
    kind: str
    statement: str
    attributes: dict[str, Any]
    support: int
    first_seen: str
    last_seen: str
    status: str
    adopted: str
    updated: str

    @property
    def state_hash(self) -> str:
        """What a proposal that edits this node was made against: if it changes before the
        proposal is adopted, the proposal is stale."""
        digest = hashlib.sha256(f"{self.status}\x1f{self.support}\x1f{self.statement}".encode())
        return digest.hexdigest()[:16]

    def to_json(self) -> dict[str, Any]:
        """The node as scripts and exports see it."""
        return {
            "id": self.id,
            "pattern": self.pattern,
            "kind": self.kind,
            "statement": self.statement,
            "attributes": self.attributes,
            "support": self.support,
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
            "status": self.status,
            "adopted": self.adopted,
            "updated": self.updated,
        }


def node_from_row(row: Sequence[Any]) -> Node:
    """A Node from the NODE_COLUMNS of a row."""
    return Node(
        int(row[0]),
        str(row[1]),
        str(row[2]),
        str(row[3]),
        json.loads(row[4]),
        int(row[5]),
        str(row[6]),
        str(row[7]),
        str(row[8]),
        str(row[9]),
        str(row[10]),
    )


@dataclass(frozen=True)
class Edge:
    """An edge between two patterns; in the graph once both are nodes."""

    id: int
    source: str
    target: str
    kind: str
    weight: float


async def nodes_of(log: SessionLog, fingerprints: Sequence[str]) -> dict[str, Node]:
    """The node each of these patterns belongs to, for those that belong to one."""
    rows = await where_in(
        log,
        f"SELECT p.fingerprint, {NODE_COLUMNS} FROM node_patterns p JOIN nodes n "
        "ON n.id = p.node_id WHERE p.fingerprint IN ({})",
        fingerprints,
    )
    return {str(row[0]): node_from_row(row[1:]) for row in rows}


async def state_hashes(log: SessionLog, fingerprints: Sequence[str]) -> dict[str, str]:
    """The state hash of the node behind each pattern (ABSENT when it is not a node)."""
    nodes = await nodes_of(log, fingerprints)
    return {fp: nodes[fp].state_hash if fp in nodes else ABSENT for fp in fingerprints}


async def nodes(
    log: SessionLog, kinds: Sequence[str] = NODE_KINDS, statuses: Sequence[str] = ("active",)
) -> list[tuple[Node, list[str]]]:
    """Nodes of these kinds and statuses, each with the patterns it stands for."""
    async with log.connection.execute(
        f"SELECT {NODE_COLUMNS}, (SELECT json_group_array(p.fingerprint) FROM node_patterns p "
        f"WHERE p.node_id = n.id) FROM nodes n WHERE n.kind IN ({', '.join('?' * len(kinds))}) "
        f"AND n.status IN ({', '.join('?' * len(statuses))}) ORDER BY n.id",
        (*kinds, *statuses),
    ) as cursor:
        rows = await cursor.fetchall()
    return [(node_from_row(row), sorted(json.loads(row[11]))) for row in rows]


async def edges(log: SessionLog) -> list[Edge]:
    """Every edge, whether or not both ends are nodes yet."""
    async with log.connection.execute(
        "SELECT id, source, target, kind, weight FROM edges ORDER BY id"
    ) as cursor:
        return [Edge(*row) for row in await cursor.fetchall()]


def evidence_link(row: Sequence[Any]) -> dict[str, Any]:
    """A piece of evidence as every command prints it, from (session id, its external id,
    message id, its external id)."""
    return {
        "session_id": row[0],
        "session_external_id": row[1],
        "message_id": row[2],
        "message_external_id": row[3],
    }


_EVIDENCE_OF = {
    "node": ("node_evidence", "node_id"),
    "proposal": ("proposal_evidence", "proposal_id"),
}


async def evidence_of(log: SessionLog, owner: str, owner_id: int) -> list[dict[str, Any]]:
    """The evidence of a node or a proposal (`owner`), each link with the excerpt it points
    at, redacted: why a memory is believed, why a proposal is made."""
    table, column = _EVIDENCE_OF[owner]
    rows = await log.connection.execute_fetchall(
        "SELECT e.session_id, s.external_id, e.message_id, m.external_id, m.text, e.span_start, "
        f"e.span_end FROM {table} e JOIN sessions s ON s.id = e.session_id "
        f"JOIN messages m ON m.id = e.message_id WHERE e.{column} = ? "
        "ORDER BY e.session_id, e.message_id",
        (owner_id,),
    )
    return [{**evidence_link(row), "excerpt": excerpt(str(row[4]), row[5], row[6])} for row in rows]
