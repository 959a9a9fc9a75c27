"""Adopted memories for a query: the seeds its words match, relevance spread over the graph by a
personalized PageRank, each memory weighted by support, recency and kind, and its evidence."""

from __future__ import annotations

import math
from datetime import datetime
from functools import partial
from typing import NamedTuple

from memory_graph.memory.confidence import standing_share
from memory_graph.memory.evidence import Evidence, evidence_link
from memory_graph.memory.recall.common import holding, searched
from memory_graph.memory.recall.memo import per_key
from memory_graph.memory.recall.tuning import (
    ALPHA,
    BM25_SHARE,
    EVIDENCE_PER_HIT,
    FRONTIER,
    HALF_LIFE_DAYS,
    KIND_WEIGHT,
    NEIGHBOURS,
    ROUNDS,
    SEEDS,
)
from memory_graph.memory.vocabulary import MemoryKind
from memory_graph.store.database import Database, Memo
from memory_graph.store.records import parse_time
from memory_graph.store.sql import where_in
from memory_graph.store.text import any_of, lower_words

RECALLABLE = (
    "n.status = 'active' AND (NOT EXISTS (SELECT 1 FROM sessions WHERE private = 1) "
    "OR NOT EXISTS (SELECT 1 FROM node_evidence e WHERE e.node_id = n.id) "
    "OR EXISTS (SELECT 1 FROM node_evidence e JOIN sessions s ON s.id = e.session_id "
    "WHERE e.node_id = n.id AND s.private = 0))"
)
"""A memory recall may bring back: active, and not backed by private sessions alone (while they
are private: making them ordinary again brings it back). When no session is private (one step
in the index `sessions_private`, once per statement) that is every active memory, and the
evidence of the memories weighed is not read: two lookups and a join per memory, which made
recall over a large graph two to three times slower."""


async def seeds(log: Database, words: list[str], memo: Memo) -> dict[int, float]:
    """Active nodes whose statements match, with a relevance that sums to 1: what rare words
    of the query each names, weighed by their rarity (`_rarity`), BM25 breaking near ties. A
    common word (`common`) counts only when the query has nothing rarer."""
    held = await per_key(memo, "statements holding", words, partial(holding, log, "nodes_fts"))
    search = searched(words, held)
    # One query, counted inside SQLite: the best matches (ranked inside the index first:
    # joining every match to its node would cost more than ranking them, and few of the best
    # are not active), and which of the words ranked by each holds.
    holds = ", ".join(
        "hit.rowid IN (SELECT rowid FROM nodes_fts WHERE nodes_fts MATCH ?)" for _ in search.words
    )
    fetched = list(
        await log.connection.execute_fetchall(
            f"SELECT hit.rowid, hit.score, (SELECT MAX(id) FROM nodes), {holds} "
            f"FROM ({search.best('nodes_fts')}) AS hit "
            f"JOIN nodes n ON n.id = hit.rowid WHERE {RECALLABLE} "
            "ORDER BY hit.score DESC LIMIT ?",
            [any_of([word]) for word in search.words] + [any_of(search.words), SEEDS * 4, SEEDS],
        )
    )
    if not fetched:
        return {}
    statements = max(int(fetched[0][2] or 0), 1)
    rarity = [_rarity(statements, held.get(word, 0)) for word in search.words]
    rows = []
    for row in fetched:
        named = sum(weight for weight, holds in zip(rarity, row[3:], strict=True) if holds)
        rows.append((int(row[0]), named * (1 + BM25_SHARE * _bounded(float(row[1])))))
    total = sum(score for _, score in rows) or 1.0
    return {node_id: max(score, 1e-9) / total for node_id, score in rows}


def _bounded(score: float) -> float:
    return max(score, 0.0) / (1 + max(score, 0.0))


def _rarity(statements: int, holding: int) -> float:
    """The rarity of a word held by `holding` of `statements` statements: ln(1 + (N - n +
    0.5) / (n + 0.5)). FTS5's BM25 gives a word in half the statements or more no weight at
    all, so in a small graph (a person's first hundred memories) "docker" in four of eight
    counts for nothing and a rarer word met once outranks a memory that names two of the
    turn's words. A word's statements are counted up to COMMON_WORD: past that it is common
    whatever the graph's size."""
    return math.log(1 + (statements - holding + 0.5) / (holding + 0.5))


Near = tuple[tuple[int, float], ...]
"""A node's neighbours and the weights of the edges to them, strongest first: a tuple of
numbers, which the garbage collector stops tracking, as recall keeps thousands of them."""


async def _neighbours(log: Database, node_ids: list[int]) -> dict[int, Near]:
    """For each of these nodes, the active nodes joined to it by an edge either way, with the
    edges' weights: the strongest NEIGHBOURS each way, for all of them in one query. Each way
    is read from the index by weight, over all of a node's patterns (SQLite stops reading a
    pattern's edges once they can no longer make the strongest: a hub's are never all read)."""
    arms, arguments = [], []
    for node_id in set(node_ids):
        for near, far in (("source", "target"), ("target", "source")):
            arms.append(
                f"SELECT ? AS node, other.node_id, e.weight FROM (SELECT {far} AS end, weight "
                f"FROM edges WHERE {near} IN (SELECT fingerprint FROM node_patterns "
                "WHERE node_id = ?) ORDER BY weight DESC LIMIT ?) AS e "
                "JOIN node_patterns other ON other.fingerprint = e.end "
                f"JOIN nodes n ON n.id = other.node_id AND {RECALLABLE}"
            )
            arguments += [node_id, node_id, NEIGHBOURS]
    found: dict[int, list[tuple[int, float]]] = {node_id: [] for node_id in node_ids}
    for node_id, other, weight in await log.connection.execute_fetchall(
        " UNION ALL ".join(arms), arguments
    ):
        if other != node_id:
            found[int(node_id)].append((int(other), float(weight)))
    return {
        node_id: tuple(sorted(near, key=lambda n: -n[1])[:NEIGHBOURS])
        for node_id, near in found.items()
    }


async def spread(log: Database, seeds: dict[int, float], memo: Memo) -> dict[int, float]:
    """Personalized PageRank from the seeds by local pushes, in ROUNDS: each round the FRONTIER
    nodes holding the most relevance not yet passed on keep ALPHA of it and share the rest with
    their neighbours in proportion to the edges' weights. A node's neighbours are kept in
    `memo` for the turns that follow."""
    score: dict[int, float] = {}
    residual = dict(seeds)
    for _ in range(ROUNDS):
        frontier = sorted(residual, key=lambda n: (-residual[n], n))[:FRONTIER]
        if not frontier:
            break
        neighbours = await per_key(memo, "neighbours", frontier, partial(_neighbours, log))
        for node_id in frontier:
            mass = residual.pop(node_id)
            near = neighbours.get(node_id, ())
            if not near:
                score[node_id] = score.get(node_id, 0.0) + mass
                continue
            score[node_id] = score.get(node_id, 0.0) + ALPHA * mass
            total = sum(weight for _, weight in near) or 1.0
            for other, weight in near:
                residual[other] = residual.get(other, 0.0) + (1 - ALPHA) * mass * weight / total
    for node_id, mass in residual.items():
        score[node_id] = score.get(node_id, 0.0) + mass
    return score


class Candidate(NamedTuple):
    """A recallable memory as it is weighed: its kind, wording, support, last sighting and the
    version of its wording."""

    kind: MemoryKind
    statement: str
    support: int
    last_seen: str
    version: int | None
    scope: str | None
    """The project it applies in, or nothing: everywhere."""


async def candidates(log: Database, node_ids: list[int]) -> dict[int, Candidate]:
    """These nodes, those of them recall may bring back."""
    rows = await where_in(
        log,
        "SELECT n.id, n.kind, n.statement, n.support, n.last_seen, (SELECT MAX(v.id) FROM "
        "statement_versions v WHERE v.node_id = n.id), json_extract(n.attributes, '$.scope') "
        f"FROM nodes n WHERE {RECALLABLE} AND n.id IN ({{}})",
        node_ids,
    )
    return {
        int(row[0]): Candidate(
            MemoryKind(row[1]), str(row[2]), int(row[3]), str(row[4]), row[5], row[6]
        )
        for row in rows
    }


def weight(
    kind: MemoryKind, support: int, last_seen: str, now: datetime, against: int = 0
) -> float:
    """More sessions and a more recent sighting make a memory count for more, sessions that
    contradict it (`confidence`) for less; topics and entities count for less."""
    seen = parse_time(last_seen)
    age_days = max((now - seen).total_seconds() / 86400, 0.0) if seen else HALF_LIFE_DAYS
    prior = KIND_WEIGHT.get(kind, 1.0) * standing_share(support, against)
    return prior * (1 + math.log1p(support)) * math.pow(0.5, age_days / HALF_LIFE_DAYS)


async def evidence(
    log: Database, node_ids: list[int], words: list[str]
) -> dict[int, list[Evidence]]:
    """Each memory's evidence most relevant to the query: the messages sharing most of its
    words, EVIDENCE_PER_HIT at most (the rest is a keypress away in the memory browser)."""
    if not node_ids:
        return {}
    fetched = await log.connection.execute_fetchall(
        "SELECT e.node_id, e.session_id, s.external_id AS session_external_id, e.message_id, "
        "m.external_id AS message_external_id, e.span_start, e.span_end, m.text "
        "FROM node_evidence e JOIN sessions s ON s.id = e.session_id "
        "JOIN messages m ON m.id = e.message_id "
        f"WHERE e.node_id IN ({', '.join('?' * len(node_ids))}) AND s.private = 0 "
        "ORDER BY e.session_id, e.message_id",
        node_ids,
    )
    wanted = set(words)
    found: dict[int, list[tuple[int, Evidence]]] = {}
    for row in fetched:
        shared = len(wanted & set(lower_words(str(row["text"]))))
        found.setdefault(int(row["node_id"]), []).append((shared, evidence_link(row)))
    return {
        node_id: [link for _, link in sorted(items, key=lambda item: -item[0])][:EVIDENCE_PER_HIT]
        for node_id, items in found.items()
    }
