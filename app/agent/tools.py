"""The agent's tools as the model sees them, `run_command`, and the `Toolbox` that runs each call
(the file tools, in `file_tools`, each in a process of its own).

Reading tools run freely inside the workspace; `write_file` and `run_command` change the world
and are marked `needs_permission` so the loop asks the user first.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import pickle
import signal
import sys
import tempfile
from collections.abc import Awaitable
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any, BinaryIO

from app.agent.file_tools import (
    OUTPUT_LIMIT,
    ToolInputError,
    ToolOutcome,
    failure,
    number_argument,
    string_argument,
)
from app.agent.workspace import Workspace
from app.config import RUN_BY_AGENT

__all__ = ["OUTPUT_LIMIT", "TOOL_SPECS", "ToolOutcome", "ToolSpec", "Toolbox", "run_command"]

COMMAND_KILL_BYTES = 8 * 1024 * 1024
"""A command that prints more than this is stopped: nobody reads gigabytes of output."""
FLOOD_CHECK_S = 0.05
FILE_TOOL_TIME_LIMIT = 30.0
"""Seconds a file tool may take (at most the command timeout) before its process is killed: a
pattern that backtracks for ever or a huge tree ends as an error the model can act on."""
_SOURCE_ROOT = str(Path(__file__).resolve().parents[2])
_CHILD = "import sys; sys.path.insert(0, sys.argv[1]); import app.agent.file_tools as f; f.serve()"
_WITHHELD_PREFIX = "ANTHROPIC_"
"""Every setting of the SDK is withheld from commands, not only the key: a base URL can carry a
password, custom headers a token, and the SDK may read new ones."""


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
        return await _answer(self.workspace, name, self._run_in_child(name, arguments))

    async def _run_in_child(self, name: str, arguments: dict[str, Any]) -> ToolOutcome:
        """Run a file tool in a process of its own, killed at the time limit or when the turn
        is cancelled. A thread could be stopped by neither: a regular expression holds the
        interpreter lock while it backtracks (the whole app froze, escape and ctrl+q with it)
        and the thread would spin on, burning a core."""
        limit = min(self.command_timeout, FILE_TOOL_TIME_LIMIT)
        process = await asyncio.create_subprocess_exec(
            # -I: neither the workspace nor PYTHONPATH can put code in its path; -S: it needs
            # no installed package, and starts in a fraction of the time.
            *(sys.executable, "-I", "-S", "-c", _CHILD, _SOURCE_ROOT),
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=_child_environment(),
        )
        # Pickled, not JSON: the arguments arrive as the model sent them, 5000-digit numbers
        # and infinities included, and are checked in the child like any other.
        call = pickle.dumps((name, self.workspace.root, arguments, limit))
        try:
            async with asyncio.timeout(limit):
                answer, problem = await process.communicate(call)
        except TimeoutError:
            return ToolOutcome(
                f"{name} did not finish within {limit:g} s and was stopped; narrow it "
                "(a smaller path or glob, a pattern that backtracks less)",
                is_error=True,
            )
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
        return _child_answer(name, process.returncode, answer, problem)

    async def _run_command(self, arguments: dict[str, Any]) -> ToolOutcome:
        command = string_argument(arguments, "command")
        if "\x00" in command:
            raise ToolInputError("argument 'command' cannot contain NUL characters")
        requested = number_argument(arguments, "timeout", self.command_timeout)
        # Clamped before converting: a 400-digit timeout is fine to compare, not to float().
        timeout = float(min(max(requested, 1.0), self.command_timeout))
        return await run_command(self.workspace, command, timeout)


def _child_answer(name: str, code: int | None, answer: bytes, problem: bytes) -> ToolOutcome:
    """The outcome the child wrote, or why there is none (it crashed, or was killed)."""
    if code == 0:
        with contextlib.suppress(ValueError, TypeError):
            return ToolOutcome(**json.loads(answer))
    lines = problem.decode("utf-8", errors="replace").strip().splitlines()
    reason = lines[-1] if lines else f"exit status {code}"
    return ToolOutcome(f"{name} stopped unexpectedly: {reason}", is_error=True)


async def _answer(workspace: Workspace, name: str, outcome: Awaitable[ToolOutcome]) -> ToolOutcome:
    """Await a tool, any failure of it as an error outcome."""
    try:
        answered = await outcome
    except Exception as error:
        answered = failure(workspace, name, error)
    # A file name that is not UTF-8 arrives with lone surrogates, which neither the log nor a
    # request to the API can encode: they are written out (`\udce9`) instead.
    text = answered.output.encode("utf-8", errors="backslashreplace").decode("utf-8")
    return replace(answered, output=text)
