"""`reverie hook claude-code`: one command for Claude Code's hooks, reading the hook's JSON on
standard input.

- SessionStart: prints `{"hookSpecificOutput": {"hookEventName": "SessionStart",
  "additionalContext": …}}` with the standing memory and the memory of the project of the
  input's `cwd` (what `reverie context` shows there, redacted and cut to size).
- Stop and SessionEnd: import the input's `transcript_path` (and its sub-agents' files) from
  where the last import stopped, for `hook_import_seconds` at most; the rest waits for the next.

It never blocks or breaks Claude Code: every problem (bad JSON, a missing field or file, no
home, a busy or locked database, a database that needs a migration, which it never runs) is
one line on standard error and exit code 0. It runs at every start of Claude Code, so this
module imports only the standard library: a SessionStart whose context is current in the
snapshot (`context_snapshot`) opens no database when nothing was written since, and reads one
number with the standard library's `sqlite3` when something was; everything else is imported
where it is needed.
"""

from __future__ import annotations

import json
import os
import sys
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Any

from app.integrations import context_snapshot

if TYPE_CHECKING:
    from app.config import Config

PROG = "reverie hook claude-code"
EXPECTED = "expected a Claude Code hook input"
BUSY_TIMEOUT_MS = 300
"""How long the hook waits on another writer before it gives up (and says so)."""


class HookEvent(StrEnum):
    """The hook events this command answers."""

    SESSION_START = "SessionStart"
    STOP = "Stop"
    SESSION_END = "SessionEnd"


class HookProblem(Exception):
    """Why the hook did nothing: one line for standard error."""


@dataclass(frozen=True)
class HookInput:
    """What Claude Code hands a command hook on standard input."""

    event: HookEvent
    session_id: str | None
    transcript_path: str | None
    cwd: str | None
    source: str | None
    """SessionStart's: startup, resume, clear or compact."""


@dataclass
class HookResult:
    """What the hook prints, and whether work was left running when it stopped."""

    output: str = ""
    problem: str | None = None
    abandoned: bool = False
    """An import was stopped at its time limit: a parse may still be running in a thread,
    which the process must not wait for."""


def _text(data: dict[str, Any], key: str) -> str | None:
    value = data.get(key)
    return value if isinstance(value, str) and value else None


def read_input(raw: str) -> HookInput:
    """The hook's input; HookProblem for anything that is not a hook input this command uses."""
    try:
        data = json.loads(raw)
    except ValueError:
        raise HookProblem(f"standard input is not JSON ({EXPECTED})") from None
    if not isinstance(data, dict):
        raise HookProblem(f"standard input is not a JSON object ({EXPECTED})")
    name = data.get("hook_event_name")
    if not isinstance(name, str):
        raise HookProblem("the input has no hook_event_name")
    try:
        event = HookEvent(name)
    except ValueError:
        known = ", ".join(HookEvent)
        raise HookProblem(f"nothing to do for {name[:40]!r} (it answers {known})") from None
    hook = HookInput(
        event,
        _text(data, "session_id"),
        _text(data, "transcript_path"),
        _text(data, "cwd"),
        _text(data, "source"),
    )
    if event is HookEvent.SESSION_START and hook.cwd is None:
        raise HookProblem("the SessionStart input has no cwd")
    if event is not HookEvent.SESSION_START and hook.transcript_path is None:
        raise HookProblem(f"the {event} input has no transcript_path")
    return hook


def session_start_output(context: str) -> str:
    """What a SessionStart hook prints to add `context` to the session."""
    output = {"hookSpecificOutput": {"hookEventName": "SessionStart", "additionalContext": context}}
    return json.dumps(output, ensure_ascii=False)


def _home(explicit: str | None) -> Path:
    from app.paths import resolve_home

    return resolve_home(explicit)


def run(raw: str, home_option: str | None) -> HookResult:
    """Answer one hook input; never raises for a problem the person can fix."""
    from app.errors import USER_ERRORS

    try:
        hook = read_input(raw)
        home = _home(home_option)
        if hook.event is HookEvent.SESSION_START:
            return HookResult(session_start_output(_session_start(home, hook)))
        return _import(home, hook)
    except HookProblem as problem:
        return HookResult(problem=str(problem))
    except USER_ERRORS as error:
        return HookResult(problem=str(error))
    except Exception as error:
        # A bug must not break Claude Code either: one line, no traceback.
        return HookResult(problem=f"failed ({type(error).__name__}: {error})")


def _project(cwd: str | None) -> str | None:
    from memory_graph.memory.projects import project_of

    return project_of(cwd)


def _session_start(home: Path, hook: HookInput) -> str:
    project = _project(hook.cwd)
    kept = context_snapshot.cached(home, project)
    if kept is not None:
        return kept
    import asyncio

    return asyncio.run(_compute_context(home, project, _config(home)))


def _config(home: Path) -> Config:
    from app.config import load_config

    return load_config(home)


async def _compute_context(home: Path, project: str | None, config: Config) -> str:
    """The context for `project` by `reverie context`'s code, kept for the next start unless
    memory changed meanwhile."""
    from app.integrations.handed import handed_for
    from memory_graph.store.database import Database

    taken = context_snapshot.fingerprint(home)
    async with await Database.open_current(home, BUSY_TIMEOUT_MS) as log:
        handed = await handed_for(log, project, config)
    context_snapshot.keep(home, taken, project, handed.text)
    return handed.text


def _transcript_files(path: Path) -> list[Path]:
    """The session's transcript and its sub-agents' (`<session>/subagents/*.jsonl`)."""
    from memory_graph.transcripts.importer import parents_first

    if not path.is_file():
        raise HookProblem(f"{path}: no such transcript")
    agents = path.parent / path.stem / "subagents"
    return parents_first([path, *sorted(agents.glob("*.jsonl"))])


def _import(home: Path, hook: HookInput) -> HookResult:
    import asyncio

    assert hook.transcript_path is not None  # read_input holds it
    files = _transcript_files(Path(hook.transcript_path).expanduser())
    config = _config(home)
    result = asyncio.run(_import_files(home, hook, files, config))
    return result


async def _import_files(
    home: Path, hook: HookInput, files: list[Path], config: Config
) -> HookResult:
    import asyncio

    from app.integrations.handed import refresh_after_change
    from memory_graph.store.session_log import SessionLog
    from memory_graph.transcripts.importer import ImportReport, import_files

    report = ImportReport()
    # Stop fires while the session goes on: a line being written is left for the next one.
    final = hook.event is HookEvent.SESSION_END
    async with await SessionLog.open_current(home, BUSY_TIMEOUT_MS) as log:
        try:
            async with asyncio.timeout(config.hook_import_seconds):
                await import_files(log, files, "claude-code", report, final=final)
        except TimeoutError:
            return HookResult(
                problem=f"imported for {config.hook_import_seconds:g} s, not all of "
                f"{files[0].name}: the next hook goes on from there",
                abandoned=True,
            )
        # What the next start here (and in the other projects kept) is handed, ready before
        # it asks when memory changed since: an import changes none, so mostly nothing to do.
        here = (_project(hook.cwd),) if hook.cwd is not None else ()
        await refresh_after_change(log, home, here)
    if report.problems:
        first = report.problems[0]
        return HookResult(problem=f"{len(report.problems)} lines not imported (first: {first})")
    return HookResult()


def _home_option(argv: list[str]) -> str | None:
    """The value of --home among `argv`, if any (the last one given)."""
    home = None
    for index, word in enumerate(argv):
        if word == "--home" and index + 1 < len(argv):
            home = argv[index + 1]
        elif word.startswith("--home="):
            home = word.removeprefix("--home=")
    return home


def report(result: HookResult) -> int:
    """Print a result as Claude Code reads it; the exit code is always 0."""
    if result.output:
        print(result.output, flush=True)
    if result.problem is not None:
        from app.terminal import visible

        print(visible(f"{PROG}: {result.problem}"), file=sys.stderr, flush=True)
    return 0


def main(home_option: str | None) -> HookResult:
    """Read standard input and answer it."""
    try:
        raw = sys.stdin.read()
    except (OSError, UnicodeDecodeError) as error:
        return HookResult(problem=f"cannot read standard input ({error})")
    return run(raw, home_option)


def run_process(argv: list[str]) -> int:
    """The hook as Claude Code runs it, from `reverie …` before the command line's parser
    (which loads every command): prints, and exits without waiting on an abandoned import."""
    result = main(_home_option(argv))
    code = report(result)
    if result.abandoned:
        sys.stderr.flush()
        os._exit(code)
    return code
