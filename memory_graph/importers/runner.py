"""Importing paths: find transcript files, tell their format, parse off the event loop, store.

Each file resumes where its cursor left it, so a grown transcript costs only its new lines and
an unchanged one costs a `stat`.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from memory_graph.errors import StoreError
from memory_graph.import_store import Cursor, file_head, get_cursor, save_cursor, store_session
from memory_graph.importers import claude_code, openai_chat, reverie_format
from memory_graph.importers.records import FORMATS, Format, ParsedFile, Problem
from memory_graph.session_log import SessionLog

TRANSCRIPT_SUFFIXES = (".jsonl", ".json")
_SNIFF_BYTES = 256 * 1024


class Parser(Protocol):
    def __call__(
        self, path: Path, offset: int = 0, first_line: int = 1, *, final: bool = True
    ) -> ParsedFile: ...


PARSERS: dict[Format, Parser] = {
    "claude-code": claude_code.parse,
    "openai": openai_chat.parse,
    "reverie": reverie_format.parse,
}


class ImportInputError(StoreError):
    """A path that cannot be imported at all: missing, empty of transcripts, unknown format."""


@dataclass
class ImportReport:
    """What an import did, for the summary line and `--json`."""

    files: int = 0
    unchanged: int = 0
    sessions_new: int = 0
    sessions_updated: int = 0
    sessions_seen: int = 0
    messages: int = 0
    lines: int = 0
    ignored: int = 0
    problems: list[Problem] = field(default_factory=list)

    @property
    def skipped(self) -> int:
        """Lines or items that could not be imported."""
        return len(self.problems)

    def to_json(self) -> dict[str, Any]:
        """The `reverie import --json` shape."""
        return {
            "files": self.files,
            "files_unchanged": self.unchanged,
            "sessions": self.sessions_new,
            "sessions_updated": self.sessions_updated,
            "messages": self.messages,
            "lines": self.lines,
            "ignored": self.ignored,
            "skipped": self.skipped,
            "problems": [problem.to_json() for problem in self.problems],
        }


def _first_json_line(path: Path) -> Any:
    with path.open("rb") as handle:
        sample = handle.read(_SNIFF_BYTES)
    for raw in sample.split(b"\n")[:20]:
        if raw.strip():
            try:
                return json.loads(raw)
            except (ValueError, RecursionError):
                continue
    return None


def detect(path: Path) -> Format | None:
    """The format of a transcript file, from its first bytes; None when it is none we read."""
    try:
        if path.suffix.lower() == ".json":
            with path.open("rb") as handle:
                start = handle.read(4096).lstrip()
            return "openai" if start[:1] in (b"[", b"{") else None
        first = _first_json_line(path)
    except OSError:
        return None
    if not isinstance(first, dict):
        return None
    if reverie_format.looks_like(first):
        return "reverie"
    if claude_code.looks_like(first):
        return "claude-code"
    if openai_chat.looks_like(first):
        return "openai"
    return None


def discover(paths: Sequence[Path]) -> list[Path]:
    """Transcript files under `paths`: files as given, folders searched for .jsonl/.json.

    Parents come before sub-agent files, so child sessions find the session they belong to.
    """
    found: list[Path] = []
    for path in paths:
        if not path.exists():
            raise ImportInputError(f"{path}: no such file or directory")
        if path.is_file():
            found.append(path)
            continue
        inside = sorted(
            child
            for child in path.rglob("*")
            if child.suffix.lower() in TRANSCRIPT_SUFFIXES
            and child.is_file()
            and not any(part.startswith(".") for part in child.relative_to(path).parts)
        )
        if not inside:
            raise ImportInputError(f"{path}: no transcripts (*.jsonl, *.json) in this folder")
        found.extend(inside)
    unique = list(dict.fromkeys(path.resolve() for path in found))
    return sorted(unique, key=lambda p: ("subagents" in p.parts, str(p)))


async def import_file(
    log: SessionLog, path: Path, fmt: Format, report: ImportReport, *, final: bool = True
) -> None:
    """Import one file from where its cursor stopped; results are added to `report`."""
    stat = await asyncio.to_thread(path.stat)
    cursor = await get_cursor(log, path)
    offset, first_line = 0, 1
    if cursor is not None and cursor.format == fmt and stat.st_size >= cursor.offset:
        same_start = await asyncio.to_thread(_head_matches, path, cursor)
        if same_start and (stat.st_size, stat.st_mtime_ns) == (cursor.size, cursor.mtime_ns):
            report.unchanged += 1
            return
        if same_start and path.suffix.lower() != ".json":
            offset, first_line = cursor.offset, cursor.lines + 1
    parsed = await asyncio.to_thread(PARSERS[fmt], path, offset, first_line, final=final)
    report.files += 1
    report.lines += parsed.lines
    report.ignored += parsed.ignored
    report.problems.extend(parsed.problems)
    for session in parsed.sessions:
        stored = await store_session(log, session)
        report.sessions_seen += 1
        report.messages += stored.added
        if stored.created:
            report.sessions_new += 1
        elif stored.added:
            report.sessions_updated += 1
    head = await asyncio.to_thread(file_head, path, parsed.end_offset)
    await save_cursor(
        log,
        Cursor(
            path=str(path),
            format=fmt,
            size=stat.st_size,
            mtime_ns=stat.st_mtime_ns,
            offset=parsed.end_offset,
            lines=first_line - 1 + parsed.lines,
            head=head,
        ),
    )


def _head_matches(path: Path, cursor: Cursor) -> bool:
    return file_head(path, cursor.offset) == cursor.head


async def import_paths(
    log: SessionLog,
    paths: Sequence[Path],
    fmt: Format | None = None,
    *,
    final: bool = True,
    on_file: Callable[[int, int, Path], None] | None = None,
) -> ImportReport:
    """Import every transcript under `paths` (`fmt` None: detect each file's format).

    Raises ImportInputError for a missing path, a folder without transcripts, or a file given
    by name whose format cannot be told.
    """
    if fmt is not None and fmt not in FORMATS:
        raise ImportInputError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    files = await asyncio.to_thread(discover, paths)
    named = {path.resolve() for path in paths if path.is_file()}
    report = ImportReport()
    for done, path in enumerate(files):
        if on_file is not None:
            on_file(done, len(files), path)
        file_format = fmt or await asyncio.to_thread(detect, path)
        if file_format is None:
            if path in named:
                raise ImportInputError(
                    f"{path}: not a transcript Reverie can read; pass --format "
                    f"({', '.join(FORMATS)}) if it is one"
                )
            report.problems.append(Problem(path, None, "not a transcript format Reverie reads"))
            continue
        try:
            await import_file(log, path, file_format, report, final=final)
        except OSError as error:
            report.problems.append(Problem(path, None, f"cannot read: {error.strerror or error}"))
    if on_file is not None:
        on_file(len(files), len(files), files[-1] if files else Path("."))
    return report
