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
RESWEEP_MS = 30_000
"""With no events for this long, the folders are swept again (cheap: unchanged files cost a
stat). This catches what an event could miss: a write between the first sweep and the watcher
starting, or an overflowing inotify queue."""

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
    """Import what is already in the watched folders, then every new or grown transcript, until
    `stop` is set. A line still being written is left for the next change."""
    folders = watched_folders(config)
    for folder in folders:
        await _sweep(log, folder, report)
    if ready is not None:
        ready(folders)
    async for changes in awatch(
        *folders,
        stop_event=stop,
        step=WATCH_STEP_MS,
        rust_timeout=RESWEEP_MS,
        yield_on_timeout=True,
        ignore_permission_denied=True,
    ):
        if not changes:
            for folder in folders:
                await _sweep(log, folder, report)
            continue
        changed = {
            Path(name)
            for change, name in changes
            if change != Change.deleted and Path(name).suffix.lower() in TRANSCRIPT_SUFFIXES
        }
        existing = [path for path in changed if path.is_file()]
        if existing:
            await _import_changed(log, existing, report)
