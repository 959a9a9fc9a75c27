"""Memory as tests read it: the adopted graph's active memories (what a person adopted, not the
entities adoption linked them to), from a log or a home."""

from __future__ import annotations

from pathlib import Path

from memory_graph.memory import nodes
from memory_graph.memory.vocabulary import PROPOSED_KINDS
from memory_graph.store.session_log import SessionLog


async def active_memories(log: SessionLog) -> dict[str, nodes.Node]:
    """Every active memory, by its statement."""
    return {node.statement: node for node, _ in await nodes.nodes(log, PROPOSED_KINDS)}


async def memories_at(home: Path) -> dict[str, nodes.Node]:
    """Every active memory of the log in `home`, by its statement."""
    async with await SessionLog.open(home) as log:
        return await active_memories(log)
