"""Reading JSON Lines from a byte offset, complete lines only."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from memory_graph.importers.records import Problem

MAX_LINE_BYTES = 64 * 1024 * 1024


def read_new_lines(path: Path, offset: int, *, final: bool) -> tuple[bytes, int]:
    """The lines from `offset` on, and the offset to read from next time.

    A last line without its newline may still be being written: it is taken only when it is
    already valid JSON, or when `final` (an explicit import, where the file is what it is).
    """
    with path.open("rb") as handle:
        handle.seek(offset)
        data = handle.read()
    end = data.rfind(b"\n") + 1
    tail = data[end:]
    if tail.strip() and (final or _is_json(tail)):
        return data, offset + len(data)
    return data[:end], offset + end


def count_lines(data: bytes) -> int:
    """Lines in `data`, a last one without a newline included."""
    return data.count(b"\n") + (1 if data and not data.endswith(b"\n") else 0)


def _is_json(raw: bytes) -> bool:
    try:
        json.loads(raw)
    except (ValueError, RecursionError):
        return False
    return True


def json_lines(
    path: Path, data: bytes, first_line: int, problems: list[Problem]
) -> Iterator[tuple[int, dict[str, Any]]]:
    """Each JSON object in `data` with its line number; bad lines become problems."""
    for number, raw in enumerate(data.split(b"\n"), start=first_line):
        if not raw.strip():
            continue
        if len(raw) > MAX_LINE_BYTES:
            problems.append(Problem(path, number, f"line longer than {MAX_LINE_BYTES} bytes"))
            continue
        try:
            # Decoded here: json.loads would guess UTF-16 from bytes like \xff\xfe.
            value = json.loads(raw.decode("utf-8"))
        except UnicodeDecodeError:
            problems.append(Problem(path, number, "not valid UTF-8"))
            continue
        except (ValueError, RecursionError):
            problems.append(Problem(path, number, "not valid JSON"))
            continue
        if not isinstance(value, dict):
            problems.append(Problem(path, number, "not a JSON object"))
            continue
        yield number, value
