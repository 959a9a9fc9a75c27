"""Typed rows that cross module boundaries: sessions, messages, events, search hits."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any, Literal

Role = Literal["user", "assistant", "tool", "system"]
Outcome = Literal["success", "failure", "unknown"]
Block = dict[str, Any]
"""One content block as the Messages API shapes it: text, tool_use or tool_result."""


def iso(moment: datetime) -> str:
    """A UTC time as the ISO-8601 text stored in every timestamp column."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds").replace("+00:00", "Z")


def now_iso() -> str:
    """The current time as stored."""
    return iso(datetime.now(UTC))


def parse_time(text: str | None) -> datetime | None:
    """A stored or imported timestamp as an aware UTC datetime; None when it is no time at all.

    A time without a zone means UTC: transcripts write local times without one, and comparing
    an unzoned time with a zoned one is an error, not an answer.
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
            "external_id": self.external_id,
            "created": self.created,
        }


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
