"""Recall: the standing memory every turn carries (the person's adopted preferences and facts
about themselves, strongest first: `standing`), then the adopted memories relevant to a text,
fitted into a token budget, and, when memory does not fill it, the raw messages of earlier
sessions that match.

1. Full-text search (BM25) over the statements of active nodes finds the seeds.
2. A personalized PageRank, pushed locally from the seeds over the graph's edges (two rounds,
   each reading the neighbours of the sixteen nodes holding most relevance), lets
   a memory lend relevance to its neighbours: the fix of a failure that matched, the project a
   preference is about.
3. Each score is weighted by support and recency, and the best fit the budget.
4. Raw messages of earlier sessions are ranked with their context: the messages just before
   and after (an answer rarely repeats the question's words), their session, and who the query
   names; the two lists are fused by reciprocal rank.

What is read from memory alone and met again turn after turn (standing memory, a memory's
neighbours and the sessions against it, how many statements hold a word) is kept on the log's
handle from one turn to the next while memory is unchanged (`Database.memo`, keyed by the
memory clock that every change moves).

Retired, superseded and merged nodes never come back: only active nodes are read, and not those
that private sessions alone back (`RECALLABLE`). Episodes
(raw messages) come from sessions that are not private, never from the session asking, with
secrets redacted.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, datetime
from functools import partial

from memory_graph.memory.confidence import contradicted
from memory_graph.memory.projects import applies
from memory_graph.memory.recall.common import holding, searched
from memory_graph.memory.recall.dates import periods
from memory_graph.memory.recall.episodes import episodes, named_speaker
from memory_graph.memory.recall.logged import as_logged
from memory_graph.memory.recall.memo import per_key
from memory_graph.memory.recall.memories import (
    Candidate,
    candidates,
    evidence,
    seeds,
    spread,
    weight,
)
from memory_graph.memory.recall.results import Recalled, RecallHit, tokens
from memory_graph.memory.recall.standing import standing
from memory_graph.memory.recall.tuning import (
    CANDIDATES,
    DEFAULT_BUDGET,
    DEFAULT_K,
    FUSION_K,
    KIND_WEIGHT,
    STANDING_SHARE,
)
from memory_graph.memory.vocabulary import MemoryKind, RecallReason
from memory_graph.store.database import Database
from memory_graph.store.text import terms

__all__ = [
    "DEFAULT_BUDGET",
    "DEFAULT_K",
    "RecallHit",
    "Recalled",
    "as_logged",
    "recall",
    "tokens",
]


async def recall(
    log: Database,
    text: str,
    *,
    k: int = DEFAULT_K,
    budget: int = DEFAULT_BUDGET,
    exclude_session: int | None = None,
    now: datetime | None = None,
    project: str | None = None,
) -> Recalled:
    """The standing memory every turn carries (`standing`, within its share of `budget`), then
    the memories relevant to `text` and the raw messages of earlier sessions that match it,
    best first (the two rankings fused), at most `k` and within what is left of `budget`. A
    memory scoped to a project comes only in that `project` (None: a turn outside any)."""
    moment = now or datetime.now(UTC)
    words = terms(text)
    if not words or k <= 0:
        standing_only = await standing(log, int(budget * STANDING_SHARE), moment, project)
        return Recalled(text, [], standing_only)
    # Memories are weighed on this connection while earlier messages are ranked on a second
    # one: SQLite works on both at once, outside Python's lock.
    (standing_hits, memories, nodes, seeded), earlier = await asyncio.gather(
        _memories(log, words, k, budget, moment, project),
        _earlier(log, text, words, k, exclude_session),
    )
    budget -= sum(tokens(hit.statement) for hit in standing_hits)
    order = _fused([nodes[node_id][0] for _, node_id in memories], len(earlier))[:k]
    chosen = [memories[rank][1] for source, rank, _ in order if source == "memory"]
    linked = await evidence(log, chosen, words)
    hits: list[RecallHit] = []
    used = 0
    for source, rank, fused in order:
        if source == "memory":
            _, node_id = memories[rank]
            node = nodes[node_id]
            hit = RecallHit(
                node_id,
                node.kind,
                node.statement,
                fused,
                linked.get(node_id, []),
                node.version,
                RecallReason.MATCHED if node_id in seeded else RecallReason.RELATED,
            )
        else:
            # Scored as where it stands among both: the hits read in score order.
            hit = replace(earlier[rank], score=fused)
        cost = tokens(hit.statement)
        if used + cost > budget:
            break
        used += cost
        hits.append(hit)
    return Recalled(text, hits, standing_hits)


Weighed = tuple[list[RecallHit], list[tuple[float, int]], dict[int, Candidate], dict[int, float]]
"""Standing memory, then the contextual memories best first (score, id), what each is, and the
seeds (the memories whose own words matched)."""


async def _memories(
    log: Database, words: list[str], k: int, budget: int, moment: datetime, project: str | None
) -> Weighed:
    """The standing memory, and the `k` memories most relevant to `words` that apply in
    `project`, weighed by support, recency, kind and the evidence against them."""
    memo = await log.memo()
    standing_hits = await standing(log, int(budget * STANDING_SHARE), moment, project, memo)
    seeded = await seeds(log, words, memo)
    scored = await spread(log, seeded, memo) if seeded else {}
    # What every turn carries is not recalled twice.
    for hit in standing_hits:
        scored.pop(hit.node_id or 0, None)
    # Weights move a score by a bounded factor: the best CANDIDATES by relevance are enough.
    best = sorted(scored, key=lambda n: (-scored[n], n))[:CANDIDATES]
    # What each is, and the sessions against it, read on both connections at once (the second
    # has usually ranked the episodes by then). A memory scoped to another project does not
    # apply here (`projects`).
    found, against = await asyncio.gather(
        candidates(log, best),
        per_key(memo, "against", best, partial(contradicted, await log.reader())),
    )
    nodes = {node_id: node for node_id, node in found.items() if applies(node.scope, project)}
    memories = sorted(
        (
            (
                scored[node_id] * weight(kind, support, last_seen, moment, against.get(node_id, 0)),
                node_id,
            )
            for node_id, (kind, _, support, last_seen, _, _) in nodes.items()
        ),
        key=lambda item: (-item[0], item[1]),
    )[:k]
    return standing_hits, memories, nodes, seeded


async def _earlier(
    log: Database, text: str, words: list[str], k: int, exclude_session: int | None
) -> list[RecallHit]:
    """The earlier messages that match `words` best, read on the log's second connection."""
    reader = await log.reader()
    speaker = await named_speaker(reader, text, words)
    search = searched(words, await holding(reader, "messages_fts", words))
    return await episodes(reader, search, k, exclude_session, speaker, periods(text))


def _fused(memories: list[MemoryKind], episodes: int) -> list[tuple[str, int, float]]:
    """Memories (given by kind, best first) and episodes in one order by reciprocal rank
    fusion, a memory first on ties, each with its fused score: each ranking counts by position,
    so their scores never have to share a scale. A topic or entity counts for its kind's
    weight: a name in the question must not push out the messages that answer it."""
    entries = [
        (KIND_WEIGHT.get(kind, 1.0) / (FUSION_K + rank), 0, "memory", rank)
        for rank, kind in enumerate(memories)
    ]
    entries += [(1 / (FUSION_K + rank), 1, "episode", rank) for rank in range(episodes)]
    return [
        (source, rank, score)
        for score, _, source, rank in sorted(entries, key=lambda e: (-e[0], e[1]))
    ]
