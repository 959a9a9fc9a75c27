"""The agent's tools: their JSON schemas for the model and their implementations.

Reading tools run freely inside the workspace; `write_file` and `run_command` change the world
and are marked `needs_permission` so the loop asks the user first.
"""

from __future__ import annotations

import asyncio
import contextlib
import fnmatch
import os
import re
import signal
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from app.agent.workspace import OutsideWorkspace, Workspace

OUTPUT_LIMIT = 30_000
"""Characters of tool output the model sees; the rest is cut with a note."""
COMMAND_KILL_BYTES = 8 * 1024 * 1024
"""A command that prints more than this is stopped: nobody reads gigabytes of output."""
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
    """The model called a tool with arguments that do not fit its schema."""


def _cap(text: str, limit: int = OUTPUT_LIMIT) -> str:
    if len(text) <= limit:
        return text
    return text[:limit] + f"\n[output cut: {len(text) - limit} more characters not shown]"


def _string(arguments: dict[str, Any], name: str, default: str | None = None) -> str:
    value = arguments.get(name, default)
    if not isinstance(value, str):
        raise ToolInputError(f"argument {name!r} must be a string")
    return value


def _integer(arguments: dict[str, Any], name: str, default: int) -> int:
    value = arguments.get(name, default)
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ToolInputError(f"argument {name!r} must be a number")
    return int(value)


def _is_binary(sample: bytes) -> bool:
    return b"\x00" in sample


def _read_file(workspace: Workspace, arguments: dict[str, Any]) -> ToolOutcome:
    path = workspace.resolve(_string(arguments, "path"))
    offset = max(1, _integer(arguments, "offset", 1))
    limit = max(1, min(READ_LIMIT_LINES, _integer(arguments, "limit", READ_LIMIT_LINES)))
    if not path.is_file():
        return ToolOutcome(f"{workspace.relative(path)} is not a file", is_error=True)
    with path.open("rb") as handle:
        if _is_binary(handle.read(8192)):
            return ToolOutcome(f"{workspace.relative(path)} is a binary file", is_error=True)
    lines = path.read_text(encoding="utf-8", errors="replace").splitlines()
    shown: list[str] = []
    size = 0
    number = offset
    # Stop at whole lines within the output limit, so the hint says exactly where to go on.
    for number in range(offset, min(len(lines), offset - 1 + limit) + 1):
        line = f"{number:>6}\t{lines[number - 1][: OUTPUT_LIMIT // 4]}"
        if size + len(line) > OUTPUT_LIMIT:
            break
        shown.append(line)
        size += len(line) + 1
    next_line = offset + len(shown)
    if next_line <= len(lines):
        shown.append(f"[{len(lines)} lines in all; read on with offset={next_line}]")
    return ToolOutcome("\n".join(shown) if lines else "(empty file)")


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
    matches: list[str] = []
    for directory, dirnames, filenames in os.walk(base):
        dirnames[:] = sorted(name for name in dirnames if name not in _SKIPPED_DIRS)
        for name in sorted(filenames):
            if not fnmatch.fnmatch(name, glob):
                continue
            path = Path(directory) / name
            try:
                # A symlink inside the workspace may still point outside it.
                path = workspace.resolve(str(path))
                if path.stat().st_size > SEARCH_MAX_FILE_BYTES:
                    continue
                data = path.read_bytes()
            except (OutsideWorkspace, OSError):
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


def _write_file(workspace: Workspace, arguments: dict[str, Any]) -> ToolOutcome:
    path = workspace.resolve(_string(arguments, "path"))
    content = _string(arguments, "content")
    if path.is_dir():
        return ToolOutcome(f"{workspace.relative(path)} is a directory", is_error=True)
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(content, encoding="utf-8")
    return ToolOutcome(f"wrote {len(content.encode('utf-8'))} bytes to {workspace.relative(path)}")


async def run_command(
    workspace: Workspace, command: str, time_limit: float, kill_bytes: int = COMMAND_KILL_BYTES
) -> ToolOutcome:
    """Run a shell command in the workspace: output capped, the whole process group killed on
    timeout, on cancellation or when it prints more than `kill_bytes`."""
    process = await asyncio.create_subprocess_shell(
        command,
        cwd=workspace.root,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.STDOUT,
        start_new_session=True,
    )
    assert process.stdout is not None
    kept = bytearray()
    total = 0
    note = ""

    async def drain() -> None:
        nonlocal total, note
        assert process.stdout is not None
        while chunk := await process.stdout.read(65536):
            total += len(chunk)
            if len(kept) < OUTPUT_LIMIT * 4:
                kept.extend(chunk[: OUTPUT_LIMIT * 4 - len(kept)])
            if total > kill_bytes:
                note = f"[stopped: the command printed more than {kill_bytes} bytes]"
                _kill_group(process)
                return

    try:
        await asyncio.wait_for(drain(), time_limit)
        exit_code = await process.wait()
    except TimeoutError:
        _kill_group(process)
        await process.wait()
        output = _cap(kept.decode("utf-8", errors="replace"))
        message = f"{output}\n[timed out after {time_limit:g} s; the command was killed]"
        return ToolOutcome(message.lstrip("\n"), is_error=True, exit_code=None)
    except asyncio.CancelledError:
        _kill_group(process)
        raise
    output = _cap(kept.decode("utf-8", errors="replace"))
    parts = [output] if output else []
    if note:
        parts.append(note)
    parts.append(f"[exit code {exit_code}]")
    return ToolOutcome("\n".join(parts), is_error=exit_code != 0 or bool(note), exit_code=exit_code)


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
        try:
            if name == "run_command":
                command = _string(arguments, "command")
                timeout = arguments.get("timeout", self.command_timeout)
                if isinstance(timeout, bool) or not isinstance(timeout, int | float):
                    raise ToolInputError("argument 'timeout' must be a number")
                timeout = min(max(float(timeout), 1.0), self.command_timeout)
                return await run_command(self.workspace, command, timeout)
            return await asyncio.to_thread(_SYNC_TOOLS[name], self.workspace, arguments)
        except (ToolInputError, OutsideWorkspace) as error:
            return ToolOutcome(str(error), is_error=True)
        except OSError as error:
            return ToolOutcome(f"{error.strerror or error}", is_error=True)
