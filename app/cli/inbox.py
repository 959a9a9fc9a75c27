"""`reverie inbox`, `adopt`, `reject` and `undo`: the proposals a dream made, and a person's
decisions on them."""

from __future__ import annotations

import argparse
import sys
from typing import Any

from app.cli.output import print_json
from app.cli.parser import config_for
from app.errors import UserError
from app.terminal import visible
from memory_graph.store.session_log import SessionLog


async def inbox(args: argparse.Namespace) -> int:
    from memory_graph.memory.inbox import pending

    config = config_for(args)
    async with await SessionLog.open(config.home) as log:
        proposals = await pending(log)
    if args.json:
        print_json({"proposals": proposals})
    elif not proposals:
        print("the inbox is empty: `reverie dream` reviews new sessions", file=sys.stderr)
    else:
        for proposal in proposals:
            sessions = len({e["session_id"] for e in proposal["evidence"]})
            flag = f"  [{proposal['flag']}]" if proposal["flag"] else ""
            line = (
                f"{proposal['id']:>5}  {proposal['kind']:<8} {proposal['confidence']:.2f}  "
                f"{proposal['support']} sessions ({sessions} shown)  {proposal['statement']}{flag}"
            )
            print(visible(line))
    return 0


async def decide(args: argparse.Namespace) -> int:
    from memory_graph.memory import adoption
    from memory_graph.memory.inbox import pending

    config = config_for(args)
    if args.command == "adopt" and bool(args.ids) == bool(args.all):
        raise UserError("name the proposals to adopt, or --all (not both)")
    if args.command == "adopt" and args.statement is not None and len(args.ids) != 1:
        raise UserError("--as edits one proposal: name exactly one")
    async with await SessionLog.open(config.home) as log:
        waiting = [proposal["id"] for proposal in await pending(log)]
        ids = waiting if args.command == "adopt" and args.all else args.ids
        # Every id checked first, so a typo decides nothing rather than half of the list.
        for proposal_id in ids:
            if proposal_id not in waiting:
                raise UserError(f"proposal {proposal_id} is not in the inbox: `reverie inbox`")
        decisions = []
        for proposal_id in ids:
            if args.command == "adopt":
                decisions.append(await adoption.adopt(log, proposal_id, args.statement))
            else:
                decisions.append(await adoption.reject(log, proposal_id))
    _print_decisions(args, decisions)
    return 0


async def undo(args: argparse.Namespace) -> int:
    from memory_graph.memory import adoption

    config = config_for(args)
    async with await SessionLog.open(config.home) as log:
        decided = await adoption.undo(log)
    if decided is None:
        raise UserError("there is nothing to undo")
    _print_decisions(args, [decided])
    return 0


def _print_decisions(args: argparse.Namespace, decisions: list[Any]) -> None:
    if args.json:
        print_json(
            {
                "decisions": [
                    {
                        "proposal_id": d.proposal_id,
                        "verdict": d.verdict,
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
