"""What recall added to a logged prompt, rebuilt from the references it was logged with (ids and
wording versions, never text); `app/agent/prompt.py` words it as the model saw it."""

from __future__ import annotations

from typing import Any

from memory_graph.memory.recall.episodes import EPISODE_COLUMNS, episode_hit, episode_line
from memory_graph.memory.recall.results import Recalled, RecallHit
from memory_graph.memory.vocabulary import MemoryKind, RecallReason
from memory_graph.store.database import Database
from memory_graph.store.records import RECALL_EVENT, Event
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
            [ref[1] for ref in (*standing, *memories) if ref[1] is not None],
        )
    }

    def rebuilt(references: list[list[Any]], reason: RecallReason) -> list[RecallHit]:
        return [
            RecallHit(
                node_id, MemoryKind(kind), worded[version], 0.0, [], version, _reason(why, reason)
            )
            for node_id, version, kind, *why in references
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
    """The memory references of a logged prompt that name a kind this version knows (with the
    reason it came, since recall kept one)."""
    kinds = tuple(MemoryKind)
    return [ref for ref in references if len(ref) in (3, 4) and ref[2] in kinds]


def _reason(logged: list[Any], otherwise: RecallReason) -> RecallReason:
    """The reason a reference was logged with, if it has one this version knows."""
    reasons = tuple(RecallReason)
    return RecallReason(logged[0]) if logged and logged[0] in reasons else otherwise


async def turn_recalls(log: Database, events: list[Event]) -> dict[int, Recalled]:
    """What recall brought to each turn of a session, by the user message it answered, from
    the session's `recall` events: rebuilt from their references (an event logged before
    events kept them names memories by id: their wording now stands in)."""
    found: dict[int, Recalled] = {}
    for event in events:
        if event.kind != RECALL_EVENT or event.message_id is None:
            continue
        references = event.data.get("references")
        if not isinstance(references, dict):
            references = await _by_id(log, event.data)
        found[event.message_id] = await as_logged(log, references)
    return found


async def _by_id(log: Database, data: dict[str, Any]) -> dict[str, Any]:
    """References for a recall event that named memories by id only: their latest wording."""
    ids = [node_id for node_id in data.get("memories", []) if isinstance(node_id, int)]
    rows = await where_in(
        log,
        "SELECT n.id, (SELECT MAX(v.id) FROM statement_versions v WHERE v.node_id = n.id), "
        "n.kind FROM nodes n WHERE n.id IN ({})",
        ids,
    )
    order = {node_id: place for place, node_id in enumerate(ids)}
    memories = sorted(([row[0], row[1], row[2]] for row in rows), key=lambda ref: order[ref[0]])
    return {"memories": memories, "episodes": data.get("episodes", [])}
