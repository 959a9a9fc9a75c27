"""Typed rows that cross module boundaries: sessions, messages, events, search hits."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from enum import StrEnum
from functools import lru_cache
from typing import Any, Literal

Role = Literal["user", "assistant", "tool", "system"]
Outcome = Literal["success", "failure", "unknown"]
Block = dict[str, Any]
"""One content block as the Messages API shapes it: text, tool_use or tool_result."""


class MessageOrigin(StrEnum):
    """Who wrote a message's text: the store's vocabulary for messages (the database's CHECK
    constraint lists the same values). Only the person's words are evidence of what the person
    prefers, corrects, states or asks."""

    PERSON = "person"
    """The person typing."""
    HARNESS = "harness"
    """The program around the model: system prompts, tool results, compaction summaries,
    slash-command echoes, hook context, skills, task notifications."""
    AGENT = "agent"
    """A model: assistant replies and tool calls, and a parent agent's prompt to a sub-agent."""
    SIGNAL = "signal"
    """An event rather than words: an interruption."""
    RECALLED = "recalled"
    """What Reverie itself handed a model (recalled memory), coming back in a transcript."""


class OriginReason(StrEnum):
    """Why a message's origin is not its role's usual one (kept beside the origin)."""

    COMPACTION_SUMMARY = "compaction summary"
    SLASH_COMMAND = "slash-command echo"
    HOOK_CONTEXT = "hook context"
    SKILL = "skill text"
    TASK_NOTIFICATION = "task notification"
    SUB_AGENT_PROMPT = "sub-agent prompt"
    INTERRUPTION = "interruption"
    RECALLED_MEMORY = "recalled memory"


_ROLE_ORIGINS: dict[str, MessageOrigin] = {
    "user": MessageOrigin.PERSON,
    "assistant": MessageOrigin.AGENT,
    # Tool results are the world answering, as the harness reports it: nobody's words.
    "tool": MessageOrigin.HARNESS,
    "system": MessageOrigin.HARNESS,
}


def default_origin(role: Role) -> MessageOrigin:
    """The origin a message of this role has unless something says otherwise."""
    return _ROLE_ORIGINS[role]


@dataclass(frozen=True, slots=True)
class Provenance:
    """A message's origin and, when it is not its role's default, why."""

    origin: MessageOrigin
    reason: str | None = None


def iso(moment: datetime) -> str:
    """A UTC time as the ISO-8601 text stored in every timestamp column."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def now_iso() -> str:
    """The current time as stored."""
    return iso(datetime.now(UTC))


@lru_cache(maxsize=4096)
def parse_time(text: str | None) -> datetime | None:
    """A stored or imported timestamp as an aware UTC datetime; None when it is no time at all.

    A time without a zone means UTC: transcripts write local times without one, and comparing
    an unzoned time with a zoned one is an error, not an answer. Kept for the last few
    thousand: recall weighs the same memories' last sightings turn after turn.
    """
    if not text:
        return None
    try:
        moment = datetime.fromisoformat(text.strip().replace("Z", "+00:00").replace("z", "+00:00"))
        return moment.replace(tzinfo=UTC) if moment.tzinfo is None else moment.astimezone(UTC)
    except (ValueError, OverflowError):
        return None  # not a time, or one that UTC cannot hold (year 9999 west of Greenwich)


def stored_time(text: str | None) -> str | None:
    """A timestamp in the one form every column holds (UTC, ISO-8601, milliseconds, Z), so
    that times compare as text; None for what is not a time."""
    moment = parse_time(text)
    return iso(moment) if moment is not None else None


NATIVE_SOURCE = "reverie"
"""The source of the sessions Reverie itself records (the agent's)."""


@dataclass(frozen=True, slots=True)
class Session:
    """A conversation, native or imported."""

    id: int
    source: str
    external_id: str
    title: str
    started: str
    ended: str | None
    model: str | None
    outcome: Outcome
    private: bool
    parent_id: int | None = None
    message_count: int = 0
    cwd: str | None = None
    """The working directory the session ran in, when its source says (imports of OpenAI-style
    logs do not)."""
    continues_id: int | None = None
    """The imported session this one continues (imported ones are read-only)."""

    @property
    def imported(self) -> bool:
        """Whether an importer wrote it: then only that importer adds to it."""
        return self.source != NATIVE_SOURCE

    def to_json(self) -> dict[str, Any]:
        """The `--json` shape of a session."""
        return {
            "id": self.id,
            "source": self.source,
            "external_id": self.external_id,
            "title": self.title,
            "started": self.started,
            "ended": self.ended,
            "model": self.model,
            "outcome": self.outcome,
            "private": self.private,
            "parent_id": self.parent_id,
            "cwd": self.cwd,
            "continues_id": self.continues_id,
            "messages": self.message_count,
        }


@dataclass(frozen=True, slots=True)
class Message:
    """One appended message; `content` is a list of blocks, `meta` holds flags such as
    `interrupted`, `stop_reason` or `no_model`."""

    id: int
    session_id: int
    seq: int
    role: Role
    content: list[Block]
    text: str
    created: str
    meta: dict[str, Any] = field(default_factory=dict)
    external_id: str | None = None
    provenance: Provenance | None = None
    """Who wrote it, when that is not its role's default (`origin` says either way)."""

    @property
    def origin(self) -> MessageOrigin:
        """Who wrote the text."""
        return self.provenance.origin if self.provenance else default_origin(self.role)

    @property
    def origin_reason(self) -> str | None:
        """Why the origin is not the role's default (a compaction summary, a sub-agent prompt)."""
        return self.provenance.reason if self.provenance else None

    @property
    def interrupted(self) -> bool:
        """True when the reply was cut short (cancelled, dropped, crashed) and kept as it was."""
        return bool(self.meta.get("interrupted"))

    def to_json(self) -> dict[str, Any]:
        """The `--json` shape of a message."""
        return {
            "id": self.id,
            "session_id": self.session_id,
            "seq": self.seq,
            "role": self.role,
            "content": self.content,
            "meta": self.meta,
            "origin": self.origin,
            "origin_reason": self.origin_reason,
            "external_id": self.external_id,
            "created": self.created,
        }


RECALL_EVENT = "recall"
"""The kind of event a turn logs with what recall brought to it: memory ids, earlier message
ids and `references` (wording versions, never text)."""


@dataclass(frozen=True, slots=True)
class Event:
    """A signal tied to a session: API errors, retries, interruptions, permission decisions."""

    id: int
    session_id: int
    message_id: int | None
    kind: str
    data: dict[str, Any]
    created: str

    def to_json(self) -> dict[str, Any]:
        """The `--json` shape of an event."""
        return {
            "id": self.id,
            "session_id": self.session_id,
            "message_id": self.message_id,
            "kind": self.kind,
            "data": self.data,
            "created": self.created,
        }


@dataclass(frozen=True, slots=True)
class SearchHit:
    """A message that matched a full-text search, with a plain-text snippet around the match."""

    session_id: int
    message_id: int
    session_title: str
    snippet: str
    role: Role


def dumps(value: Any) -> str:
    """Compact, stable JSON for storage."""
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
