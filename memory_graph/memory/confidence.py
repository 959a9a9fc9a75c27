"""How sure Reverie is of a pattern or an adopted memory: the sessions that support it, and for
a memory the sessions that contradict it, counted when it is read (a dream writes no memory,
so what it found against one waits in the inbox and counts from there).

Evidence against an adopted memory is that of the pending proposals that would take it back:
a `supersede` (the person said otherwise, `conflict` or not) and a proposal the replies marked
bad after it was recalled raised (`AGAINST` in its payload). Once the person decides, it counts
no more: adopted, the memory is gone; rejected, they said it stands.
"""

from __future__ import annotations

from collections.abc import Sequence

from memory_graph.store.database import Database
from memory_graph.store.sql import where_in

AGAINST = "against"
"""The payload key of a proposal whose evidence counts against the memory it targets."""

AGAINST_PROPOSALS = (
    "p.status = 'pending' AND (p.op = 'supersede' OR json_extract(p.payload, '$.against'))"
)
"""The proposals whose evidence counts against their target: pending ones, as few as the inbox
holds, read from the index by status."""


def support_confidence(support: int) -> float:
    """How sure a pattern is from its support alone: 2 sessions 0.75, 3 0.88, 4 0.94."""
    return 1 - 0.5**support


def standing_share(support: int, against: int) -> float:
    """The share of the sessions that spoke of a memory that were for it: 1 when none was
    against, 0.5 when as many were against as for it."""
    total = support + against
    return support / total if total else 0.0


def confidence(support: int, against: int = 0) -> float:
    """How sure a memory is: its support's confidence, times the share of the sessions that
    spoke of it and were for it."""
    return support_confidence(support) * standing_share(support, against)


async def contradicted(log: Database, node_ids: Sequence[int]) -> dict[int, int]:
    """The sessions against each of these memories (only those with some), distinct across the
    proposals and patterns that say so."""
    rows = await where_in(
        log,
        "SELECT np.node_id, COUNT(DISTINCT e.session_id) FROM node_patterns np "
        "JOIN proposals p ON json_extract(p.payload, '$.target') = np.fingerprint "
        f"AND {AGAINST_PROPOSALS} "
        "JOIN proposal_evidence e ON e.proposal_id = p.id "
        "WHERE np.node_id IN ({}) GROUP BY np.node_id",
        list(node_ids),
    )
    return {int(row[0]): int(row[1]) for row in rows}
