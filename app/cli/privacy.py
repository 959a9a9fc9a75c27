"""`reverie forget` and `reverie private`: a person taking a session out of what memory uses,
for good or until they say otherwise."""

from __future__ import annotations

import argparse

from app.cli.parser import config_for
from app.integrations.context_snapshot import discard as discard_handed_context
from app.terminal import visible
from memory_graph.store.session_log import SessionLog


async def forget_session(args: argparse.Namespace) -> int:
    from memory_graph.memory.forget import forget, vacuum

    config = config_for(args)
    async with await SessionLog.open(config.home) as log:
        forgotten = await forget(log, args.id, args.reason)
        if args.vacuum:
            await vacuum(log)
    # The context kept for Claude Code's next start may quote what was just forgotten.
    discard_handed_context(config.home)
    print(visible(forgotten.message + (", file vacuumed" if args.vacuum else "")))
    return 0


async def make_private(args: argparse.Namespace) -> int:
    config = config_for(args)
    async with await SessionLog.open(config.home) as log:
        session = await log.set_private(args.id, not args.off)
    discard_handed_context(config.home)
    if session.private:
        print(
            f"session {session.id} is private: dreams do not read it, and memory that only it "
            "backs is left out of recall until `reverie private --off`"
        )
    else:
        print(f"session {session.id} is no longer private")
    return 0
