"""`reverie chat`: one headless turn, printed as it streams (or as JSON at the end)."""

from __future__ import annotations

import argparse
import sys

from app.cli.output import print_json
from app.cli.parser import PROG, config_for
from app.errors import UserError
from memory_graph.store.session_log import SessionLog


def _message_text(args: argparse.Namespace) -> str:
    """The message to send, from the argument or standard input, checked before anything is
    written: it must be valid UTF-8 and not empty."""
    if args.text == "-":
        try:
            text = sys.stdin.buffer.read().decode("utf-8")
        except UnicodeDecodeError:
            raise UserError("standard input is not valid UTF-8 text") from None
    else:
        text = args.text
        try:
            text.encode("utf-8")
        except UnicodeEncodeError:
            raise UserError("the message is not valid UTF-8 text") from None
    if not text.strip():
        raise UserError("the message is empty")
    return text


async def chat(args: argparse.Namespace) -> int:
    from app.agent.loop import Agent
    from app.headless import PrintingObserver

    text = _message_text(args)
    config = config_for(args, workspace=args.workspace)
    async with await SessionLog.open(config.home) as log:
        agent = Agent(log, config)
        session = None if args.session is None else await log.get_session(args.session)
        if session is None or session.imported:
            # An imported session is read-only: only its importer adds to it.
            continued, session = session, await agent.new_session(continues=session)
            if continued is not None:
                print(
                    f"session {continued.id} was imported from {continued.source} and is "
                    f"read-only: this turn starts session {session.id}, which continues it",
                    file=sys.stderr,
                )
        observer = PrintingObserver(sys.stdout, sys.stderr, allow_tools=args.yes, quiet=args.json)
        result = await agent.run_turn(session.id, text, observer)
        observer.finish()
    if args.json:
        print_json(result.to_json())
    elif result.error:
        print(f"{PROG}: {result.error} (session {session.id})", file=sys.stderr)
    return 0 if result.status == "ok" else 1
