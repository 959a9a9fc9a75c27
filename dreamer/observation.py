"""What extractors read: a session with its messages, and of each message's text at most its
head and its tail."""

from __future__ import annotations

from dataclasses import dataclass

from memory_graph.store.records import Message, Session

HEAD_CHARACTERS = 16_000
TAIL_CHARACTERS = 16_000
"""What an extractor reads of one message's text: its first and last 16,000 characters (about
4,000 tokens each, a few hundred lines). What the user typed and what a command said first sit
at the head; a traceback and an exit status at the tail. The middle of a longer text (a pasted
document, a build log) goes unread, so a dream costs the same however large a message is."""


@dataclass(frozen=True)
class SessionView:
    """A session and its messages, as extractors read them."""

    session: Session
    messages: list[Message]


def capped(text: str) -> list[tuple[int, str]]:
    """The parts of `text` an extractor reads, each with its offset in `text` (evidence spans
    point into the whole text): all of it, or its head and its tail."""
    if len(text) <= HEAD_CHARACTERS + TAIL_CHARACTERS:
        return [(0, text)]
    tail = len(text) - TAIL_CHARACTERS
    return [(0, text[:HEAD_CHARACTERS]), (tail, text[tail:])]
