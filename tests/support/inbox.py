"""The inbox as tests read it: the `reverie inbox --json` shape, from the one inbox reader."""

from __future__ import annotations

from typing import Any

from memory_graph.memory.inbox import as_json
from memory_graph.store.session_log import SessionLog


async def inbox_json(log: SessionLog) -> list[dict[str, Any]]:
    """Every pending proposal as `reverie inbox --json` prints it, in the inbox's order."""
    return await as_json(log)


async def only_pending(log: SessionLog, **match: Any) -> dict[str, Any]:
    """The one pending proposal with these fields."""
    found = [p for p in await inbox_json(log) if all(p[k] == v for k, v in match.items())]
    assert len(found) == 1, (match, [(p["op"], p["kind"], p["statement"]) for p in found])
    return found[0]


def sessions_cited(proposal: dict[str, Any]) -> set[str]:
    """The external ids of the sessions a proposal's evidence cites."""
    return {e["session_external_id"] for e in proposal["evidence"]}
