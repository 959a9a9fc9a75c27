"""`reverie inbox`, `adopt`, `reject` and `undo`: the proposals a dream made, and a person's
decisions on them, through the same reader and decision path as the inbox screen."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from app.cli.output import print_json
from app.cli.parser import config_for
from app.errors import UserError
from app.terminal import visible
from memory_graph.store.session_log import SessionLog

if TYPE_CHECKING:
    from memory_graph.memory.adoption import Decided


async def inbox(args: argparse.Namespace) -> int:
    from memory_graph.memory.inbox import as_json, with_evidence
    from memory_graph.memory.projects import scope_name
    from memory_graph.memory.vocabulary import suggested

    config = config_for(args)
    async with await SessionLog.open(config.home) as log:
        if args.json:
            print_json({"proposals": await as_json(log)})
            return 0
        items = await with_evidence(log)
    if not items:
        print("the inbox is empty: `reverie dream` reviews new sessions", file=sys.stderr)
    for item, evidence in items:
        sessions = len({link.session_id for link in evidence})
        marks = ("  [stale: what it edits changed]" if item.stale else "") + (
            f"  [{item.flag}]" if item.flag else ""
        )
        if item.scope:
            marks += f"  [{scope_name(item.scope)} only]"
        if suggested(item.source):
            marks += f"  [suggested by {item.source}; its reason, unverified: {item.reason}]"
        if item.conflict:
            marks += "  [conflict: adopt keeps the new, reject the old]"
        line = (
            f"{item.id:>5}  {item.kind:<8} {item.confidence:.2f}  "
            f"{item.support} sessions ({sessions} shown)  {item.statement}{marks}"
        )
        print(visible(line))
    return 0


async def decide(args: argparse.Namespace) -> int:
    from memory_graph.memory.decisions import Decision, Decisions
    from memory_graph.memory.inbox import pending_ids

    config = config_for(args)
    if args.command == "adopt" and bool(args.ids) == bool(args.all):
        raise UserError("name the proposals to adopt, or --all (not both)")
    if args.command == "adopt" and args.statement is not None and len(args.ids) != 1:
        raise UserError("--as edits one proposal: name exactly one")
    async with await SessionLog.open(config.home) as log:
        ids = await pending_ids(log) if args.command == "adopt" and args.all else args.ids
        statement = args.statement if args.command == "adopt" else None
        decisions = await Decisions(log).decide(Decision(args.command), ids, statement)
    _print_decisions(args, decisions)
    return 0


async def undo(args: argparse.Namespace) -> int:
    from memory_graph.memory.decisions import Decisions

    config = config_for(args)
    async with await SessionLog.open(config.home) as log:
        decided = await Decisions(log).undo()
    if decided is None:
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
