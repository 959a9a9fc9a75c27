"""`reverie watch`: import transcripts as they are dropped or grow, until stopped."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from watchfiles import Change, awatch

from app.config import Config
from app.errors import UserError
from memory_graph.importers.records import Problem
from memory_graph.importers.runner import (
    TRANSCRIPT_SUFFIXES,
    ImportReport,
    detect,
    import_file,
    import_paths,
)
from memory_graph.session_log import SessionLog

WATCH_STEP_MS = 20
"""How long a burst must be quiet before its changes are handled: short, for low latency."""
WAKE_MS = 250
"""The watcher thread hands back control this often even when nothing happens."""
RESWEEP_S = 30.0
"""The folders are swept again this often (cheap: an unchanged file costs a stat), which catches
whatever an event could miss, such as an overflowing inotify queue."""

Reporter = Callable[[str, ImportReport], None]


def watched_folders(config: Config) -> list[Path]:
    """The drop folder (created if missing) and, when configured, Claude Code's projects."""
    drop = config.drop_folder
    try:
        drop.mkdir(mode=0o700, parents=True, exist_ok=True)
    except OSError as error:
        raise UserError(f"cannot create drop folder {drop}: {error.strerror or error}") from None
    folders = [drop]
    if config.claude_projects is not None:
        if not config.claude_projects.is_dir():
            raise UserError(f"claude_projects {config.claude_projects} is not a folder")
        folders.append(config.claude_projects)
    return folders


async def _sweep(log: SessionLog, folder: Path, report: Reporter) -> None:
    has_files = await asyncio.to_thread(
        lambda: any(p.suffix.lower() in TRANSCRIPT_SUFFIXES for p in folder.rglob("*"))
    )
    if has_files:
        report(str(folder), await import_paths(log, [folder], final=False))


async def _import_changed(log: SessionLog, paths: list[Path], report: Reporter) -> None:
    for path in sorted(paths, key=lambda p: ("subagents" in p.parts, str(p))):
        outcome = ImportReport()
        fmt = await asyncio.to_thread(detect, path)
        if fmt is None:
            outcome.problems.append(Problem(path, None, "not a transcript format Reverie reads"))
        else:
            try:
                await import_file(log, path, fmt, outcome, final=False)
            except OSError as error:
                reason = f"cannot read: {error.strerror or error}"
                outcome.problems.append(Problem(path, None, reason))
        report(str(path), outcome)


async def watch(
    config: Config,
    log: SessionLog,
    stop: asyncio.Event,
    report: Reporter,
    ready: Callable[[list[Path]], None] | None = None,
) -> None:
    """Import what is in the watched folders, then every new or grown transcript, until `stop`
    is set. A line still being written is left for the next change.

    The first sweep runs once the watcher is already listening, so a file dropped while the
    command starts is never missed; `ready` is called after it.
    """
    folders = watched_folders(config)
    loop = asyncio.get_running_loop()
    sweep_due = 0.0
    async for changes in awatch(
        *folders,
        stop_event=stop,
        step=WATCH_STEP_MS,
        rust_timeout=WAKE_MS,
        yield_on_timeout=True,
        ignore_permission_denied=True,
    ):
        changed = [
            Path(name)
            for change, name in changes
            if change != Change.deleted and Path(name).suffix.lower() in TRANSCRIPT_SUFFIXES
        ]
        existing = sorted({path for path in changed if path.is_file()})
        if existing:
            await _import_changed(log, existing, report)
        if loop.time() >= sweep_due:
            for folder in folders:
                await _sweep(log, folder, report)
            if ready is not None and sweep_due == 0.0:
                ready(folders)
            sweep_due = loop.time() + RESWEEP_S
