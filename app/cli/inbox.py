"""`reverie inbox`, `adopt`, `reject` and `undo`: the proposals a dream made, and a person's
decisions on them, through the same reader and decision path as the inbox screen."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from app.cli.output import print_json
from app.cli.parser import config_for
from app.errors import UserError
from app.terminal import one_line, plural, visible
from memory_graph.memory.vocabulary import MemoryKind
from memory_graph.store.session_log import SessionLog

if TYPE_CHECKING:
    from memory_graph.memory.adoption import Decided
    from memory_graph.memory.evidence import Evidence
    from memory_graph.memory.inbox import InboxItem


KIND_WIDTH = max(len(kind) for kind in MemoryKind)
"""The kind column fits every kind (`preference` is the longest), so the columns line up."""
EXCERPTS_SHOWN = 2
"""Evidence lines under each proposal; `--json` lists all of it."""


async def inbox(args: argparse.Namespace) -> int:
    from memory_graph.memory.inbox import as_json, with_evidence

    config = config_for(args)
    async with await SessionLog.open(config.home) as log:
        if args.json:
            print_json({"proposals": await as_json(log)})
            return 0
        items = await with_evidence(log)
    if not items:
        print("the inbox is empty: `reverie dream` reviews new sessions", file=sys.stderr)
        return 0
    print(f"{'id':>5}  {'kind':<{KIND_WIDTH}}  conf  {'support':<11}  memory, then its evidence")
    for item, evidence in items:
        print(visible(_proposal_line(item)))
        for line in _evidence_lines(evidence):
            print(visible(line))
    return 0


def _proposal_line(item: InboxItem) -> str:
    from memory_graph.memory.projects import scope_name
    from memory_graph.memory.vocabulary import suggested

    marks = ("  [stale: what it edits changed]" if item.stale else "") + (
        f"  [{item.flag}]" if item.flag else ""
    )
    if item.scope:
        marks += f"  [{scope_name(item.scope)} only]"
    if suggested(item.source):
        marks += f"  [suggested by {item.source}; its reason, unverified: {item.reason}]"
    if item.conflict:
        marks += "  [conflict: adopt keeps the new, reject the old]"
    support = plural(item.support, "session")
    return (
        f"{item.id:>5}  {item.kind:<{KIND_WIDTH}}  {item.confidence:.2f}  {support:<11}  "
        f"{item.statement}{marks}"
    )


def _evidence_lines(evidence: list[Evidence]) -> list[str]:
    """The first excerpts of a proposal's evidence, one per session, under its statement."""
    indent = " " * 7
    firsts = {}
    for link in evidence:
        if link.excerpt and link.session_id not in firsts:
            firsts[link.session_id] = link.excerpt
    lines = [
        f'{indent}session {session_id}: "{one_line(text, 100)}"'
        for session_id, text in list(firsts.items())[:EXCERPTS_SHOWN]
    ]
    more = len({link.session_id for link in evidence}) - len(lines)
    if more > 0:
        lines.append(f"{indent}… and {plural(more, 'more session')} (`reverie inbox --json`)")
    return lines


async def decide(args: argparse.Namespace) -> int:
    from app.integrations.handed import refresh_after_change
    from memory_graph.memory.decisions import Decision, Decisions
    from memory_graph.memory.inbox import pending_ids

    config = config_for(args)
    async with await SessionLog.open(config.home) as log:
        ids = await pending_ids(log) if args.command == "adopt" and args.all else args.ids
        statement = args.statement if args.command == "adopt" else None
        decisions = await Decisions(log).decide(Decision(args.command), ids, statement)
        await refresh_after_change(log, config.home)
    _print_decisions(args, decisions)
    return 0


async def undo(args: argparse.Namespace) -> int:
    from app.integrations.handed import refresh_after_change
    from memory_graph.memory.decisions import Decisions

    config = config_for(args)
    async with await SessionLog.open(config.home) as log:
        decided = await Decisions(log).undo()
        if decided is not None:
            await refresh_after_change(log, config.home)
    if decided is None:
        if args.json:
            # A script reads stdout: an empty list of decisions, and the exit code says why.
            _print_decisions(args, [])
        raise UserError("there is nothing to undo")
    _print_decisions(args, [decided])
    return 0


def _print_decisions(args: argparse.Namespace, decisions: list[Decided]) -> None:
    if args.json:
        print_json(
            {
                "decisions": [
                    {
                        "proposal_id": d.proposal_id,
                        "verdict": d.outcome,
                        "message": d.message,
                        "nodes": list(d.nodes),
                    }
                    for d in decisions
                ]
            }
        )
    else:
        for decided in decisions:
            print(visible(decided.message))
