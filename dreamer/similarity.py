"""When two statements say the same thing, and when they say the opposite.

A statement is described by its content words, the words it rejects (`negated`, when known:
"no em dashes", "use pnpm, not npm") and, for a fact, what it is about (`attribute`) and what
it says of it (`value`). Observations carry these in their detail, adopted memories in their
attributes, so new sentences are compared with both the same way.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, Literal

SAME_STATEMENT = 0.66
"""Two sentences say the same thing when this share of the shorter one's words is shared."""
SAME_VALUE = 0.5
"""Two facts about one subject agree when this share of their values' words is shared."""

Relation = Literal["same", "opposite", "unrelated"]


def overlap(a: frozenset[str], b: frozenset[str]) -> float:
    """The share of the smaller set found in the other."""
    return share(len(a & b), len(a), len(b)) if a and b else 0.0


def share(shared: int, size: int, other_size: int) -> float:
    """The share of the smaller of two (non-empty) sets that `shared` members of both are."""
    return shared / min(size, other_size)


def _words(description: Mapping[str, Any], part: str) -> frozenset[str]:
    return frozenset(description.get(part, ()))


def relation(one: Mapping[str, Any], other: Mapping[str, Any]) -> Relation:
    """Whether two statements (of the same kind) agree, contradict each other, or are about
    different things."""
    if "attribute" in one and "attribute" in other:
        # The same subject: "my timezone is Europe/Lisbon" agrees with itself and contradicts
        # "my timezone is America/New_York".
        if overlap(_words(one, "attribute"), _words(other, "attribute")) < SAME_STATEMENT:
            return "unrelated"
        agree = overlap(_words(one, "value"), _words(other, "value")) >= SAME_VALUE
        return "same" if agree else "opposite"
    words, others = _words(one, "words"), _words(other, "words")
    if overlap(words, others) < SAME_STATEMENT:
        return "unrelated"
    if "negated" not in one or "negated" not in other:
        return "same"  # which way one of them points is unknown
    shared = words & others
    negated, negated_other = _words(one, "negated"), _words(other, "negated")
    flipped = sum((word in negated) != (word in negated_other) for word in shared)
    return "opposite" if flipped * 2 > len(shared) else "same"
