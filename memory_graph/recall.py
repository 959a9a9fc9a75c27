"""Recall: the adopted memories relevant to a text, fitted into a token budget, and, when
memory does not fill it, the raw messages of earlier sessions that match.

1. Full-text search (BM25) over the statements of active nodes finds the seeds.
2. A personalized PageRank, pushed locally from the seeds over the graph's edges (a bounded
   number of pushes, each reading one node's neighbours), lets a memory lend relevance to its
   neighbours: the fix of a failure that matched, the project a preference is about.
3. Each score is weighted by support and recency, and the best fit the budget.

Retired, superseded and merged nodes never come back: only active nodes are read. Episodes
(raw messages) come from sessions that are not private, never from the session asking, with
secrets redacted.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from memory_graph.redact import redact
from memory_graph.session_log import SessionLog

DEFAULT_BUDGET = 1500
"""Tokens of recalled memory in a system prompt."""
DEFAULT_K = 10
SEEDS = 50
ALPHA = 0.25
"""The share of relevance a node keeps at each push; the rest flows to its neighbours."""
MAX_PUSHES = 64
NEIGHBOURS = 64
"""Neighbours read per push, strongest first: a hub cannot make a query slow."""
HALF_LIFE_DAYS = 180.0
EPISODE_CHARACTERS = 300
_WORD = re.compile(r"\w+")
_STOPWORDS = frozenset(
    [
        "a",
        "an",
        "and",
        "are",
        "as",
        "at",
        "be",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "for",
        "from",
        "had",
        "has",
        "have",
        "how",
        "i",
        "if",
        "in",
        "is",
        "it",
        "its",
        "me",
        "my",
        "of",
        "on",
        "or",
        "our",
        "she",
        "he",
        "they",
        "so",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "this",
        "to",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "who",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
    ]
)


@dataclass(frozen=True)
class RecallHit:
    """A memory (or, with kind `episode`, a raw message) and why it was recalled."""

    node_id: int | None
    kind: str
    statement: str
    score: float
    evidence: list[dict[str, Any]] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The `reverie recall --json` shape of a hit."""
        return {
            "node_id": self.node_id,
            "kind": self.kind,
            "statement": self.statement,
            "score": round(self.score, 6),
            "evidence": self.evidence,
        }


@dataclass(frozen=True)
class Recalled:
    """What recall found for one text."""

    query: str
    hits: list[RecallHit]

    def to_json(self) -> dict[str, Any]:
        """The `reverie recall --json` shape."""
        return {"query": self.query, "hits": [hit.to_json() for hit in self.hits]}

    @property
    def memories(self) -> list[int]:
        """Ids of the nodes recalled."""
        return [hit.node_id for hit in self.hits if hit.node_id is not None]

    @property
    def episodes(self) -> list[int]:
        """Ids of the raw messages recalled."""
        return [hit.evidence[0]["message_id"] for hit in self.hits if hit.node_id is None]

    def render(self) -> str:
        """The block a system prompt carries: memories with their ids, then episodes."""
        lines = []
        memories = [hit for hit in self.hits if hit.node_id is not None]
        if memories:
            lines.append(
                "What you remember about the user (memories they adopted, most relevant "
                "first; say which you rely on by its id):"
            )
            lines += [f"- [memory {h.node_id}, {h.kind}] {h.statement}" for h in memories]
        episodes = [hit for hit in self.hits if hit.node_id is None]
        if episodes:
            lines.append("From earlier sessions (what was said then, not memories):")
            for hit in episodes:
                where = hit.evidence[0]
                lines.append(
                    f"- [session {where['session_id']}, message {where['message_id']}] "
                    f"{hit.statement}"
                )
        return "\n".join(lines)


def tokens(text: str) -> int:
    """A cheap, conservative token count (about four characters a token)."""
    return len(text) // 4 + 8


def terms(text: str) -> list[str]:
    """The words of a text worth searching for, in order, each once."""
    seen: dict[str, None] = {}
    for word in _WORD.findall(text.lower()):
        if word not in _STOPWORDS and len(word) > 1:
            seen.setdefault(word, None)
    return list(seen)


def _match(words: list[str]) -> str:
    # Any of the words (BM25 ranks those with more of them first); quoted: input is text.
    return " OR ".join(f'"{word}"' for word in words)


async def recall(
    log: SessionLog,
    text: str,
    *,
    k: int = DEFAULT_K,
    budget: int = DEFAULT_BUDGET,
    exclude_session: int | None = None,
    now: datetime | None = None,
) -> Recalled:
    """The memories relevant to `text`, best first, at most `k` and within `budget` tokens;
    raw messages of earlier sessions fill what memory leaves of `k`."""
    words = terms(text)
    if not words or k <= 0:
        return Recalled(text, [])
    seeds = await _seeds(log, _match(words))
    scored = await _spread(log, seeds) if seeds else {}
    moment = now or datetime.now(UTC)
    nodes = await _nodes(log, list(scored))
    ranked = sorted(
        (
            (scored[node_id] * _weight(support, last_seen, moment), node_id)
            for node_id, (_, _, support, last_seen) in nodes.items()
        ),
        key=lambda item: (-item[0], item[1]),
    )
    hits: list[RecallHit] = []
    used = 0
    for score, node_id in ranked:
        kind, statement, _, _ = nodes[node_id]
        cost = tokens(statement)
        if len(hits) == k or used + cost > budget:
            break
        used += cost
        hits.append(RecallHit(node_id, kind, statement, score, await _evidence(log, node_id)))
    if len(hits) < k:
        for hit in await _episodes(log, _match(words), k - len(hits), exclude_session):
            cost = tokens(hit.statement)
            if used + cost > budget:
                break
            used += cost
            hits.append(hit)
    return Recalled(text, hits)


async def _seeds(log: SessionLog, query: str) -> dict[int, float]:
    """Active nodes whose statements match, with a relevance that sums to 1."""
    async with log.connection.execute(
        "SELECT f.rowid, -bm25(nodes_fts) FROM nodes_fts f JOIN nodes n ON n.id = f.rowid "
        "WHERE nodes_fts MATCH ? AND n.status = 'active' ORDER BY bm25(nodes_fts) LIMIT ?",
        (query, SEEDS),
    ) as cursor:
        rows = [(int(row[0]), max(float(row[1]), 1e-6)) for row in await cursor.fetchall()]
    total = sum(score for _, score in rows)
    return {node_id: score / total for node_id, score in rows}


async def _neighbours(log: SessionLog, node_id: int) -> list[tuple[int, float]]:
    """Active nodes joined to this one by an edge either way, with the edges' weights."""
    async with log.connection.execute(
        "SELECT other.node_id, e.weight FROM node_patterns mine "
        "JOIN edges e ON e.source = mine.fingerprint "
        "JOIN node_patterns other ON other.fingerprint = e.target "
        "JOIN nodes n ON n.id = other.node_id AND n.status = 'active' WHERE mine.node_id = ? "
        "UNION ALL "
        "SELECT other.node_id, e.weight FROM node_patterns mine "
        "JOIN edges e ON e.target = mine.fingerprint "
        "JOIN node_patterns other ON other.fingerprint = e.source "
        "JOIN nodes n ON n.id = other.node_id AND n.status = 'active' WHERE mine.node_id = ? "
        "ORDER BY 2 DESC LIMIT ?",
        (node_id, node_id, NEIGHBOURS),
    ) as cursor:
        return [
            (int(row[0]), float(row[1])) for row in await cursor.fetchall() if row[0] != node_id
        ]


async def _spread(log: SessionLog, seeds: dict[int, float]) -> dict[int, float]:
    """Personalized PageRank from the seeds by local pushes: the node holding the most
    relevance not yet passed on keeps ALPHA of it and shares the rest with its neighbours in
    proportion to the edges' weights, MAX_PUSHES times at most."""
    score: dict[int, float] = {}
    residual = dict(seeds)
    for _ in range(MAX_PUSHES):
        if not residual:
            break
        node_id = max(residual, key=lambda n: (residual[n], -n))
        mass = residual.pop(node_id)
        neighbours = await _neighbours(log, node_id)
        if not neighbours:
            score[node_id] = score.get(node_id, 0.0) + mass
            continue
        score[node_id] = score.get(node_id, 0.0) + ALPHA * mass
        total = sum(weight for _, weight in neighbours) or 1.0
        for other, weight in neighbours:
            residual[other] = residual.get(other, 0.0) + (1 - ALPHA) * mass * weight / total
    for node_id, mass in residual.items():
        score[node_id] = score.get(node_id, 0.0) + mass
    return score


async def _nodes(log: SessionLog, node_ids: list[int]) -> dict[int, tuple[str, str, int, str]]:
    found: dict[int, tuple[str, str, int, str]] = {}
    for start in range(0, len(node_ids), 500):
        chunk = node_ids[start : start + 500]
        async with log.connection.execute(
            "SELECT id, kind, statement, support, last_seen FROM nodes "
            f"WHERE status = 'active' AND id IN ({', '.join('?' * len(chunk))})",
            chunk,
        ) as cursor:
            for row in await cursor.fetchall():
                found[int(row[0])] = (str(row[1]), str(row[2]), int(row[3]), str(row[4]))
    return found


def _weight(support: int, last_seen: str, now: datetime) -> float:
    """More sessions and a more recent sighting make a memory count for more."""
    try:
        seen = datetime.fromisoformat(last_seen.replace("Z", "+00:00"))
        age_days = max((now - seen).total_seconds() / 86400, 0.0)
    except ValueError:
        age_days = HALF_LIFE_DAYS
    return (1 + math.log1p(support)) * math.pow(0.5, age_days / HALF_LIFE_DAYS)


async def _evidence(log: SessionLog, node_id: int) -> list[dict[str, Any]]:
    async with log.connection.execute(
        "SELECT e.session_id, s.external_id, e.message_id, m.external_id FROM node_evidence e "
        "JOIN sessions s ON s.id = e.session_id JOIN messages m ON m.id = e.message_id "
        "WHERE e.node_id = ? AND s.private = 0 ORDER BY e.session_id, e.message_id",
        (node_id,),
    ) as cursor:
        return [_where(row) for row in await cursor.fetchall()]


def _where(row: Any) -> dict[str, Any]:
    return {
        "session_id": row[0],
        "session_external_id": row[1],
        "message_id": row[2],
        "message_external_id": row[3],
    }


async def _episodes(
    log: SessionLog, query: str, limit: int, exclude_session: int | None
) -> list[RecallHit]:
    """The messages of other sessions (not private) that match best, as episode hits."""
    async with log.connection.execute(
        "SELECT m.session_id, s.external_id, m.id, m.external_id, m.role, m.text, hit.score "
        "FROM (SELECT rowid, -bm25(messages_fts) AS score FROM messages_fts "
        "WHERE messages_fts MATCH ? ORDER BY bm25(messages_fts) LIMIT ?) AS hit "
        "JOIN messages m ON m.id = hit.rowid JOIN sessions s ON s.id = m.session_id "
        "WHERE s.private = 0 AND m.session_id != ? ORDER BY hit.score DESC",
        (query, limit * 4, exclude_session or 0),
    ) as cursor:
        rows = list(await cursor.fetchall())
    # Relevance shares, as memories' scores are: the two read on one scale.
    total = sum(max(float(row[6]), 1e-6) for row in rows[:limit]) or 1.0
    hits = []
    for row in rows[:limit]:
        text = redact(" ".join(str(row[5]).split()))
        if len(text) > EPISODE_CHARACTERS:
            text = text[: EPISODE_CHARACTERS - 1] + "…"
        share = max(float(row[6]), 1e-6) / total
        hits.append(RecallHit(None, "episode", f"{row[4]}: {text}", share, [_where(row)]))
    return hits
