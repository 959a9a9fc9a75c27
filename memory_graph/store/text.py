"""Text normalised for matching, in one place: the words recall searches for (`terms`) and the
key words by which the dreamer tells statements apart (`key_words`), over one stopword list
(`FUNCTION_WORDS`); the dreamer also leaves out the words of asking (`ASKING_WORDS`) and stems
what remains (Snowball's English stemmer: "semicolons", "ending lines" and "line ends" share
"semicolon", "end" and "line"), so that one request in other words has the same key words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

import Stemmer

from memory_graph.store.synonyms import canonical, named_once

_SEARCH_WORD = re.compile(r"\w+")
_STATEMENT_WORD = re.compile(r"[a-zà-ÿ0-9][\w'-]*", re.I)

FUNCTION_WORDS = frozenset(
    (
        "a",
        "about",
        "above",
        "after",
        "again",
        "all",
        "already",
        "also",
        "am",
        "an",
        "and",
        "any",
        "anyway",
        "are",
        "argh",
        "as",
        "at",
        "be",
        "because",
        "been",
        "before",
        "being",
        "btw",
        "but",
        "by",
        "can",
        "can't",
        "could",
        "did",
        "didn't",
        "do",
        "does",
        "doesn't",
        "doing",
        "don't",
        "dont",
        "down",
        "during",
        "each",
        "else",
        "even",
        "few",
        "for",
        "from",
        "further",
        "fyi",
        "had",
        "has",
        "have",
        "having",
        "he",
        "her",
        "here",
        "hers",
        "hey",
        "him",
        "his",
        "hmm",
        "how",
        "i",
        "i'd",
        "i'll",
        "i'm",
        "i've",
        "if",
        "in",
        "into",
        "is",
        "isn't",
        "it",
        "it's",
        "its",
        "itself",
        "just",
        "let's",
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
        "oh",
        "ok",
        "okay",
        "on",
        "once",
        "only",
        "or",
        "other",
        "otherwise",
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
        "still",
        "such",
        "than",
        "thank",
        "thanks",
        "that",
        "that's",
        "the",
        "their",
        "them",
        "then",
        "there",
        "there's",
        "these",
        "they",
        "this",
        "those",
        "though",
        "through",
        "to",
        "too",
        "ugh",
        "under",
        "until",
        "up",
        "very",
        "was",
        "we",
        "were",
        "what",
        "whatever",
        "when",
        "where",
        "which",
        "while",
        "who",
        "whom",
        "why",
        "will",
        "with",
        "won't",
        "would",
        "yeah",
        "yes",
        "you",
        "your",
        "yours",
    )
)
"""Words that say nothing about what a text is about: a standard English list, contractions and
chat filler ("please", "btw", "ok"). Neither recall nor the dreamer matches on them."""

ASKING_WORDS = frozenset(
    (
        "actually",
        "always",
        "anymore",
        "anything",
        "ask",
        "asked",
        "avoid",
        "choose",
        "default",
        "definitely",
        "ditch",
        "drop",
        "ever",
        "every",
        "everything",
        "favor",
        "favour",
        "forget",
        "forward",
        "future",
        "generally",
        "get",
        "go",
        "going",
        "hate",
        "ideally",
        "instead",
        "keep",
        "kindly",
        "let",
        "like",
        "longer",
        "love",
        "make",
        "mean",
        "need",
        "never",
        "omit",
        "one",
        "pick",
        "pls",
        "plz",
        "prefer",
        "rather",
        "really",
        "remember",
        "remove",
        "said",
        "say",
        "skip",
        "something",
        "start",
        "stick",
        "stop",
        "sure",
        "switch",
        "tell",
        "thing",
        "things",
        "thx",
        "time",
        "times",
        "told",
        "use",
        "using",
        "usually",
        "want",
        "way",
        "whenever",
        "wish",
    )
)
"""The words of asking itself, which every preference shares whatever it is about ("prefer",
"always", "rather", "drop", "from now on"): the dreamer leaves them out of a statement's key
words, so that two ways of asking for one thing share what they ask for. Recall keeps them: a
question may be about them."""

_STATEMENT_STOPWORDS = FUNCTION_WORDS | ASKING_WORDS
_STEMMER = Stemmer.Stemmer("english")


def lower_words(text: str) -> list[str]:
    """Every word of a text, lowercased, in order (recall's notion of a word)."""
    return _SEARCH_WORD.findall(text.lower())


def any_of(words: Sequence[str]) -> str:
    """An FTS5 query matching any of these words (BM25 ranks those with more of them first),
    each quoted: input is text, never query syntax."""
    return " OR ".join(f'"{word}"' for word in words)


def terms(text: str) -> list[str]:
    """The words of a text worth searching for, in order, each once."""
    seen: dict[str, None] = {}
    for word in lower_words(text):
        if word not in FUNCTION_WORDS and len(word) > 1:
            seen.setdefault(word, None)
    return list(seen)


_ACRONYM_PLURAL = re.compile(r"\b([A-Z]{2,})s\b")
"""An acronym's plural ("CTEs", "PRs", "URLs"), which no stemmer knows to be the acronym."""


def key_words(sentence: str) -> frozenset[str]:
    """The content words of a sentence, stemmed: what it is about, whatever the wording (one
    word for a phrase on a known scale and for an abbreviation and its full form: `synonyms`;
    a name and the number that follows it as one: "VLAN 30" is "vlan30")."""
    sentence = named_once(_ACRONYM_PLURAL.sub(r"\1", sentence))
    kept: list[str] = []
    for found in _STATEMENT_WORD.findall(sentence.lower()):
        # "lower-case" and "lowercase" are one word.
        word = canonical(found.strip("'-").replace("-", ""))
        if word.isdigit() and len(word) <= 4 and kept and kept[-1].isalpha():
            kept[-1] += word
        elif len(word) > 1 and word not in _STATEMENT_STOPWORDS:
            kept.append(word)
        else:
            kept.append("")  # a word left out still parts its neighbours
    stems = _STEMMER.stemWords([word for word in kept if word])
    return frozenset(stem for stem in stems if stem not in _STATEMENT_STOPWORDS)
