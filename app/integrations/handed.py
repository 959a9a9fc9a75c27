"""What Reverie hands another agent: the context a new session in a project starts with
(`reverie context`'s standing and project memory, in its words), secrets redacted, and cut to
a size the agent loads whole, the strongest memories kept. The text opens with the recalled
header, so when it comes back in that agent's transcripts it is known as Reverie's own
(`memory_graph.store.origins.recalled_in`) and never counts as evidence."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass, replace
from pathlib import Path

from app.agent.prompt import context_markdown
from app.config import Config
from app.integrations import context_snapshot
from memory_graph.memory.recall.context import StartingContext, starting_context
from memory_graph.memory.recall.results import RecallHit
from memory_graph.store.database import Database
from memory_graph.store.redact import redact

REFRESHED_AT_MOST = 8
"""Projects whose kept context a change to memory has computed again at once (the project the
hook was just used in first, then those kept, in the order they were first kept); any other
is computed at its next start."""


@dataclass(frozen=True)
class Handed:
    """The text handed over, how many memories it holds, and how many did not fit."""

    text: str
    shown: int
    left_out: int


def _fits(text: str, max_lines: int, max_bytes: int) -> bool:
    return len(text.splitlines()) <= max_lines and len(text.encode("utf-8")) <= max_bytes


def _redacted(hits: list[RecallHit]) -> list[RecallHit]:
    return [replace(hit, statement=redact(hit.statement)) for hit in hits]


def _render(context: StartingContext, kept: set[int | None], left_out: int) -> str:
    text = context_markdown(
        replace(
            context,
            standing=[hit for hit in context.standing if hit.node_id in kept],
            project_memory=[hit for hit in context.project_memory if hit.node_id in kept],
        )
    )
    if left_out:
        more = "memory" if left_out == 1 else "memories"
        text += f"\n\n({left_out} more {more} did not fit here: `reverie context` shows them.)"
    return text


def handed_context(context: StartingContext, max_lines: int, max_bytes: int) -> Handed:
    """`context` as Markdown, redacted, within `max_lines` and `max_bytes`: the weakest
    memories are left out first, and the text says how many were."""
    context = replace(
        context,
        standing=_redacted(context.standing),
        project_memory=_redacted(context.project_memory),
    )
    ranked = sorted(
        context.standing + context.project_memory,
        key=lambda hit: (-hit.score, hit.node_id or 0),
    )
    total = len(ranked)
    # The most that fit, found by halving: fewer memories never make a longer text.
    low, high = 0, total
    while low < high:
        middle = (low + high + 1) // 2
        kept = {hit.node_id for hit in ranked[:middle]}
        if _fits(_render(context, kept, total - middle), max_lines, max_bytes):
            low = middle
        else:
            high = middle - 1
    kept = {hit.node_id for hit in ranked[:low]}
    return Handed(_render(context, kept, total - low), low, total - low)


async def handed_for(log: Database, project: str | None, config: Config) -> Handed:
    """What a new session in `project` is handed, by the settings of `config`."""
    context = await starting_context(log, project, config.recall_budget)
    return handed_context(context, config.handed_lines, config.handed_bytes)


def to_refresh(home: Path, also: tuple[str | None, ...] = ()) -> list[str | None]:
    """The projects whose context Claude Code's hook keeps (and the projects `also`, None for
    outside any, where it was just used) when memory changed since they were computed, at most
    REFRESHED_AT_MOST; none when they are current or the hook was never used."""
    kept = context_snapshot.kept_projects(home)
    if kept and context_snapshot.current(home):
        wanted = [project for project in also if project not in kept]
    else:
        wanted = [*also, *kept]
    return list(dict.fromkeys(wanted))[:REFRESHED_AT_MOST]


async def refresh_handed(log: Database, home: Path, projects: list[str | None]) -> None:
    """Compute again the contexts of `projects` (`to_refresh`) and keep them, so that the next
    start there is served at once. The settings are read anew, as the hook reads them: a
    long-running process (the TUI, `reverie watch`) may hold older ones. A config file that
    does not load now is left for the hook to report."""
    from app.config import load_config
    from app.errors import UserError

    taken = context_snapshot.fingerprint(home)  # before the settings: an edit after shows
    try:
        config = load_config(home)
    except UserError:
        return
    for project in projects:
        handed = await handed_for(log, project, config)
        if not context_snapshot.keep(home, taken, project, handed.text):
            return  # memory changed meanwhile: the next change or start computes them


async def refresh_after_change(
    log: Database, home: Path, also: tuple[str | None, ...] = ()
) -> None:
    """After memory may have changed (a decision, a dream, an import): the contexts Claude
    Code's hook keeps, and those of the projects `also`, computed again when stale
    (`to_refresh`), so its next start is served at once. Telling whether they are reads files
    and the database: off the event loop."""
    projects = await asyncio.to_thread(to_refresh, home, also)
    if projects:
        await refresh_handed(log, home, projects)
