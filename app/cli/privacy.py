"""`reverie forget` and `reverie private`: a person taking a session out of what memory uses,
for good or until they say otherwise."""

from __future__ import annotations

import argparse
import sys

from app.cli.parser import config_for
from app.config import Config
from app.integrations.context_snapshot import discard as discard_handed_context
from app.integrations.context_snapshot import kept_projects
from app.terminal import one_line, plural, visible
from memory_graph.memory.forget import Forgotten
from memory_graph.store.session_log import SessionLog


async def forget_session(args: argparse.Namespace) -> int:
    from memory_graph.memory.forget import forget, preview, vacuum

    config = config_for(args)
    async with await SessionLog.open(config.home) as log:
        if not args.yes:
            # The parser made sure there is a terminal to ask on.
            print(visible(what_goes(await preview(log, args.id))), file=sys.stderr)
            if not _confirmed("forget it? this cannot be undone [y/N] "):
                print("nothing was forgotten", file=sys.stderr)
                return 1
        forgotten = await forget(log, args.id, args.reason)
        if args.vacuum:
            await vacuum(log)
        # The context kept for Claude Code's next start may quote what was just forgotten:
        # gone whole, then computed again from what is left.
        await _hand_anew(log, config)
    print(visible(forgot_line(forgotten) + (", file vacuumed" if args.vacuum else "")))
    return 0


async def _hand_anew(log: SessionLog, config: Config) -> None:
    """Remove the context kept for Claude Code whole, then compute it again for the projects
    it was kept for: what it quoted may no longer be handed."""
    from app.integrations.handed import refresh_handed

    projects = kept_projects(config.home)
    discard_handed_context(config.home)
    await refresh_handed(log, config.home, projects)


def _confirmed(question: str) -> bool:
    print(question, end="", file=sys.stderr, flush=True)
    return sys.stdin.readline().strip().lower() in ("y", "yes")


def what_goes(planned: Forgotten) -> str:
    """What forgetting a session will remove and change, a line each, to confirm."""
    title = f', "{one_line(planned.title, 60)}"' if planned.title else ""
    lines = [
        f"forget session {planned.session_id} ({planned.source}{title}): "
        f"{plural(planned.messages, 'message')} and its events go, for good"
    ]
    for node in planned.memories:
        lines.append(
            f"  memory {node} goes, this session was its only evidence: {_said(planned, node)}"
        )
    for node in planned.kept:
        if node in planned.reworded:
            lines.append(
                f"  memory {node} is retired, its wording came from this session (a new "
                f"wording waits in the inbox): {_said(planned, node)}"
            )
        else:
            lines.append(
                f"  memory {node} stays, without this session's evidence: {_said(planned, node)}"
            )
    if planned.proposals:
        lines.append(f"  {plural(planned.proposals, 'proposal')} citing it leave the inbox")
    if not (planned.memories or planned.kept):
        lines.append("  no memory rests on it")
    return "\n".join(lines)


def _said(planned: Forgotten, node: int) -> str:
    return f'"{one_line(planned.statements.get(node, ""), 80)}"'


def forgot_line(forgotten: Forgotten) -> str:
    """One line for the person who asked, once it is done."""
    parts = [plural(forgotten.messages, "message")]
    if forgotten.memories:
        parts.append(plural(len(forgotten.memories), "memory", "memories"))
    if forgotten.proposals:
        parts.append(plural(forgotten.proposals, "proposal"))
    if forgotten.reworded:
        reworded = plural(len(forgotten.reworded), "memory", "memories")
        parts.append(f"{reworded} to re-word (see the inbox)")
    return f"forgot session {forgotten.session_id}: {', '.join(parts)}"


async def make_private(args: argparse.Namespace) -> int:
    config = config_for(args)
    async with await SessionLog.open(config.home) as log:
        session = await log.set_private(args.id, not args.off)
        await _hand_anew(log, config)
    if session.private:
        print(
            f"session {session.id} is private: dreams do not read it, and memory that only it "
            "backs is left out of recall until `reverie private --off`"
        )
    else:
        print(f"session {session.id} is no longer private")
    return 0
