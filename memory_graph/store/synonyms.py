"""Words that name one thing, for telling statements apart by what they are about.

People ask for the same thing in words that share no stem: "keep it brief", "too long", "tl;dr
style", "skip the essay" all ask for short answers; "lowercase please" and "UPPERCASE again"
(a complaint) ask for one letter case; "just the diff" and "not the whole file" for changes shown
as what changed. A few scales that preferences about an assistant's
work are commonly stated on are written here as concepts: each phrase on a scale names the
concept, with the direction it points (`Concept.sign`: "brief" +1, "verbose" -1). A statement's
key words hold the concept's name whichever end of the scale it used, and the words it rejects
hold it when it points the other way ("no essays" points to brevity, "detailed answers" away).

Abbreviations people use interchangeably with the full word ("prod" and "production", "repo" and
"repository", "PR" and "pull request") are one word too.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass


@dataclass(frozen=True)
class Concept:
    """A phrase found on a scale: the concept it names, where in the text, which way it points."""

    name: str
    start: int
    end: int
    sign: int
    complaint: bool = False
    """Whether the phrase is a complaint itself ("too long"), which names what is wanted."""


_SCALES: tuple[tuple[str, str, str], ...] = (
    (
        "brevity",
        r"brief(?:ly)?|short(?:er)?|concise(?:ly)?|terse(?:ly)?|succinct(?:ly)?|tl;? ?dr|"
        r"too (?:long|verbose|wordy|chatty)|to the point|less (?:text|prose|talk)",
        r"verbose|verbosity|wordy|lengthy|long-winded|essays?|lectures?|rambl\w*|"
        r"walls? of text|detailed|in-depth|in depth|thorough(?:ly)?|elaborate",
    ),
    (
        "diffonly",
        r"diffs?|patch(?:es)?|only the (?:lines|parts|bits) that change[ds]?|just the changes|"
        r"what changed",
        r"(?:the |a )?(?:whole|entire|full|complete) (?:file|script|module|function|class)s?|"
        r"pasted? (?:it |the whole thing )?back",
    ),
    (
        "lowercase",
        r"lower[- ]?case[ds]?|lower[- ]?casing",
        r"upper[- ]?case[ds]?|upper[- ]?casing|all[- ]caps|caps|capitali[sz]ed",
    ),
)
"""Each scale: its concept's name, the phrases that point to it, those that point away."""

CONCEPTS = frozenset(name for name, _, _ in _SCALES)
"""The names of the concepts, as a statement's words hold them (before stemming)."""

_PHRASES = re.compile(
    "|".join(
        rf"(?P<{name}_{sign}>\b(?:{phrases})\b)"
        for name, toward, away in _SCALES
        for sign, phrases in (("toward", toward), ("away", away))
    ),
    re.IGNORECASE,
)

_FORMS: tuple[tuple[str, ...], ...] = (
    ("prod", "production"),
    ("repo", "repos", "repository", "repositories"),
    ("db", "dbs", "database", "databases"),
    ("deps", "dependencies", "dependency"),
    ("env", "envs", "environment", "environments"),
    ("config", "configs", "configuration", "configurations", "cfg", "conf"),
    ("docs", "documentation"),
    ("k8s", "kubernetes"),
    ("pr", "mr"),
)
"""The forms of one word, its abbreviation first: each is read as the first ("production" and
"product" share a stem, "prod" and "product" do not)."""
_CANONICAL = {form: forms[0] for forms in _FORMS for form in forms}
_WRITTEN_OUT = re.compile(r"(?i)\b(?:pull|merge) requests?\b")


def concepts(text: str) -> Iterator[Concept]:
    """The phrases of `text` on a known scale, in order."""
    for match in _PHRASES.finditer(text):
        group = match.lastgroup or ""
        name, _, direction = group.rpartition("_")
        sign = 1 if direction == "toward" else -1
        complaint = match.group().lower().startswith("too ")
        yield Concept(name, match.start(), match.end(), sign, complaint)


def named_once(text: str) -> str:
    """`text` with each phrase on a scale written as its concept's name and written-out forms of
    abbreviated words as the abbreviation."""
    text = _PHRASES.sub(lambda match: f" {(match.lastgroup or '').rpartition('_')[0]} ", text)
    return _WRITTEN_OUT.sub(" pr ", text)


def canonical(word: str) -> str:
    """A lowercased word as the one form its abbreviation and full form share."""
    return _CANONICAL.get(word, word)
