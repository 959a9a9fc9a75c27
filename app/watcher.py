"""`reverie watch`: import transcripts as they are dropped or grow, until stopped."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable
from pathlib import Path

from watchfiles import Change, awatch

from app.config import Config
from app.dream_model import dream_as_configured
from app.errors import UserError
from app.integrations.handed import refresh_after_change
from dreamer.dream import DreamSummary
from memory_graph.store.errors import StoreError
from memory_graph.store.session_log import SessionLog
from memory_graph.transcripts.importer import (
    ImportReport,
    import_files,
    is_transcript,
    parents_first,
    transcript_files,
)
from memory_graph.transcripts.parsed import Problem

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
) -> int:
    """Import these files; how many messages were new."""
    if not files:
        return 0
    outcome = ImportReport()
    try:
        await import_files(log, parents_first(files), None, outcome, final=False, stop=stop)
    except StoreError as error:
        # A full disk or a database locked too long must not end the watch: whatever was not
        # imported is read again at the next sweep.
        reason = f"not imported: {error}; the watch tries again within {RESWEEP_S:.0f} s"
        outcome.problems.append(Problem(Path(os.path.commonpath(files)), None, reason))
    report(where, outcome)
    return outcome.messages


class _Schedule:
    """When `reverie watch` dreams: every `dream_interval`, and `idle_after` seconds after new
    transcripts stop arriving (the machine has been quiet)."""

    def __init__(self, config: Config, now: float) -> None:
        self.config = config
        self.due = self._next_interval(now)

    def _next_interval(self, now: float) -> float:
        interval = self.config.dream_interval
        return now + interval if interval > 0 else float("inf")

    def arrived(self, now: float) -> None:
        """New messages came in: dream once things have been quiet for `idle_after`."""
        if self.config.idle_after > 0:
            self.due = min(self.due, now + self.config.idle_after)

    def dreamt(self, now: float) -> None:
        """A dream ran: the next one at the interval."""
        self.due = self._next_interval(now)


async def watch(
    config: Config,
    log: SessionLog,
    stop: asyncio.Event,
    report: Reporter,
    ready: Callable[[list[Path]], None] | None = None,
    dreamt: Callable[[DreamSummary | None, str | None], None] | None = None,
) -> None:
    """Import what is in the watched folders, then every new or grown transcript, until `stop`
    is set. A line still being written is left for the next change.

    The first sweep runs once the watcher is already listening, so a file dropped while the
    command starts is never missed; `ready` is called after it. Dreams run on the schedule
    above; `dreamt` hears of each that reviewed something, of why the model was left out of one
    when `dream_llm` is on and it could not be asked, and (with no summary) of a dream the
    database refused. Neither a refused import nor a refused dream ends the watch.
    """
    folders = watched_folders(config)
    loop = asyncio.get_running_loop()
    sweep_due = 0.0
    schedule = _Schedule(config, loop.time())
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
        if await _import(log, changed, ", ".join(map(str, changed)), report, stop):
            schedule.arrived(loop.time())
        if loop.time() >= sweep_due:
            for folder in folders:
                files = await asyncio.to_thread(transcript_files, folder)
                if await _import(log, files, str(folder), report, stop):
                    schedule.arrived(loop.time())
            if ready is not None and sweep_due == 0.0:
                ready(folders)
            sweep_due = loop.time() + RESWEEP_S
        if loop.time() >= schedule.due and not stop.is_set():
            try:
                summary, model_error = await dream_as_configured(log, config, trigger="schedule")
            except StoreError as error:
                # Like an import, a dream the database refused is tried again on schedule.
                summary, model_error = None, f"{error}"
            schedule.dreamt(loop.time())
            if summary is not None:
                await refresh_after_change(log, config.home)
            # A dream that only topped the inbox's page up from what waited is news too.
            told = summary is None or summary.sessions_reviewed or summary.proposals
            if dreamt is not None and (told or model_error):
                dreamt(summary, model_error)
