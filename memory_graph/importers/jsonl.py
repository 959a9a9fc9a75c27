"""Reading JSON Lines from a byte offset: whole lines advance the cursor, an unterminated last
line is read but left to be read again once it is finished."""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from memory_graph.importers.records import Problem

MAX_LINE_BYTES = 64 * 1024 * 1024
_BOM = b"\xef\xbb\xbf"


@dataclass(frozen=True)
class Chunk:
    """What a file holds past an offset."""

    complete: bytes
    """Whole lines, each ending with a newline."""
    end_offset: int
    """Where the next read starts: just after the last whole line."""
    lines: int
    """How many whole lines."""
    tail: bytes
    """A last line without its newline (still being written, or a file without a final one)."""


def read_chunk(path: Path, offset: int) -> Chunk:
    """Everything in `path` from `offset` on."""
    with path.open("rb") as handle:
        handle.seek(offset)
        data = handle.read()
    end = data.rfind(b"\n") + 1
    return Chunk(data[:end], offset + end, data[:end].count(b"\n"), data[end:])


def parse_json(raw: bytes) -> Any:
    """One JSON value from bytes that must be UTF-8. Decoding here matters: json.loads guesses
    UTF-16 from bytes like \\xff\\xfe."""
    return json.loads(raw.decode("utf-8-sig" if raw.startswith(_BOM) else "utf-8"))


def records(
    path: Path, chunk: Chunk, first_line: int, problems: list[Problem], *, final: bool
) -> Iterator[tuple[int, dict[str, Any]]]:
    """Each JSON object of the chunk with its line number; bad lines become problems.

    The unterminated tail is yielded when it is already valid JSON (it will be read again when
    finished, and re-reading adds nothing). Otherwise it is reported only when `final`: an
    explicit import sees the file as it is; a watcher waits for the writer to finish the line.
    """
    raws = chunk.complete.split(b"\n")[:-1]
    if chunk.tail.strip():
        raws.append(chunk.tail)
    for number, raw in enumerate(raws, start=first_line):
        is_tail = number == first_line + chunk.lines
        if not raw.strip():
            continue
        if len(raw) > MAX_LINE_BYTES:
            problems.append(Problem(path, number, f"line longer than {MAX_LINE_BYTES} bytes"))
            continue
        try:
            value = parse_json(raw)
        except UnicodeDecodeError:
            if not is_tail or final:
                problems.append(Problem(path, number, "not valid UTF-8"))
            continue
        except (ValueError, RecursionError):
            if is_tail and final:
                problems.append(Problem(path, number, "unfinished last line (no newline)"))
            elif not is_tail:
                problems.append(Problem(path, number, "not valid JSON"))
            continue
        if not isinstance(value, dict):
            problems.append(Problem(path, number, "not a JSON object"))
            continue
        yield number, value


def first_record(path: Path) -> Any:
    """The first non-empty line of a file, parsed, or None (long lines are read whole)."""
    with path.open("rb") as handle:
        for _ in range(20):
            raw = handle.readline(MAX_LINE_BYTES)
            if not raw:
                return None
            if raw.strip():
                try:
                    return parse_json(raw)
                except (ValueError, RecursionError):
                    return None
    return None
