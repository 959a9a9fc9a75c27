"""Standing memory: what the person told Reverie about themselves and how they want things done
(their adopted preferences, corrections and facts whose subject is the person) applies to every
turn, the way CLAUDE.md does for Claude Code, not only when a message shares words with it.

The strongest come first (support and recency: `memories.weight`), within standing memory's
share of the recall budget; what does not fit is left to contextual recall, which brings it
when a turn is about it. Facts about a project (`FactSubject.PROJECT`) are contextual, and a
memory scoped to a project (`memory_graph.memory.projects`) stands only there.
"""

from __future__ import annotations

from datetime import datetime
from typing import cast

from memory_graph.memory.confidence import contradicted
from memory_graph.memory.projects import SCOPE, applies
from memory_graph.memory.recall.memories import RECALLABLE, weight
from memory_graph.memory.recall.results import RecallHit, tokens
from memory_graph.memory.recall.tuning import STANDING_CANDIDATES
from memory_graph.memory.vocabulary import FactSubject, MemoryKind, RecallReason
from memory_graph.store.database import Database, Memo
from memory_graph.store.sql import where_in

STANDING_KINDS = (MemoryKind.PREFERENCE, MemoryKind.FACT)
"""The kinds that may stand: corrections are preferences too."""


_ABOUT_THE_PERSON = ("my ", "i ", "i'm ", "i am ", "i've ")
"""How a fact about the person begins, for facts adopted before facts kept their subject (and
facts the model found, which name none)."""


def stands(kind: MemoryKind, attributes: dict[str, object], statement: str = "") -> bool:
    """Whether a memory of this kind and these attributes applies to every turn: a preference,
    or a fact about the person."""
    if kind == MemoryKind.PREFERENCE:
        return True
    if kind != MemoryKind.FACT:
        return False
    subject = attributes.get("subject")
    if subject is not None:
        return subject == FactSubject.PERSON
    return statement.lower().lstrip().startswith(_ABOUT_THE_PERSON)


async def standing(
    log: Database, budget: int, now: datetime, project: str | None, memo: Memo | None = None
) -> list[RecallHit]:
    """The standing memories that apply in `project` (None: outside any) and fit in `budget`
    tokens, strongest first. What is read changes only with memory: kept in `memo` (by
    default the log's, `Database.memo`) from one turn to the next."""
    kept = memo if memo is not None else await log.memo()
    read = kept.get(("standing", project))
    if read is None:
        read = kept[("standing", project)] = await _read(log, project)
    found, against, versions = cast(Read, read)
    chosen = strongest_within(weigh(found, against, now), budget)
    return [
        RecallHit(
            node_id, kind, statement, strength, [], versions.get(node_id), RecallReason.STANDING
        )
        for strength, node_id, kind, statement in chosen
    ]


async def _read(log: Database, project: str | None) -> Read:
    """The standing candidates of `project`, as `standing` weighs them."""
    found: list[Found] = []
    for kind in STANDING_KINDS:
        # The strongest of each kind by support, from the index: a graph of 100,000
        # memories is not read whole for each turn.
        # Facts about a project and memories of other projects are left out in the query:
        # they must not fill the candidates.
        rows = await log.connection.execute_fetchall(
            "SELECT n.id, n.statement, json_extract(n.attributes, '$.subject'), "
            f"json_extract(n.attributes, '$.{SCOPE}'), n.support, n.last_seen FROM nodes n "
            f"WHERE n.kind = ? AND {RECALLABLE} "
            "AND COALESCE(json_extract(n.attributes, '$.subject'), '') != 'project' "
            f"AND COALESCE(json_extract(n.attributes, '$.{SCOPE}'), '') IN ('', ?) "
            "ORDER BY n.support DESC LIMIT ?",
            (kind, project or "", STANDING_CANDIDATES),
        )
        for node_id, statement, subject, scope, support, last_seen in rows:
            described = {} if subject is None else {"subject": subject}
            if not stands(kind, described, str(statement)) or not applies(scope, project):
                continue
            found.append((int(node_id), kind, str(statement), int(support), str(last_seen)))
    node_ids = [node_id for node_id, *_ in found]
    return found, await contradicted(log, node_ids), await _versions(log, node_ids)


Weighed = tuple[float, int, MemoryKind, str]
"""A memory as it competes for room: its strength, id, kind and statement."""
Found = tuple[int, MemoryKind, str, int, str]
"""A memory as read to be weighed: its id, kind, statement, support and last sighting."""
Read = tuple[list[Found], dict[int, int], dict[int, int]]
"""The standing candidates of a project, the sessions against each, and their versions."""


async def weighed(log: Database, found: list[Found], now: datetime) -> list[Weighed]:
    """Each memory with its strength (`memories.weight`): support, recency and kind, less the
    share of the sessions that spoke against it (`confidence`)."""
    return weigh(found, await contradicted(log, [node_id for node_id, *_ in found]), now)


def weigh(found: list[Found], against: dict[int, int], now: datetime) -> list[Weighed]:
    """`weighed`, with the sessions against each memory known."""
    return [
        (weight(kind, support, last_seen, now, against.get(node_id, 0)), node_id, kind, statement)
        for node_id, kind, statement, support, last_seen in found
    ]


def strongest_within(weighed: list[Weighed], budget: int) -> list[Weighed]:
    """The strongest first (ties by id), each that still fits in `budget` tokens."""
    chosen: list[Weighed] = []
    used = 0
    for item in sorted(weighed, key=lambda item: (-item[0], item[1])):
        cost = tokens(item[3])
        if used + cost <= budget:
            chosen.append(item)
            used += cost
    return chosen


async def _versions(log: Database, node_ids: list[int]) -> dict[int, int]:
    """The latest wording version of each of these memories: what a logged prompt refers to."""
    rows = await where_in(
        log,
        "SELECT node_id, MAX(id) FROM statement_versions WHERE node_id IN ({}) GROUP BY node_id",
        node_ids,
    )
    return {int(row[0]): int(row[1]) for row in rows}
