"""Reading JSON Lines from a byte offset, one line at a time: whole lines advance the cursor, an
unterminated last line is read but left to be read again once it is finished."""

from __future__ import annotations

import json
from collections.abc import Iterator
from itertools import count
from pathlib import Path
from typing import Any, BinaryIO

from memory_graph.transcripts.parsed import ParsedFile, Problem

MAX_LINE_BYTES = 64 * 1024 * 1024
SAMPLE_LINES = 20
"""How many lines at the start of a file its format and layout are told from."""
_SKIP_BYTES = 1 << 20
BOM = b"\xef\xbb\xbf"


def parse_json(raw: bytes) -> Any:
    """One JSON value from bytes that must be UTF-8. Decoding here matters: json.loads guesses
    UTF-16 from bytes like \\xff\\xfe."""
    return json.loads(raw.decode("utf-8-sig" if raw.startswith(BOM) else "utf-8"))


def _skip_rest_of_line(handle: BinaryIO) -> tuple[int, bool]:
    """Read past the rest of an over-long line without holding it: (bytes, ended by newline)."""
    skipped = 0
    while chunk := handle.readline(_SKIP_BYTES):
        skipped += len(chunk)
        if chunk.endswith(b"\n"):
            return skipped, True
    return skipped, False


def _value(
    path: Path, number: int, raw: bytes, complete: bool, problems: list[Problem], *, final: bool
) -> dict[str, Any] | None:
    """The JSON object on a line, or None (the reason added to `problems` when it is one)."""
    try:
        value = parse_json(raw)
    except UnicodeDecodeError:
        if complete or final:
            problems.append(Problem(path, number, "not valid UTF-8"))
        return None
    except (ValueError, RecursionError):
        if complete:
            problems.append(Problem(path, number, "not valid JSON"))
        elif final:
            problems.append(Problem(path, number, "unfinished last line (no newline)"))
        return None
    if not isinstance(value, dict):
        problems.append(Problem(path, number, "not a JSON object"))
        return None
    return value


def records(
    path: Path, into: ParsedFile, offset: int, first_line: int, *, final: bool
) -> Iterator[tuple[int, dict[str, Any]]]:
    """Each JSON object of the file from `offset` on, with its line number, read one line at a
    time; bad lines become problems in `into`, whose `lines` and `end_offset` follow the whole
    lines read.

    An unterminated last line is yielded when it is already valid JSON (it will be read again
    when finished, and re-reading adds nothing). Otherwise it is reported only when `final`: an
    explicit import sees the file as it is; a watcher waits for the writer to finish the line.
    """
    into.end_offset = offset
    with path.open("rb") as handle:
        handle.seek(offset)
        for number in count(first_line):
            raw = handle.readline(MAX_LINE_BYTES + 1)
            if not raw:
                return
            size, complete = len(raw), raw.endswith(b"\n")
            too_long = size - complete > MAX_LINE_BYTES
            if too_long and not complete:
                skipped, complete = _skip_rest_of_line(handle)
                size += skipped
            if complete:
                into.lines += 1
                into.end_offset += size
            if not raw.strip():
                continue
            if too_long:
                into.problems.append(
                    Problem(path, number, f"line longer than {MAX_LINE_BYTES} bytes")
                )
                continue
            value = _value(path, number, raw, complete, into.problems, final=final)
            if value is not None:
                yield number, value


def _first_lines(path: Path) -> Iterator[bytes]:
    """The non-empty lines among the first SAMPLE_LINES of a file (long lines are read whole)."""
    with path.open("rb") as handle:
        for _ in range(SAMPLE_LINES):
            raw = handle.readline(MAX_LINE_BYTES)
            if not raw:
                return
            if raw.strip():
                yield raw


def first_record(path: Path) -> Any:
    """The first non-empty line of a file, parsed, or None when it is not JSON."""
    for raw in _first_lines(path):
        try:
            return parse_json(raw)
        except (ValueError, RecursionError):
            return None
    return None


def sample(path: Path) -> Iterator[Any]:
    """The values of those of the first lines of a file that parse: what a format is told
    from, so that a bad line does not hide the good ones after it."""
    for raw in _first_lines(path):
        try:
            yield parse_json(raw)
        except (ValueError, RecursionError):
            continue
