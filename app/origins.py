"""What the person did not write, marked wherever sessions are shown: a turn is headed by its
origin and why ("harness · compaction summary", "agent · sub-agent prompt", "signal ·
interruption"); a session an agent spawned is listed under the one that spawned it."""

from __future__ import annotations

import re

from memory_graph.store.origins import infer_origin
from memory_graph.store.records import Message, MessageOrigin, Session

SPAWNED_MARK = "↳ "
AGENT_SESSION = "agent session"
"""The title of a spawned session nobody typed in (sub-agents and compaction runs have none)."""


_ECHO = re.compile(
    r"<(command-name|command-message|command-args|local-command-stdout|local-command-stderr|"
    r"local-command-caveat)>(.*?)</\1>",
    re.DOTALL,
)
_SAID = {"command-name", "command-args", "local-command-stdout", "local-command-stderr"}
"""What of Claude Code's echo of a slash command a person would read: the command, its
arguments and its output; its `command-message` repeats the name, its caveat is for models."""


def readable(text: str) -> str:
    """Text with Claude Code's slash-command elements as a person reads them:
    `<command-name>/mcp</command-name> <command-args>x</command-args>` is `/mcp x`."""
    if "<" not in text:
        return text
    return _ECHO.sub(lambda m: m.group(2) if m.group(1) in _SAID else "", text).strip()


def shown_title(session: Session) -> str:
    """A session's title as lists show it: what an imported slash command echoed, readable."""
    return readable(listed_title(session))


def block_label(message: Message, text: str) -> str | None:
    """The heading of one text block of a `user` message that someone or something else
    wrote: the message's own origin, or the block's when it alone is the harness's (a slash
    command's echo beside a person's words in one message)."""
    label = origin_label(message)
    if label is not None or message.role != "user":
        return label
    block = infer_origin("user", text, {})
    if block.origin is MessageOrigin.PERSON:
        return None
    return f"{block.origin}" + (f" · {block.reason}" if block.reason else "")


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
