"""Memory as tests read it: the adopted graph's active memories."""

from __future__ import annotations

from memory_graph.memory import nodes
from memory_graph.store.session_log import SessionLog


async def active_memories(log: SessionLog) -> dict[str, nodes.Node]:
    """Every active memory, by its statement."""
    return {node.statement: node for node, _ in await nodes.nodes(log)}
