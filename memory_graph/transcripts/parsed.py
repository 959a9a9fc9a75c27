"""What a parser hands to the store: sessions with their messages, and the problems it met."""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

from memory_graph.store.records import Block, Outcome, Provenance, Role, stored_time

Format = Literal["claude-code", "openai", "reverie"]
FORMATS: tuple[Format, ...] = ("claude-code", "openai", "reverie")


@dataclass
class ImportedMessage:
    """One message as read from a transcript."""

    role: Role
    content: list[Block]
    external_id: str | None = None
    created: str | None = None
    meta: dict[str, Any] = field(default_factory=dict)
    provenance: Provenance | None = None
    """Who wrote it (`memory_graph.transcripts.origins`); None: its role's default."""


@dataclass
class ImportedSession:
    """One conversation as read; `external_id` is unique within `source`."""

    source: str
    external_id: str
    title: str = ""
    """A title the source gave (a summary, a `title` field): it replaces the stored one."""
    fallback_title: str = ""
    """A title derived from the person's first words: used only while the session has none."""
    started: str | None = None
    ended: str | None = None
    model: str | None = None
    outcome: Outcome = "unknown"
    private: bool = False
    parent_external_id: str | None = None
    cwd: str | None = None
    """The working directory it ran in, when the transcript says."""
    messages: list[ImportedMessage] = field(default_factory=list)

    def saw(self, timestamp: str | None) -> None:
        """Widen started/ended to include a message's timestamp (compared in the stored form:
        texts in mixed forms do not order as times)."""
        timestamp = stored_time(timestamp)
        if timestamp is None:
            return
        if self.started is None or timestamp < self.started:
            self.started = timestamp
        if self.ended is None or timestamp > self.ended:
            self.ended = timestamp


@dataclass(frozen=True)
class Problem:
    """Something in a file that could not be imported; the rest of the file still is."""

    path: Path
    line: int | None
    reason: str

    def __str__(self) -> str:
        where = f"{self.path}:{self.line}" if self.line is not None else str(self.path)
        return f"{where}: {self.reason}"

    def to_json(self) -> dict[str, Any]:
        """The `--json` shape of a problem."""
        return {"path": str(self.path), "line": self.line, "reason": self.reason}


@dataclass(frozen=True)
class TitleHint:
    """A title for the session holding message `leaf` (a Claude Code summary line), to resolve
    against the log when that message was imported earlier."""

    line: int
    leaf: str
    title: str


@dataclass
class ParsedFile:
    """What a parser met in one file (or the part of it past a cursor), beside the sessions it
    yields; filled in as it reads, complete once they are all yielded."""

    problems: list[Problem] = field(default_factory=list)
    lines: int = 0
    """Lines read (JSONL), or items (a JSON list)."""
    titles: list[TitleHint] = field(default_factory=list)
    """Titles whose session is not in this read."""
    ignored: int = 0
    """Well-formed lines that carry no conversation (progress, snapshots, hooks)."""
    end_offset: int = 0
    """Bytes consumed: the next read starts here (a trailing partial line is left for later)."""
