"""The file tools (read, list, search, write): what runs in the child process `Toolbox` starts
for each call, so this module imports nothing but the standard library and the workspace.

Every answer is a `ToolOutcome`; nothing a model sends and no state of the disk makes a tool
raise past `answer`.
"""

from __future__ import annotations

import contextlib
import fnmatch
import json
import math
import os
import pickle
import re
import resource
import stat
import sys
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any, BinaryIO

from app.agent.workspace import OutsideWorkspace, Workspace

OUTPUT_LIMIT = 30_000
"""Characters of tool output the model sees; the rest is cut with a note."""
READ_LIMIT_LINES = 2000
SEARCH_LIMIT = 200
LIST_LIMIT = 500
SEARCH_MAX_FILE_BYTES = 2 * 1024 * 1024
_SKIPPED_DIRS = {".git", ".hg", ".svn", ".venv", "venv", "node_modules", "__pycache__", ".tox"}


@dataclass(frozen=True)
class ToolOutcome:
    """What a tool answered: its output text, whether it failed, and a command's exit code."""

    output: str
    is_error: bool = False
    exit_code: int | None = None


class ToolInputError(Exception):
    """A call a tool cannot answer: arguments that do not fit its schema, or a path to something
    other than a regular file."""


def string_argument(arguments: dict[str, Any], name: str, default: str | None = None) -> str:
    value = arguments.get(name, default)
    if not isinstance(value, str):
        raise ToolInputError(f"argument {name!r} must be a string")
    try:
        # A lone surrogate (JSON can carry one) cannot become a file name, a command or UTF-8.
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ToolInputError(f"argument {name!r} is not valid text (a lone surrogate)") from None
    return value


def number_argument(arguments: dict[str, Any], name: str, default: float) -> float:
    """A finite number: JSON's 1e400 arrives as infinity, and NaN compares false with every
    bound, so neither could be clamped."""
    value = arguments.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ToolInputError(f"argument {name!r} must be a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise ToolInputError(f"argument {name!r} must be a finite number, not {value}")
    return value


def _integer(arguments: dict[str, Any], name: str, default: int) -> int:
    return int(number_argument(arguments, name, default))


def _is_binary(sample: bytes) -> bool:
    return b"\x00" in sample


_KINDS = (
    (stat.S_ISDIR, "directory"),
    (stat.S_ISFIFO, "named pipe"),
    (stat.S_ISSOCK, "socket"),
    (stat.S_ISCHR, "character device"),
    (stat.S_ISBLK, "block device"),
)


def _kind(mode: int) -> str:
    """What a file that is not a regular one is, as the model is told."""
    return next((kind for test, kind in _KINDS if test(mode)), "special file")


def _require_regular(workspace: Workspace, path: Path, mode: int) -> None:
    if not stat.S_ISREG(mode):
        raise ToolInputError(
            f"{workspace.relative(path)} is a {_kind(mode)}, not a regular file; tools read "
            "and write regular files only"
        )


def _open_file(workspace: Workspace, path: Path, *, writing: bool = False) -> BinaryIO:
    """A regular file, opened without ever blocking: a named pipe waits for a writer (or a
    reader) forever and a device may never end. The kind is checked before opening, since
    opening a device can do something, and again on what was opened, in case the file was
    replaced meanwhile; nothing is truncated before that."""
    with contextlib.suppress(FileNotFoundError):
        _require_regular(workspace, path, path.stat().st_mode)
    access = os.O_WRONLY | os.O_CREAT if writing else os.O_RDONLY
    descriptor = os.open(path, access | os.O_NONBLOCK | os.O_NOFOLLOW | os.O_CLOEXEC, 0o666)
    handle = os.fdopen(descriptor, "wb" if writing else "rb")
    try:
        _require_regular(workspace, path, os.fstat(descriptor).st_mode)
        os.set_blocking(descriptor, True)
    except BaseException:
        handle.close()
        raise
    return handle


def _lines(handle: BinaryIO, width: int) -> Iterator[str]:
    """Lines of a file, each cut to `width` characters, without ever holding a whole long line
    (a one-line 3 GB file is read in bounded pieces)."""
    while chunk := handle.readline(width * 4):
        if not chunk.endswith(b"\n"):
            # The rest of an over-long line is skipped, not kept.
            while (more := handle.readline(1 << 20)) and not more.endswith(b"\n"):
                pass
        yield chunk.decode("utf-8", errors="replace").rstrip("\r\n")[:width]


def _read_file(workspace: Workspace, arguments: dict[str, Any]) -> ToolOutcome:
    path = workspace.resolve(string_argument(arguments, "path"))
    offset = max(1, _integer(arguments, "offset", 1))
    limit = max(1, min(READ_LIMIT_LINES, _integer(arguments, "limit", READ_LIMIT_LINES)))
    shown: list[str] = []
    size = 0
    more = False
    with _open_file(workspace, path) as handle:
        if _is_binary(handle.read(8192)):
            return ToolOutcome(f"{workspace.relative(path)} is a binary file", is_error=True)
        handle.seek(0)
        lines = _lines(handle, OUTPUT_LIMIT // 4)
        number = 0
        for number, line in enumerate(lines, start=1):
            if number < offset:
                continue
            entry = f"{number:>6}\t{line}"
            # Whole lines within the output limit, so the hint says exactly where to go on.
            if len(shown) == limit or size + len(entry) > OUTPUT_LIMIT:
                more = True
                break
            shown.append(entry)
            size += len(entry) + 1
    if not shown:
        if number == 0:
            return ToolOutcome("(empty file)")
        return ToolOutcome(f"offset is past the end ({number} lines)", is_error=True)
    if more:
        shown.append(f"[more lines follow; read on with offset={offset + len(shown)}]")
    return ToolOutcome("\n".join(shown))


def _list_dir(workspace: Workspace, arguments: dict[str, Any]) -> ToolOutcome:
    path = workspace.resolve(string_argument(arguments, "path", "."))
    if not path.is_dir():
        return ToolOutcome(f"{workspace.relative(path)} is not a directory", is_error=True)
    entries = sorted(path.iterdir(), key=lambda entry: entry.name)
    lines = []
    for entry in entries[:LIST_LIMIT]:
        details = entry.lstat()
        if stat.S_ISLNK(details.st_mode):
            lines.append(f"{entry.name} -> {os.readlink(entry)}")
        elif stat.S_ISDIR(details.st_mode):
            lines.append(f"{entry.name}/")
        elif stat.S_ISREG(details.st_mode):
            lines.append(f"{entry.name}\t{details.st_size} bytes")
        else:  # its size says nothing, and the model should not try to read it
            lines.append(f"{entry.name}\t({_kind(details.st_mode)})")
    if len(entries) > LIST_LIMIT:
        lines.append(f"[{len(entries) - LIST_LIMIT} more entries not shown]")
    return ToolOutcome("\n".join(lines) if lines else "(empty directory)")


def _search_files(workspace: Workspace, arguments: dict[str, Any]) -> ToolOutcome:
    try:
        pattern = re.compile(string_argument(arguments, "pattern"))
    except re.error as error:
        return ToolOutcome(f"invalid regular expression: {error}", is_error=True)
    base = workspace.resolve(string_argument(arguments, "path", "."))
    glob = string_argument(arguments, "glob", "*")
    if not base.exists():
        return ToolOutcome(f"{workspace.relative(base)} does not exist", is_error=True)
    matches: list[str] = []
    for path in _candidates(workspace, base, glob):
        try:
            text = _searchable_text(workspace, path)
        except (ToolInputError, OSError):
            if path == base:  # the one file asked for: say why it cannot be searched
                raise
            continue
        if text is None:
            continue
        for number, line in enumerate(text.splitlines(), start=1):
            if pattern.search(line):
                matches.append(f"{workspace.relative(path)}:{number}: {line.strip()[:300]}")
                if len(matches) >= SEARCH_LIMIT:
                    matches.append(f"[stopped at {SEARCH_LIMIT} matches; narrow the search]")
                    return ToolOutcome("\n".join(matches))
    return ToolOutcome("\n".join(matches) if matches else "no matches")


def _searchable_text(workspace: Workspace, path: Path) -> str | None:
    """The text of a file to search, or None when it is too big or binary."""
    with _open_file(workspace, path) as handle:
        if os.fstat(handle.fileno()).st_size > SEARCH_MAX_FILE_BYTES:
            return None
        data = handle.read(SEARCH_MAX_FILE_BYTES)
    return None if _is_binary(data[:8192]) else data.decode("utf-8", errors="replace")


def _candidates(workspace: Workspace, base: Path, glob: str) -> Iterator[Path]:
    """Files to search under `base` (or `base` itself), skipping tool folders and symlinks that
    lead out of the workspace."""
    if not base.is_dir():
        yield base
        return
    for directory, dirnames, filenames in os.walk(base):
        dirnames[:] = sorted(name for name in dirnames if name not in _SKIPPED_DIRS)
        for name in sorted(filenames):
            if fnmatch.fnmatch(name, glob):
                try:
                    yield workspace.resolve(str(Path(directory) / name))
                except OutsideWorkspace:
                    continue


def _write_file(workspace: Workspace, arguments: dict[str, Any]) -> ToolOutcome:
    path = workspace.resolve(string_argument(arguments, "path"))
    data = string_argument(arguments, "content").encode("utf-8")
    path.parent.mkdir(parents=True, exist_ok=True)
    with _open_file(workspace, path, writing=True) as handle:
        handle.truncate()
        handle.write(data)
    return ToolOutcome(f"wrote {len(data)} bytes to {workspace.relative(path)}")


FileTool = Callable[[Workspace, dict[str, Any]], ToolOutcome]

FILE_TOOLS: dict[str, FileTool] = {
    "read_file": _read_file,
    "list_dir": _list_dir,
    "search_files": _search_files,
    "write_file": _write_file,
}


def serve() -> None:
    """The child's side of `Toolbox._run_in_child`: one call read from stdin, its outcome
    written to stdout as JSON."""
    name, root, arguments, limit = pickle.load(sys.stdin.buffer)
    # Should Reverie die without killing it, the kernel still stops it (SIGXCPU).
    seconds = math.ceil(limit) + 1
    with contextlib.suppress(ValueError, OSError):
        resource.setrlimit(resource.RLIMIT_CPU, (seconds, seconds + 1))
    outcome = answer(Workspace(root), name, arguments)
    json.dump(asdict(outcome), sys.stdout)


def answer(workspace: Workspace, name: str, arguments: dict[str, Any]) -> ToolOutcome:
    """Run a file tool, any failure of it as an error outcome."""
    try:
        return FILE_TOOLS[name](workspace, arguments)
    except Exception as error:
        return failure(workspace, name, error)


def failure(workspace: Workspace, name: str, error: Exception) -> ToolOutcome:
    """A tool's failure in one line for the model: the model reads it and tries otherwise, so no
    argument and no state of the disk may crash the turn."""
    if isinstance(error, ToolInputError | OutsideWorkspace):
        text = str(error)
    elif isinstance(error, OSError):
        text = error.strerror or str(error)
        if isinstance(error.filename, str):
            text = f"{_shown_path(workspace, error.filename)}: {text}"
    else:
        kind = type(error).__name__
        text = f"{name} failed: {kind}: {error}" if str(error) else f"{name} failed: {kind}"
    return ToolOutcome(" ".join(text.split()), is_error=True)


def _shown_path(workspace: Workspace, filename: str) -> str:
    path = Path(filename)
    return workspace.relative(path) if path.is_relative_to(workspace.root) else filename
