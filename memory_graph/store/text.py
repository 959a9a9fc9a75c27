"""Text normalised for matching, in one place: the words recall searches for (`terms`) and the
key words by which the dreamer tells statements apart (`key_words`).

The two keep their own word patterns and stopword lists (`SEARCH_STOPWORDS`,
`STATEMENT_STOPWORDS`): recall drops every common English word from a query, while the dreamer
keeps words like "about" that can be what a preference is about and drops the words of asking
("use", "prefer", "always") that every preference shares. Merging them would change what both
find.
"""

from __future__ import annotations

import re

_SEARCH_WORD = re.compile(r"\w+")
_STATEMENT_WORD = re.compile(r"[a-zà-ÿ0-9][\w'-]*", re.I)

SEARCH_STOPWORDS = frozenset(
    [
        "a",
        "about",
        "above",
        "after",
        "again",
        "all",
        "also",
        "am",
        "an",
        "and",
        "any",
        "are",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "but",
        "by",
        "can",
        "could",
        "did",
        "do",
        "does",
        "doing",
        "don't",
        "down",
        "during",
        "each",
        "few",
        "for",
        "from",
        "further",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "him",
        "his",
        "how",
        "i",
        "if",
        "in",
        "into",
        "is",
        "it",
        "its",
        "itself",
        "just",
        "me",
        "more",
        "most",
        "my",
        "no",
        "nor",
        "not",
        "now",
        "of",
        "off",
        "on",
        "once",
        "only",
        "or",
        "other",
        "our",
        "out",
        "over",
        "own",
        "please",
        "same",
        "she",
        "should",
        "so",
        "some",
        "such",
        "than",
        "that",
        "the",
        "their",
        "them",
        "then",
        "there",
        "these",
        "they",
        "this",
        "those",
        "through",
        "to",
        "too",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "would",
        "you",
        "your",
    ]
)
"""Words recall does not search for: they say nothing about what a memory is about (a standard
English list, and "please")."""

STATEMENT_STOPWORDS = frozenset(
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
        "do",
        "does",
        "don't",
        "dont",
        "for",
        "from",
        "have",
        "i",
        "i'm",
        "i've",
        "in",
        "is",
        "it",
        "it's",
        "me",
        "my",
        "no",
        "not",
        "now",
        "of",
        "on",
        "or",
        "over",
        "please",
        "so",
        "that",
        "the",
        "this",
        "to",
        "too",
        "use",
        "using",
        "want",
        "was",
        "we",
        "with",
        "you",
        "your",
        "yours",
        "said",
        "say",
        "actually",
        "again",
        "instead",
        "stop",
        "always",
        "never",
        "prefer",
        "really",
        "remember",
        "ever",
        "everything",
        "anything",
        "something",
        "thing",
        "things",
        "just",
        "like",
        "one",
        "more",
        "once",
        "than",
        "then",
        "there",
        "there's",
        "here",
        "all",
        "any",
        "same",
        "told",
        "time",
        "times",
        "btw",
        "ok",
        "okay",
        "also",
    ]
)
"""Words the dreamer leaves out of a statement's key words: function words, and the words of
asking itself ("use", "prefer", "always", "remember") that every preference shares."""


def lower_words(text: str) -> list[str]:
    """Every word of a text, lowercased, in order (recall's notion of a word)."""
    return _SEARCH_WORD.findall(text.lower())


def terms(text: str) -> list[str]:
    """The words of a text worth searching for, in order, each once."""
    seen: dict[str, None] = {}
    for word in lower_words(text):
        if word not in SEARCH_STOPWORDS and len(word) > 1:
            seen.setdefault(word, None)
    return list(seen)


def key_words(sentence: str) -> frozenset[str]:
    """The content words of a sentence, crudely stemmed (dashes/dash, points/point)."""
    words = set()
    for word in _STATEMENT_WORD.findall(sentence.lower()):
        word = word.strip("'-")
        if word in STATEMENT_STOPWORDS or len(word) < 2:
            continue
        if len(word) > 4 and word.endswith("es") and not word.endswith("ses"):
            word = word[:-2]
        elif len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
            word = word[:-1]
        words.add(word)
    return frozenset(words)
