"""What extractors read: a session with its messages (of each message's text, at most its head
and its tail: `memory_graph.store.content.capped`)."""

from __future__ import annotations

from dataclasses import dataclass

from memory_graph.store.records import Message, Session


@dataclass(frozen=True)
class SessionView:
    """A session and its messages, as extractors read them."""

    session: Session
    messages: list[Message]
