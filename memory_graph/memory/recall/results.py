"""What recall found: hits, what a logged prompt keeps of them (ids, never text), and the token
count its budget is kept by. How a prompt words them is the agent's (`app/agent/prompt.py`)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from memory_graph.memory.evidence import Evidence
from memory_graph.memory.vocabulary import MemoryKind, RecallReason


@dataclass(frozen=True)
class RecallHit:
    """A memory (or, for an episode, a raw message of an earlier session) and why it was
    recalled."""

    node_id: int | None
    """None for an episode."""
    kind: MemoryKind | None
    """None for an episode."""
    statement: str
    score: float
    evidence: list[Evidence] = field(default_factory=list)
    version: int | None = None
    """The version of the memory's wording recalled (`statement_versions`): what a logged
    prompt refers to instead of copying the words."""
    reason: RecallReason = RecallReason.MATCHED

    def to_json(self) -> dict[str, Any]:
        """The `reverie recall --json` shape of a hit."""
        return {
            "node_id": self.node_id,
            "kind": self.kind or RecallReason.EPISODE,
            "reason": self.reason,
            "statement": self.statement,
            "score": round(self.score, 6),
            "evidence": [link.to_json() for link in self.evidence],
        }


@dataclass(frozen=True)
class Recalled:
    """What recall found for one text: the standing memory every turn carries, then the
    contextual hits (memories and earlier messages) relevant to the text."""

    query: str
    hits: list[RecallHit]
    standing: list[RecallHit] = field(default_factory=list)

    def to_json(self) -> dict[str, Any]:
        """The `reverie recall --json` shape."""
        return {
            "query": self.query,
            "hits": [hit.to_json() for hit in self.hits],
            "standing": [hit.to_json() for hit in self.standing],
        }

    @property
    def found(self) -> bool:
        """Whether it brings anything to a turn."""
        return bool(self.hits or self.standing)

    @property
    def memories(self) -> list[int]:
        """Ids of the nodes recalled, standing first."""
        return [hit.node_id for hit in (*self.standing, *self.hits) if hit.node_id is not None]

    @property
    def references(self) -> dict[str, Any]:
        """What a logged prompt keeps of the recalled block: ids, never text, so that a
        forgotten session leaves no copy in other sessions' prompts."""
        return {
            "standing": [_reference(hit) for hit in self.standing],
            "memories": [_reference(hit) for hit in self.hits if hit.node_id is not None],
            "episodes": self.episodes,
        }

    @property
    def episodes(self) -> list[int]:
        """Ids of the raw messages recalled."""
        return [hit.evidence[0].message_id for hit in self.hits if hit.node_id is None]


def _reference(hit: RecallHit) -> list[Any]:
    return [hit.node_id, hit.version, hit.kind, hit.reason]


def tokens(text: str) -> int:
    """A cheap, conservative token count (about four characters a token)."""
    return len(text) // 4 + 8
