"""The adopted graph as a networkx MultiDiGraph: loaded once, then updated from each decision
(the nodes and edges it touched are read again), never reloaded whole. Exports to GraphML,
node-link JSON, Graphviz DOT and Mermaid.

Nodes are keyed by id and carry their kind, statement, support, status and dates; edges are
keyed by their id and carry their kind and weight. An edge is in the view once both of its
patterns belong to nodes.
"""

from __future__ import annotations

import json
from collections import defaultdict
from pathlib import Path
from typing import Any

import networkx as nx

from memory_graph.memory.adoption import Decided
from memory_graph.memory.nodes import NODE_COLUMNS, Edge, Node, edge_from_row, node_from_row
from memory_graph.memory.projects import EVERYWHERE, SCOPE
from memory_graph.store.database import Database
from memory_graph.store.redact import redact

EXPORT_FORMATS = {
    ".graphml": "GraphML",
    ".json": "node-link JSON",
    ".dot": "DOT",
    ".mmd": "Mermaid",
}


class MemoryGraph:
    """A live view of the adopted graph for browsing and export."""

    def __init__(self) -> None:
        self.graph: nx.MultiDiGraph[int] = nx.MultiDiGraph()
        self._owner: dict[str, int] = {}
        """Which node each pattern belongs to."""
        self._patterns_of: dict[int, set[str]] = {}
        self._edges: dict[int, Edge] = {}
        """Every edge, including those waiting for one of their ends to be adopted."""
        self._at: defaultdict[str, set[int]] = defaultdict(set)
        """The edges at each pattern."""

    @classmethod
    async def load(cls, log: Database) -> MemoryGraph:
        """Read every node (whatever its status) and edge once."""
        view = cls()
        async with log.connection.execute(f"SELECT {NODE_COLUMNS} FROM nodes n") as cursor:
            for row in await cursor.fetchall():
                view._put_node(node_from_row(row))
        async with log.connection.execute("SELECT fingerprint, node_id FROM node_patterns") as c:
            for fingerprint, node_id in await c.fetchall():
                view._owner[str(fingerprint)] = int(node_id)
                view._patterns_of.setdefault(int(node_id), set()).add(str(fingerprint))
        async with log.connection.execute(
            "SELECT id, source, target, kind, weight FROM edges"
        ) as cursor:
            for row in await cursor.fetchall():
                view._put_edge(edge_from_row(row))
        return view

    def _put_node(self, node: Node) -> None:
        self.graph.add_node(node.id, **_attributes(node))

    def _put_edge(self, edge: Edge) -> None:
        self._edges[edge.id] = edge
        self._at[edge.source].add(edge.id)
        self._at[edge.target].add(edge.id)
        source, target = self._owner.get(edge.source), self._owner.get(edge.target)
        if source is not None and target is not None:
            self.graph.add_edge(
                source, target, key=edge.id, kind=str(edge.kind), weight=edge.weight
            )

    async def apply(self, log: Database, decided: Decided) -> None:
        """Bring the view up to date with one decision: the nodes and edges it touched."""
        for node_id in decided.nodes:
            async with log.connection.execute(
                f"SELECT {NODE_COLUMNS} FROM nodes n WHERE n.id = ?", (node_id,)
            ) as cursor:
                row = await cursor.fetchone()
            if row is None:
                if self.graph.has_node(node_id):
                    self.graph.remove_node(node_id)
            else:
                self._put_node(node_from_row(row))
        patterns: dict[str, int] = {}
        if decided.nodes:
            marks = ", ".join("?" * len(decided.nodes))
            async with log.connection.execute(
                f"SELECT fingerprint, node_id FROM node_patterns WHERE node_id IN ({marks})",
                decided.nodes,
            ) as cursor:
                patterns = {str(row[0]): int(row[1]) for row in await cursor.fetchall()}
            for node_id in decided.nodes:
                for fingerprint in self._patterns_of.pop(node_id, set()) - set(patterns):
                    self._owner.pop(fingerprint, None)
            for fingerprint, node_id in patterns.items():
                self._owner[fingerprint] = node_id
                self._patterns_of.setdefault(node_id, set()).add(fingerprint)
        for edge_id in decided.edges:
            async with log.connection.execute(
                "SELECT id, source, target, kind, weight FROM edges WHERE id = ?", (edge_id,)
            ) as cursor:
                row = await cursor.fetchone()
            if row is None:
                self._drop_edge(edge_id)
            else:
                self._put_edge(edge_from_row(row))
        # Edges that waited for a node adopted now join it.
        for fingerprint in patterns:
            for edge_id in list(self._at.get(fingerprint, ())):
                self._put_edge(self._edges[edge_id])

    def _drop_edge(self, edge_id: int) -> None:
        edge = self._edges.pop(edge_id, None)
        if edge is None:
            return
        self._at[edge.source].discard(edge_id)
        self._at[edge.target].discard(edge_id)
        for source, target, key in list(self.graph.edges(keys=True)):
            if key == edge_id:
                self.graph.remove_edge(source, target, key)

    def neighbours(self, node_id: int) -> list[tuple[int, str, str, float]]:
        """(other node, edge kind, "out" or "in", weight) for every edge of a node."""
        if not self.graph.has_node(node_id):
            return []
        found = [
            (target, str(data["kind"]), "out", float(data["weight"]))
            for _, target, data in self.graph.out_edges(node_id, data=True)
        ]
        found += [
            (source, str(data["kind"]), "in", float(data["weight"]))
            for source, _, data in self.graph.in_edges(node_id, data=True)
        ]
        return sorted(found, key=lambda item: (-item[3], item[0]))

    def export(self, path: Path) -> str:
        """The graph in the format `path`'s suffix names (EXPORT_FORMATS), as text."""
        suffix = path.suffix.lower()
        if suffix == ".graphml":
            return "\n".join(nx.generate_graphml(self.graph)) + "\n"
        if suffix == ".json":
            data = nx.node_link_data(self.graph, edges="edges")
            return json.dumps(data, ensure_ascii=False, indent=2) + "\n"
        if suffix == ".dot":
            return _dot(self.graph)
        if suffix == ".mmd":
            return _mermaid(self.graph)
        known = ", ".join(EXPORT_FORMATS)
        raise ValueError(f"cannot export to {path.name}: the name must end in one of {known}")


def _attributes(node: Node) -> dict[str, Any]:
    # Scalars only, so that every format (GraphML above all) can hold them.
    return {
        "kind": str(node.kind),
        "statement": redact(node.statement),
        "support": node.support,
        "status": str(node.status),
        "first_seen": node.first_seen,
        "last_seen": node.last_seen,
        "adopted": node.adopted,
        "scope": str(node.attributes.get(SCOPE) or EVERYWHERE),
    }


def _quoted(text: str) -> str:
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"').replace("\n", " ") + '"'


def _dot(graph: nx.MultiDiGraph[int]) -> str:
    lines = ["digraph memory {", "  node [shape=box];"]
    for node_id, data in graph.nodes(data=True):
        label = f"{data['kind']}: {data['statement']}"
        lines.append(f"  n{node_id} [label={_quoted(label)}, status={_quoted(data['status'])}];")
    for source, target, data in graph.edges(data=True):
        label = f"{data['kind']} {data['weight']:g}"
        lines.append(f"  n{source} -> n{target} [label={_quoted(label)}];")
    return "\n".join([*lines, "}"]) + "\n"


def _mermaid_text(text: str) -> str:
    # Mermaid labels take quotes as entities and no brackets that would end the shape.
    return text.replace('"', "#quot;").replace("\n", " ")


def _mermaid(graph: nx.MultiDiGraph[int]) -> str:
    lines = ["flowchart LR"]
    for node_id, data in graph.nodes(data=True):
        label = _mermaid_text(f"{data['kind']}: {data['statement']}")
        lines.append(f'  n{node_id}["{label}"]')
    for source, target, data in graph.edges(data=True):
        lines.append(f"  n{source} -->|{data['kind']}| n{target}")
    return "\n".join(lines) + "\n"
