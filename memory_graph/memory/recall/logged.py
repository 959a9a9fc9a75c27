"""What recall added to a logged prompt, rebuilt from the references it was logged with (ids and
wording versions, never text); `app/agent/prompt.py` words it as the model saw it."""

from __future__ import annotations

from typing import Any

from memory_graph.memory.recall.episodes import EPISODE_COLUMNS, episode_hit, episode_line
from memory_graph.memory.recall.results import Recalled, RecallHit
from memory_graph.memory.vocabulary import MemoryKind, RecallReason
from memory_graph.store.database import Database
from memory_graph.store.sql import where_in


async def as_logged(log: Database, references: dict[str, Any]) -> Recalled:
    """What a logged prompt's references (`Recalled.references`) brought, in the words the
    model saw: each memory at the version then recalled, each earlier message as it is. What
    was forgotten since is gone from it, as it is from the log."""
    standing = _known(references.get("standing", []))
    memories = _known(references.get("memories", []))
    worded = {
        int(row[0]): str(row[1])
        for row in await where_in(
            log,
            "SELECT id, statement FROM statement_versions WHERE id IN ({})",
            [version for _, version, _ in (*standing, *memories) if version is not None],
        )
    }

    def rebuilt(references: list[list[Any]], reason: RecallReason) -> list[RecallHit]:
        return [
            RecallHit(node_id, MemoryKind(kind), worded[version], 0.0, [], version, reason)
            for node_id, version, kind in references
            if version in worded
        ]

    hits = rebuilt(memories, RecallReason.MATCHED)
    rows = await where_in(
        log,
        f"SELECT {EPISODE_COLUMNS} FROM messages m JOIN sessions s ON s.id = m.session_id "
        "WHERE m.id IN ({})",
        list(references.get("episodes", [])),
    )
    rank = {message_id: place for place, message_id in enumerate(references.get("episodes", []))}
    hits += [
        episode_hit(row, episode_line(row["role"], row["text"]), 0.0)
        for row in sorted(rows, key=lambda row: rank.get(row["message_id"], 0))
    ]
    return Recalled("", hits, rebuilt(standing, RecallReason.STANDING))


def _known(references: list[Any]) -> list[list[Any]]:
    """The memory references of a logged prompt that name a kind this version knows."""
    kinds = tuple(MemoryKind)
    return [ref for ref in references if len(ref) == 3 and ref[2] in kinds]
