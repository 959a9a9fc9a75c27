"""What a new session in a project starts with, before anything is asked: the standing memory
that applies there, then that project's own memory (failures and fixes, workflows, facts about
it, learned there), strongest first. What an agent without recall of its own is handed
(`reverie context`, and the files and hooks of other agents); Reverie's own chat carries the
standing part in every turn and recalls the rest by relevance."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from memory_graph.memory.projects import SCOPE
from memory_graph.memory.recall.memories import RECALLABLE
from memory_graph.memory.recall.results import RecallHit, tokens
from memory_graph.memory.recall.standing import Found, standing, strongest_within, weighed
from memory_graph.memory.recall.tuning import DEFAULT_BUDGET, STANDING_CANDIDATES, STANDING_SHARE
from memory_graph.memory.vocabulary import MemoryKind, RecallReason
from memory_graph.store.database import Database


@dataclass(frozen=True)
class StartingContext:
    """The standing memory of a project and its own memory."""

    project: str | None
    standing: list[RecallHit]
    project_memory: list[RecallHit]

    def to_json(self) -> dict[str, Any]:
        """The `reverie context --json` shape."""
        return {
            "project": self.project,
            "standing": [hit.to_json() for hit in self.standing],
            "project_memory": [hit.to_json() for hit in self.project_memory],
        }


async def starting_context(
    log: Database, project: str | None, budget: int = DEFAULT_BUDGET
) -> StartingContext:
    """What a new session in `project` (None: outside any) starts with, within `budget`
    tokens: standing memory in its share, the project's memory in the rest."""
    now = datetime.now(UTC)
    held = await standing(log, int(budget * STANDING_SHARE), now, project)
    left = budget - sum(tokens(hit.statement) for hit in held)
    taken = {hit.node_id for hit in held}
    own = await _project_memory(log, project, left, now, taken) if project else []
    return StartingContext(project, held, own)


async def _project_memory(
    log: Database, project: str, budget: int, now: datetime, taken: set[int | None]
) -> list[RecallHit]:
    """The memories scoped to `project` that standing memory did not already hold."""
    rows = await log.connection.execute_fetchall(
        "SELECT n.id, n.kind, n.statement, n.support, n.last_seen FROM nodes n "
        f"WHERE json_extract(n.attributes, '$.{SCOPE}') = ? AND {RECALLABLE} "
        "ORDER BY n.support DESC LIMIT ?",
        (project, STANDING_CANDIDATES),
    )
    found: list[Found] = [
        (int(node_id), MemoryKind(kind), str(text), int(support), str(last_seen))
        for node_id, kind, text, support, last_seen in rows
        if int(node_id) not in taken and not MemoryKind(kind).derived
    ]
    hits = [
        RecallHit(node_id, kind, text, strength, [], None, RecallReason.PROJECT)
        for strength, node_id, kind, text in strongest_within(
            await weighed(log, found, now), budget
        )
    ]
    return hits
