"""A person's sentence as a memory a model can follow: one complete sentence, in their words,
without the chat around it ("btw", "please", "remember that", "I've told you this before").

This text goes into system prompts, so it is never cut mid-word: a sentence too long for a
memory is shortened by whole clauses, those that carry none of what the memory is about.
"""

from __future__ import annotations

import re

from memory_graph.store.content import shown_controls
from memory_graph.store.redact import redact
from memory_graph.store.text import key_words

MEMORY_CHARACTERS = 200
"""A memory longer than this is shortened by whole clauses, when it has clauses to spare."""
_LEADING_FILLER = re.compile(
    r"(?i)^(?:(?:(?:and|but|also|oh|ok|okay|so|well|hey|hmm|btw|fyi|by the way|please|pls|"
    r"just|actually|again|ugh|right|remember|note|for the record|as i said|like i said)"
    r"(?: that)?\b|(?:no|nope)(?=\s*[,!.]))[\s,:;!.-]*)+"
)
_TRAILING_FILLER = re.compile(
    r"(?i)(?:[\s,;:-]*\b(?:please|pls|thanks|thank you|thx|btw|ok|okay|again|for me|"
    r"if you can|if possible)\b)+[\s!.?…]*$"
)
_CLAUSE_BREAK = re.compile(r"\s*(?:[,;:](?=\s|$)|\s-\s|\s—\s)\s*")
"""Where a clause ends: punctuation followed by a space ("run :latest", "redis:7" go on)."""
_END = re.compile(r"[\s.!?…]+$")


def _clauses(sentence: str) -> list[str]:
    return [part for part in _CLAUSE_BREAK.split(sentence) if part.strip()]


def as_memory(sentence: str, about: frozenset[str]) -> str:
    """`sentence` as a memory about `about` (key words): filler gone at both ends, clauses that
    say nothing of it dropped, capitalised, ending with a full stop; redacted."""
    text = shown_controls(redact(" ".join(sentence.split())))
    clauses = _clauses(text)
    kept = [clause for clause in clauses if key_words(clause) & about] or clauses
    if len(kept) < len(clauses):
        # Clauses about something else ("I've told you this more than once") go; the rest keep
        # their order and are joined as the person joined them, by commas.
        text = ", ".join(kept)
    text = _TRAILING_FILLER.sub("", _LEADING_FILLER.sub("", text)).strip(" ,;:-")
    if len(text) > MEMORY_CHARACTERS:
        text = _shortened(text, about)
    if not text:
        return ""
    # One full stop, whatever the chat ended it with ("!!", "?", "…"): a memory is a statement.
    return text[0].upper() + _END.sub("", text[1:]) + "."


def _shortened(text: str, about: frozenset[str]) -> str:
    """Whole clauses, those sharing most with `about` first, as many as fit."""
    clauses = _clauses(text)
    ranked = sorted(range(len(clauses)), key=lambda i: (-len(key_words(clauses[i]) & about), i))
    chosen: list[int] = []
    for index in ranked:
        if len(", ".join(clauses[i] for i in sorted([*chosen, index]))) <= MEMORY_CHARACTERS:
            chosen.append(index)
    # A single clause longer than the limit stays whole: a memory is never cut mid-word.
    return ", ".join(clauses[i] for i in sorted(chosen)) if chosen else text
