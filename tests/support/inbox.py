"""The inbox as tests read it: the `reverie inbox --json` shape, from the one inbox reader."""

from __future__ import annotations

from typing import Any

from memory_graph.memory.inbox import with_evidence
from memory_graph.store.session_log import SessionLog


async def inbox_json(log: SessionLog) -> list[dict[str, Any]]:
    """Every pending proposal as `reverie inbox --json` prints it, in the inbox's order."""
    return [item.to_json(evidence) for item, evidence in await with_evidence(log)]
