"""The agent's tools: their JSON schemas for the model and their implementations.

Reading tools run freely inside the workspace; `write_file` and `run_command` change the world
and are marked `needs_permission` so the loop asks the user first.
"""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
import math
import os
import re
import signal
import tempfile
from collections.abc import Awaitable, Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from app.agent.workspace import OutsideWorkspace, Workspace
from app.config import RUN_BY_AGENT

OUTPUT_LIMIT = 30_000
"""Characters of tool output the model sees; the rest is cut with a note."""
COMMAND_KILL_BYTES = 8 * 1024 * 1024
"""A command that prints more than this is stopped: nobody reads gigabytes of output."""
READ_LIMIT_LINES = 2000
SEARCH_LIMIT = 200
LIST_LIMIT = 500
SEARCH_MAX_FILE_BYTES = 2 * 1024 * 1024
FLOOD_CHECK_S = 0.05
_WITHHELD_PREFIX = "ANTHROPIC_"
"""Every setting of the SDK is withheld from commands, not only the key: a base URL can carry a
password, custom headers a token, and the SDK may read new ones."""
_SKIPPED_DIRS = {".git", ".hg", ".svn", ".venv", "venv", "node_modules", "__pycache__", ".tox"}


@dataclass(frozen=True)
class ToolOutcome:
    """What a tool answered: its output text, whether it failed, and a command's exit code."""

    output: str
    is_error: bool = False
    exit_code: int | None = None


class ToolInputError(Exception):
    """The model called a tool with arguments that do not fit its schema."""


def _string(arguments: dict[str, Any], name: str, default: str | None = None) -> str:
    value = arguments.get(name, default)
    if not isinstance(value, str):
        raise ToolInputError(f"argument {name!r} must be a string")
    try:
        # A lone surrogate (JSON can carry one) cannot become a file name, a command or UTF-8.
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ToolInputError(f"argument {name!r} is not valid text (a lone surrogate)") from None
    return value


def _number(arguments: dict[str, Any], name: str, default: float) -> float:
    """A finite number: JSON's 1e400 arrives as infinity, and NaN compares false with every
    bound, so neither could be clamped."""
    value = arguments.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ToolInputError(f"argument {name!r} must be a number")
    if isinstance(value, float) and not math.isfinite(value):
        raise ToolInputError(f"argument {name!r} must be a finite number, not {value}")
    return value


def _integer(arguments: dict[str, Any], name: str, default: int) -> int:
    return int(_number(arguments, name, default))


def _is_binary(sample: bytes) -> bool:
    return b"\x00" in sample


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
    path = workspace.resolve(_string(arguments, "path"))
    offset = max(1, _integer(arguments, "offset", 1))
    limit = max(1, min(READ_LIMIT_LINES, _integer(arguments, "limit", READ_LIMIT_LINES)))
    if not path.is_file():
        return ToolOutcome(f"{workspace.relative(path)} is not a file", is_error=True)
    shown: list[str] = []
    size = 0
    more = False
    with path.open("rb") as handle:
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
    path = workspace.resolve(_string(arguments, "path", "."))
    if not path.is_dir():
        return ToolOutcome(f"{workspace.relative(path)} is not a directory", is_error=True)
    entries = sorted(path.iterdir(), key=lambda entry: entry.name)
    lines = []
    for entry in entries[:LIST_LIMIT]:
        if entry.is_symlink():
            lines.append(f"{entry.name} -> {os.readlink(entry)}")
        elif entry.is_dir():
            lines.append(f"{entry.name}/")
        else:
            lines.append(f"{entry.name}\t{entry.stat().st_size} bytes")
    if len(entries) > LIST_LIMIT:
        lines.append(f"[{len(entries) - LIST_LIMIT} more entries not shown]")
    return ToolOutcome("\n".join(lines) if lines else "(empty directory)")


def _search_files(workspace: Workspace, arguments: dict[str, Any]) -> ToolOutcome:
    try:
        pattern = re.compile(_string(arguments, "pattern"))
    except re.error as error:
        return ToolOutcome(f"invalid regular expression: {error}", is_error=True)
    base = workspace.resolve(_string(arguments, "path", "."))
    glob = _string(arguments, "glob", "*")
    if not base.exists():
        return ToolOutcome(f"{workspace.relative(base)} does not exist", is_error=True)
    matches: list[str] = []
    for path in _candidates(workspace, base, glob):
        try:
            if path.stat().st_size > SEARCH_MAX_FILE_BYTES:
                continue
            data = path.read_bytes()
        except OSError:
            continue
        if _is_binary(data[:8192]):
            continue
        text = data.decode("utf-8", errors="replace")
        for number, line in enumerate(text.splitlines(), start=1):
            if pattern.search(line):
                matches.append(f"{workspace.relative(path)}:{number}: {line.strip()[:300]}")
                if len(matches) >= SEARCH_LIMIT:
                    matches.append(f"[stopped at {SEARCH_LIMIT} matches; narrow the search]")
                    return ToolOutcome("\n".join(matches))
    return ToolOutcome("\n".join(matches) if matches else "no matches")


def _candidates(workspace: Workspace, base: Path, glob: str) -> Iterator[Path]:
    """Files to search under `base` (or `base` itself), skipping tool folders and symlinks that
    lead out of the workspace."""
    if base.is_file():
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
    path = workspace.resolve(_string(arguments, "path"))
    content = _string(arguments, "content")
    if path.is_dir():
        return ToolOutcome(f"{workspace.relative(path)} is a directory", is_error=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, encoding="utf-8")
    return ToolOutcome(f"wrote {len(content.encode('utf-8'))} bytes to {workspace.relative(path)}")


def _child_environment() -> dict[str, str]:
    """The environment for commands the agent runs, without Reverie's own credentials (a
    command's output goes to the model and into the log), marked as the agent's."""
    kept = {
        key: value
        for key, value in os.environ.items()
        if not key.upper().startswith(_WITHHELD_PREFIX)
    }
    return kept | {RUN_BY_AGENT: "1"}


async def run_command(
    workspace: Workspace, command: str, time_limit: float, kill_bytes: int = COMMAND_KILL_BYTES
) -> ToolOutcome:
    """Run a shell command in the workspace and report its output and exit code.

    Output goes to an anonymous file rather than a pipe, so a job the command leaves in the
    background can neither hold the call open nor leak a pipe. The whole process group is
    killed on timeout, on cancellation, or once the output passes `kill_bytes`.
    """
    notes: list[str] = []
    exit_code: int | None = None
    with tempfile.TemporaryFile() as output:
        process = await asyncio.create_subprocess_shell(
            command,
            cwd=workspace.root,
            env=_child_environment(),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=output,
            stderr=asyncio.subprocess.STDOUT,
            start_new_session=True,
        )
        try:
            async with asyncio.timeout(time_limit):
                while exit_code is None:
                    try:
                        exit_code = await asyncio.wait_for(process.wait(), FLOOD_CHECK_S)
                    except TimeoutError:
                        if os.fstat(output.fileno()).st_size > kill_bytes:
                            _kill_group(process)
                            exit_code = await process.wait()
                            notes.append(f"[stopped: it printed more than {kill_bytes} bytes]")
        except TimeoutError:
            _kill_group(process)
            await process.wait()
            exit_code = None
            notes.append(f"[timed out after {time_limit:g} s; the command was killed]")
        except asyncio.CancelledError:
            _kill_group(process)
            raise
        if exit_code is not None and _group_alive(process):
            notes.append("[processes it started keep running in the background]")
        text = _head_and_tail(output)
    parts = [text] if text else []
    parts.extend(notes)
    if exit_code is not None:
        parts.append(f"[exit code {exit_code}]")
    failed = exit_code != 0 or any(note.startswith("[stopped") for note in notes)
    return ToolOutcome("\n".join(parts), is_error=failed, exit_code=exit_code)


def _head_and_tail(output: BinaryIO) -> str:
    """The output, or its beginning and end when it is too long: errors are often last."""
    size = output.seek(0, os.SEEK_END)
    output.seek(0)
    if size <= OUTPUT_LIMIT:
        return output.read().decode("utf-8", errors="replace")
    half = OUTPUT_LIMIT // 2
    head = output.read(half).decode("utf-8", errors="replace")
    output.seek(size - half)
    tail = output.read(half).decode("utf-8", errors="replace")
    return f"{head}\n[… {size - 2 * half} bytes not shown …]\n{tail}"


def _group_alive(process: asyncio.subprocess.Process) -> bool:
    try:
        os.killpg(process.pid, 0)
    except (ProcessLookupError, PermissionError):
        return False
    return True


def _kill_group(process: asyncio.subprocess.Process) -> None:
    with contextlib.suppress(ProcessLookupError, PermissionError):
        os.killpg(process.pid, signal.SIGKILL)


SyncTool = Callable[[Workspace, dict[str, Any]], ToolOutcome]


@dataclass(frozen=True)
class ToolSpec:
    """A tool as the model sees it (name, description, JSON schema) and whether the user must
    allow each call."""

    name: str
    description: str
    input_schema: dict[str, Any]
    needs_permission: bool

    def api_dict(self) -> dict[str, Any]:
        """The tool definition sent in a Messages API request."""
        return {
            "name": self.name,
            "description": self.description,
            "input_schema": self.input_schema,
        }


def _schema(properties: dict[str, Any], required: list[str]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": required}


_PATH = {"type": "string", "description": "Path relative to the workspace root."}

TOOL_SPECS: tuple[ToolSpec, ...] = (
    ToolSpec(
        "read_file",
        "Read a text file in the workspace, with line numbers.",
        _schema(
            {
                "path": _PATH,
                "offset": {"type": "integer", "description": "First line to read (1-based)."},
                "limit": {"type": "integer", "description": "How many lines (at most 2000)."},
            },
            ["path"],
        ),
        needs_permission=False,
    ),
    ToolSpec(
        "list_dir",
        "List a directory in the workspace.",
        _schema({"path": {**_PATH, "default": "."}}, []),
        needs_permission=False,
    ),
    ToolSpec(
        "search_files",
        "Search text files in the workspace for a regular expression; prints path:line: text.",
        _schema(
            {
                "pattern": {"type": "string", "description": "Python regular expression."},
                "path": {**_PATH, "default": "."},
                "glob": {"type": "string", "description": "File name pattern, e.g. *.py."},
            },
            ["pattern"],
        ),
        needs_permission=False,
    ),
    ToolSpec(
        "write_file",
        "Create or overwrite a text file in the workspace. The user is asked first.",
        _schema({"path": _PATH, "content": {"type": "string"}}, ["path", "content"]),
        needs_permission=True,
    ),
    ToolSpec(
        "run_command",
        "Run a shell command in the workspace root and return its output and exit code. "
        "The user is asked first.",
        _schema(
            {
                "command": {"type": "string"},
                "timeout": {"type": "number", "description": "Seconds before it is killed."},
            },
            ["command"],
        ),
        needs_permission=True,
    ),
)

_SYNC_TOOLS: dict[str, SyncTool] = {
    "read_file": _read_file,
    "list_dir": _list_dir,
    "search_files": _search_files,
    "write_file": _write_file,
}


class Toolbox:
    """Runs tool calls against one workspace; never raises for a bad call, it answers with an
    error outcome the model can read."""

    def __init__(self, workspace: Workspace, command_timeout: float) -> None:
        self.workspace = workspace
        self.command_timeout = command_timeout
        self.specs = {spec.name: spec for spec in TOOL_SPECS}

    def api_tools(self) -> list[dict[str, Any]]:
        """Tool definitions for a Messages API request."""
        return [spec.api_dict() for spec in TOOL_SPECS]

    def needs_permission(self, name: str) -> bool:
        """Whether a call to this tool must be allowed by the user."""
        spec = self.specs.get(name)
        return spec is not None and spec.needs_permission

    async def run(self, name: str, arguments: Any) -> ToolOutcome:
        """Run one tool call."""
        if name not in self.specs:
            return ToolOutcome(f"unknown tool {name!r}", is_error=True)
        if not isinstance(arguments, dict):
            return ToolOutcome("tool arguments must be a JSON object", is_error=True)
        if name == "run_command":
            return await _answer(self.workspace, name, self._run_command(arguments))
        return await asyncio.to_thread(_answer_now, self.workspace, name, arguments)

    async def _run_command(self, arguments: dict[str, Any]) -> ToolOutcome:
        command = _string(arguments, "command")
        if "\x00" in command:
            raise ToolInputError("argument 'command' cannot contain NUL characters")
        # Bounded before converting: a 400-digit timeout is fine to clamp, not to float().
        timeout = float(
            min(max(_number(arguments, "timeout", self.command_timeout), 1.0), self.command_timeout)
        )
        return await run_command(self.workspace, command, timeout)


def _answer_now(workspace: Workspace, name: str, arguments: dict[str, Any]) -> ToolOutcome:
    """Run a file tool, any failure of it as an error outcome."""
    try:
        return _SYNC_TOOLS[name](workspace, arguments)
    except Exception as error:
        return _failure(workspace, name, error)


async def _answer(workspace: Workspace, name: str, outcome: Awaitable[ToolOutcome]) -> ToolOutcome:
    """Await a tool, any failure of it as an error outcome."""
    try:
        return await outcome
    except Exception as error:
        return _failure(workspace, name, error)


def _failure(workspace: Workspace, name: str, error: Exception) -> ToolOutcome:
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
