"""`reverie watch`: import transcripts as they are dropped or grow, until stopped."""

from __future__ import annotations

import asyncio
from collections.abc import Callable
from pathlib import Path

from watchfiles import Change, awatch

from app.config import Config
from app.errors import UserError
from memory_graph.importers.runner import (
    ImportReport,
    import_files,
    is_transcript,
    parents_first,
    transcript_files,
)
from memory_graph.session_log import SessionLog

WATCH_STEP_MS = 20
"""How long a burst must be quiet before its changes are handled: short, for low latency."""
WAKE_MS = 250
"""The watcher thread hands back control this often even when nothing happens."""
RESWEEP_S = 30.0
"""The folders are swept again this often (cheap: an unchanged file costs a stat and two small
reads), which catches whatever an event could miss, such as an overflowing inotify queue."""

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


async def _import(
    log: SessionLog, files: list[Path], where: str, report: Reporter, stop: asyncio.Event
) -> None:
    if files:
        outcome = ImportReport()
        await import_files(log, parents_first(files), None, outcome, final=False, stop=stop)
        report(where, outcome)


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
            if change != Change.deleted
            and any(is_transcript(Path(name), folder) for folder in folders)
        ]
        await _import(log, changed, ", ".join(map(str, changed)), report, stop)
        if loop.time() >= sweep_due:
            for folder in folders:
                files = await asyncio.to_thread(transcript_files, folder)
                await _import(log, files, str(folder), report, stop)
            if ready is not None and sweep_due == 0.0:
                ready(folders)
            sweep_due = loop.time() + RESWEEP_S
