"""What the person did not write, marked wherever sessions are shown: a turn is headed by its
origin and why ("harness · compaction summary", "agent · sub-agent prompt", "signal ·
interruption"); a session an agent spawned is listed under the one that spawned it."""

from __future__ import annotations

from memory_graph.store.records import Message, MessageOrigin, Session

SPAWNED_MARK = "↳ "
AGENT_SESSION = "agent session"
"""The title of a spawned session nobody typed in (sub-agents and compaction runs have none)."""


def origin_label(message: Message) -> str | None:
    """The heading of a `user` message someone or something else wrote; None for the person's
    own turns (and for replies, tool results and prompts, which are shown as such)."""
    if message.role != "user" or message.origin is MessageOrigin.PERSON:
        return None
    reason = f" · {message.origin_reason}" if message.origin_reason else ""
    return f"{message.origin}{reason}"


def listed_title(session: Session) -> str:
    """A session's title in a list, where each session is followed by those it spawned."""
    if session.parent_id is None:
        return session.title
    return SPAWNED_MARK + (session.title or AGENT_SESSION)
