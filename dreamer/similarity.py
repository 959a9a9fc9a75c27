"""When two statements say the same thing, and when they say the opposite.

A statement is described by its content words, the words it rejects (`negated`, when known:
"no em dashes", "use pnpm, not npm") and, for a fact, what it is about (`attribute`) and what
it says of it (`value`). Observations carry these in their detail, adopted memories in their
attributes, so new sentences are compared with both the same way.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterable, Mapping
from typing import Any, Literal

SAME_STATEMENT = 0.66
"""Two sentences say the same thing when this share of the shorter one's words is shared."""
SAME_VALUE = 0.5
"""Two facts about one subject agree when this share of their values' words is shared."""
SAME_BY_RARITY = 0.4
"""Or when the words they share weigh this share of the lighter one's words, each word weighed
by how rare it is among the person's statements (`Rarity`), and they share at least
SHARED_BY_RARITY of them: "no subqueries in from clauses, pull each step into its own CTE"
and "I'd rather each step be its own CTE than this subquery onion" share three words of five,
two of them rare. Measured on 36 groups of paraphrases with same-topic opposites, written
apart from any corpus here: recall 0.24 -> 0.35 at precision 0.70 -> 0.67."""
SHARED_BY_RARITY = 2
"""One rare word in common is a topic, not a claim: "use tabs" and "indent with spaces"."""

Relation = Literal["same", "opposite", "unrelated"]


def overlap(a: frozenset[str], b: frozenset[str]) -> float:
    """The share of the smaller set found in the other."""
    return share(len(a & b), len(a), len(b)) if a and b else 0.0


def share(shared: int, size: int, other_size: int) -> float:
    """The share of the smaller of two (non-empty) sets that `shared` members of both are."""
    return shared / min(size, other_size)


class Rarity:
    """How rare each word is among a set of statements (an inverse document frequency): a word
    most statements use says little about which claim a sentence makes."""

    def __init__(self, statements: Iterable[frozenset[str]]) -> None:
        counts: Counter[str] = Counter()
        total = 0
        for words in statements:
            counts.update(words)
            total += 1
        self._weights = {word: math.log((total + 1) / (n + 0.5)) for word, n in counts.items()}
        self._unseen = math.log((total + 1) / 0.5)

    def weight(self, word: str) -> float:
        """How much a word tells statements apart."""
        return self._weights.get(word, self._unseen)

    def overlap(self, a: frozenset[str], b: frozenset[str]) -> float:
        """The weight of the words two sets share over the weight of the lighter set."""
        if not a or not b:
            return 0.0
        lighter = min(sum(map(self.weight, a)), sum(map(self.weight, b)))
        return sum(map(self.weight, a & b)) / lighter if lighter else 0.0


def _words(description: Mapping[str, Any], part: str) -> frozenset[str]:
    return frozenset(description.get(part, ()))


def _same_words(words: frozenset[str], others: frozenset[str], rarity: Rarity | None) -> bool:
    if overlap(words, others) >= SAME_STATEMENT:
        return True
    return (
        rarity is not None
        and len(words & others) >= SHARED_BY_RARITY
        and rarity.overlap(words, others) >= SAME_BY_RARITY
    )


def relation(
    one: Mapping[str, Any], other: Mapping[str, Any], rarity: Rarity | None = None
) -> Relation:
    """Whether two statements (of the same kind) agree, contradict each other, or are about
    different things; with a `rarity`, sentences that share enough rare words say the same
    thing too (grouping what the person said; a memory is compared by plain overlap)."""
    if "attribute" in one and "attribute" in other:
        # The same subject: "my timezone is Europe/Lisbon" agrees with itself and contradicts
        # "my timezone is America/New_York".
        if overlap(_words(one, "attribute"), _words(other, "attribute")) < SAME_STATEMENT:
            return "unrelated"
        agree = overlap(_words(one, "value"), _words(other, "value")) >= SAME_VALUE
        return "same" if agree else "opposite"
    words, others = _words(one, "words"), _words(other, "words")
    if not _same_words(words, others, rarity):
        return "unrelated"
    if "negated" not in one or "negated" not in other:
        return "same"  # which way one of them points is unknown
    shared = words & others
    negated, negated_other = _words(one, "negated"), _words(other, "negated")
    flipped = sum((word in negated) != (word in negated_other) for word in shared)
    return "opposite" if flipped * 2 > len(shared) else "same"
