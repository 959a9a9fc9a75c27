"""What extractors read: a session with its messages (of each message's text, at most its head
and its tail: `memory_graph.store.content.capped`), and which of them are the person's words.

Only the person's words are evidence of what the person prefers, corrects, states or asks: not
the harness's lines in their place (compaction summaries, slash-command echoes, hook context),
not a parent agent's prompt to a sub-agent, not an interruption, not Reverie's recalled memory
coming back. Inside a person's turn, the `<system-reminder>` blocks the harness added are not
their words either.
"""

from __future__ import annotations

from dataclasses import dataclass

from memory_graph.store.origins import person_text
from memory_graph.store.records import Message, MessageOrigin, Session


def is_person(message: Message) -> bool:
    """Whether the person typed this message."""
    return message.origin is MessageOrigin.PERSON


def person_words(message: Message) -> str:
    """The text of a person's message as read for their words: what the harness put in it is
    blanked out, every offset still pointing into the stored text."""
    return person_text(message.text)


@dataclass(frozen=True)
class SessionView:
    """A session and its messages, as extractors read them."""

    session: Session
    messages: list[Message]

    @property
    def person_turns(self) -> list[Message]:
        """The messages the person typed, in order."""
        return [message for message in self.messages if is_person(message)]
