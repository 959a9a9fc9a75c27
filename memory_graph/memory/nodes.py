"""The adopted graph as stored: nodes, the patterns each stands for, edges between patterns, and
the evidence of each node. Reads only; `adoption` is the one writer.

A node is known by the fingerprints of the patterns it stands for (`node_patterns`), so the
dreamer can tell that a pattern it sees again is already memory. Edges name their ends by
pattern, so an edge proposed before both ends were adopted appears once they are.
"""

from __future__ import annotations

import hashlib
import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from memory_graph.memory.vocabulary import EdgeKind, MemoryKind, NodeStatus
from memory_graph.store.database import Database
from memory_graph.store.sql import where_in

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
    kind: MemoryKind
    statement: str
    attributes: dict[str, Any]
    support: int
    first_seen: str
    last_seen: str
    status: NodeStatus
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


def node_from_row(row: sqlite3.Row) -> Node:
    """A Node from a row holding the NODE_COLUMNS."""
    return Node(
        id=int(row["id"]),
        pattern=str(row["pattern"]),
        kind=MemoryKind(row["kind"]),
        statement=str(row["statement"]),
        attributes=json.loads(row["attributes"]),
        support=int(row["support"]),
        first_seen=str(row["first_seen"]),
        last_seen=str(row["last_seen"]),
        status=NodeStatus(row["status"]),
        adopted=str(row["adopted"]),
        updated=str(row["updated"]),
    )


@dataclass(frozen=True)
class Edge:
    """An edge between two patterns; in the graph once both are nodes."""

    id: int
    source: str
    target: str
    kind: EdgeKind
    weight: float


def edge_from_row(row: sqlite3.Row) -> Edge:
    """An Edge from a row of the edges table."""
    return Edge(
        int(row["id"]),
        str(row["source"]),
        str(row["target"]),
        EdgeKind(row["kind"]),
        float(row["weight"]),
    )


async def nodes_of(log: Database, fingerprints: Sequence[str]) -> dict[str, Node]:
    """The node each of these patterns belongs to, for those that belong to one."""
    rows = await where_in(
        log,
        f"SELECT p.fingerprint, {NODE_COLUMNS} FROM node_patterns p JOIN nodes n "
        "ON n.id = p.node_id WHERE p.fingerprint IN ({})",
        fingerprints,
    )
    return {str(row["fingerprint"]): node_from_row(row) for row in rows}


async def state_hashes(log: Database, fingerprints: Sequence[str]) -> dict[str, str]:
    """The state hash of the node behind each pattern (ABSENT when it is not a node)."""
    nodes = await nodes_of(log, fingerprints)
    return {fp: nodes[fp].state_hash if fp in nodes else ABSENT for fp in fingerprints}


async def nodes(
    log: Database,
    kinds: Sequence[MemoryKind] = tuple(MemoryKind),
    statuses: Sequence[NodeStatus] = (NodeStatus.ACTIVE,),
) -> list[tuple[Node, list[str]]]:
    """Nodes of these kinds and statuses, each with the patterns it stands for."""
    async with log.connection.execute(
        f"SELECT {NODE_COLUMNS}, (SELECT json_group_array(p.fingerprint) FROM node_patterns p "
        f"WHERE p.node_id = n.id) AS patterns FROM nodes n "
        f"WHERE n.kind IN ({', '.join('?' * len(kinds))}) "
        f"AND n.status IN ({', '.join('?' * len(statuses))}) ORDER BY n.id",
        (*kinds, *statuses),
    ) as cursor:
        rows = await cursor.fetchall()
    return [(node_from_row(row), sorted(json.loads(row["patterns"]))) for row in rows]


async def edges(log: Database) -> list[Edge]:
    """Every edge, whether or not both ends are nodes yet."""
    async with log.connection.execute(
        "SELECT id, source, target, kind, weight FROM edges ORDER BY id"
    ) as cursor:
        return [edge_from_row(row) for row in await cursor.fetchall()]
