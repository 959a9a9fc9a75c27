"""Importing paths: find transcript files, tell their format, parse off the event loop, store.

Each file resumes where its cursor left it, so a grown transcript costs only its new lines and
an unchanged one costs a `stat` and two 1 KiB digests.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from memory_graph.store.errors import StoreError
from memory_graph.store.session_log import SessionLog
from memory_graph.transcripts import claude_code, json_stream, openai_chat, reverie_format
from memory_graph.transcripts.cursors import Cursor, file_digests, get_cursor, save_cursor
from memory_graph.transcripts.jsonl import sample
from memory_graph.transcripts.parsed import FORMATS, Format, ImportedSession, ParsedFile, Problem
from memory_graph.transcripts.writer import ImportConflict, retitle, store_session

TRANSCRIPT_SUFFIXES = (".jsonl", ".json")
DOCUMENT_SAMPLE = 3
"""How many items of a JSON document its format is told from."""


class Parser(Protocol):
    """A format's reader: a file from a byte offset (numbered from `first_line`) to its end,
    one session at a time; what else it meets goes into `into`."""

    def __call__(
        self,
        path: Path,
        into: ParsedFile,
        offset: int = 0,
        first_line: int = 1,
        *,
        final: bool = True,
    ) -> Iterator[ImportedSession]: ...


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
    resumed: int = 0
    """Files read on from an earlier cursor (nothing new is not an error for them)."""
    sessions_new: int = 0
    sessions_updated: int = 0
    sessions_seen: int = 0
    messages: int = 0
    lines: int = 0
    ignored: int = 0
    problems: list[Problem] = field(default_factory=list)
    failed: list[Path] = field(default_factory=list)
    """Files nothing could be imported from, for the reasons among `problems`: never recorded
    as read, so the next import tries them again."""

    def failures(self) -> list[tuple[Path, list[Problem]]]:
        """Each failed file with its problems, in the order they failed."""
        return [
            (path, [problem for problem in self.problems if problem.path == path])
            for path in self.failed
        ]

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
            "files_failed": [str(path) for path in self.failed],
        }


class ImportStopped(StoreError):
    """The database refused a write part-way (disk full, locked too long): the sessions already
    imported are whole and kept, `report` says what they were, and importing the same paths
    again goes on from there."""

    def __init__(self, message: str, report: ImportReport) -> None:
        super().__init__(message)
        self.report = report


def detect(path: Path) -> Format | None:
    """The format of a transcript file, from the first items of a JSON list, else from the first
    of its first lines that looks like a transcript's; None when it is none we read."""
    try:
        start = json_stream.first_char(path)
        if start == "[" and (fmt := _document_format(path, DOCUMENT_SAMPLE)):
            return fmt
        for value in sample(path):
            fmt = _format_of(value)
            if fmt is not None:
                return fmt
        if start == "{":
            # An object spread over lines (an indented conversation): none of its lines parse.
            return _document_format(path, 1)
    except OSError:
        return None
    return None


def _document_format(path: Path, items: int) -> Format | None:
    """A JSON document holds OpenAI-style conversations when one of its first items is one."""
    first = json_stream.first_values(path, items)
    return "openai" if any(openai_chat.looks_like(item) for item in first) else None


def _format_of(value: Any) -> Format | None:
    if not isinstance(value, dict):
        return None
    if reverie_format.looks_like(value):
        return "reverie"
    if claude_code.looks_like(value):
        return "claude-code"
    if openai_chat.looks_like(value):
        return "openai"
    return None


def is_transcript(path: Path, root: Path) -> bool:
    """A file with a transcript suffix, not hidden below `root` (editor swap files, .git)."""
    try:
        relative = path.relative_to(root)
    except ValueError:
        relative = Path(path.name)
    return (
        path.suffix.lower() in TRANSCRIPT_SUFFIXES
        and not any(part.startswith(".") for part in relative.parts)
        and path.is_file()
    )


def transcript_files(folder: Path) -> list[Path]:
    """Every transcript file under a folder."""
    return [child for child in folder.rglob("*") if is_transcript(child, folder)]


def parents_first(paths: Sequence[Path]) -> list[Path]:
    """Files ordered so that a session's sub-agent files come after the session itself."""
    unique = list(dict.fromkeys(path.resolve() for path in paths))
    return sorted(unique, key=lambda p: ("subagents" in p.parts, str(p)))


def discover(paths: Sequence[Path]) -> list[Path]:
    """Transcript files under `paths`: files as given, folders searched for .jsonl/.json."""
    found: list[Path] = []
    for path in paths:
        if not path.exists():
            raise ImportInputError(f"{path}: no such file or directory")
        if path.is_file():
            found.append(path)
            continue
        inside = transcript_files(path)
        if not inside:
            raise ImportInputError(f"{path}: no transcripts (*.jsonl, *.json) in this folder")
        found.extend(inside)
    return parents_first(found)


async def import_file(
    log: SessionLog, path: Path, fmt: Format, report: ImportReport, *, final: bool = True
) -> None:
    """Import one file from where its cursor stopped; results are added to `report`."""
    stat = await asyncio.to_thread(path.stat)
    cursor = await get_cursor(log, path)
    offset, first_line = 0, 1
    if cursor is not None and cursor.format == fmt and stat.st_size >= cursor.offset:
        head, tail = await asyncio.to_thread(file_digests, path, cursor.offset)
        same = (head, tail) == (cursor.head, cursor.tail)
        if same and (stat.st_size, stat.st_mtime_ns) == (cursor.size, cursor.mtime_ns):
            report.unchanged += 1
            return
        if same and cursor.offset > 0:
            offset, first_line = cursor.offset, cursor.lines + 1
            report.resumed += 1
    parsed = ParsedFile()
    sessions = PARSERS[fmt](path, parsed, offset, first_line, final=final)
    report.files += 1
    seen, problems = report.sessions_seen, len(report.problems)
    try:
        # Parsed in a thread and stored one session at a time: memory holds one session.
        while (session := await asyncio.to_thread(next, sessions, None)) is not None:
            await _store(log, path, session, report)
    finally:
        report.problems.extend(parsed.problems)
    if report.sessions_seen == seen and len(report.problems) > problems:
        # Nothing of it could be imported: no cursor, so that the next import reads it again
        # (and says why again) rather than count it unchanged.
        report.failed.append(path)
        return
    report.lines += parsed.lines
    report.ignored += parsed.ignored
    for hint in parsed.titles:
        # A summary of a session read earlier (it was appended after the session's lines).
        if not await retitle(log, claude_code.SOURCE, hint.leaf, hint.title):
            report.ignored += 1
    head, tail = await asyncio.to_thread(file_digests, path, parsed.end_offset)
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
            tail=tail,
        ),
    )


async def _store(
    log: SessionLog, path: Path, session: ImportedSession, report: ImportReport
) -> None:
    try:
        stored = await store_session(log, session)
    except ImportConflict as conflict:
        report.problems.append(Problem(path, None, str(conflict)))
        return
    report.sessions_seen += 1
    report.messages += stored.added
    if stored.created:
        report.sessions_new += 1
    elif stored.added:
        report.sessions_updated += 1


async def import_files(
    log: SessionLog,
    files: Sequence[Path],
    fmt: Format | None,
    report: ImportReport,
    *,
    final: bool = True,
    named: frozenset[Path] = frozenset(),
    on_file: Callable[[int, int, Path], None] | None = None,
    stop: asyncio.Event | None = None,
) -> None:
    """Import these files in order (`fmt` None: detect each). A file in `named` (given by the
    user) whose format cannot be told raises ImportInputError; any other problem with a file is
    reported and the next file goes on. Stops between files once `stop` is set."""
    for done, path in enumerate(files):
        if stop is not None and stop.is_set():
            return
        if on_file is not None:
            on_file(done, len(files), path)
        detected = await asyncio.to_thread(detect, path)
        if fmt is not None and detected not in (None, fmt):
            # A forced format that the content contradicts would import garbage.
            _failed(report, path, f"is {detected}, not {fmt}; not imported")
            continue
        file_format = fmt or detected
        if file_format is None:
            if path in named:
                raise ImportInputError(
                    f"{path}: not a transcript Reverie can read; pass --format "
                    f"({', '.join(FORMATS)}) if it is one"
                )
            _failed(report, path, "not a transcript format Reverie reads")
            continue
        try:
            await import_file(log, path, file_format, report, final=final)
        except OSError as error:
            _failed(report, path, f"cannot read: {error.strerror or error}")
        except (StoreError, asyncio.CancelledError):
            raise
        except Exception as error:
            # A parser bug must not stop the other files, nor kill `reverie watch`.
            _failed(report, path, f"could not be imported ({type(error).__name__}: {error})")
    if on_file is not None and files:
        on_file(len(files), len(files), files[-1])


def _failed(report: ImportReport, path: Path, reason: str) -> None:
    report.problems.append(Problem(path, None, reason))
    if path not in report.failed:
        report.failed.append(path)


async def import_paths(
    log: SessionLog,
    paths: Sequence[Path],
    fmt: Format | None = None,
    *,
    on_file: Callable[[int, int, Path], None] | None = None,
) -> ImportReport:
    """Import every transcript under `paths` (`fmt` None: detect each file's format).

    Raises ImportInputError for a missing path, a folder without transcripts, or a file given
    by name whose format cannot be told; ImportStopped when the database refuses a write.
    """
    if fmt is not None and fmt not in FORMATS:
        raise ImportInputError(f"unknown format {fmt!r}; use one of {', '.join(FORMATS)}")
    files = await asyncio.to_thread(discover, paths)
    named = frozenset(path.resolve() for path in paths if path.is_file())
    report = ImportReport()
    try:
        await import_files(log, files, fmt, report, named=named, on_file=on_file)
    except ImportInputError:
        raise
    except StoreError as error:
        raise ImportStopped(str(error), report) from None
    return report
