"""The `reverie` command line. Exit codes: 0 success, 1 a user error (one line on stderr),
2 bad usage. A user error never prints a traceback.

Each command lives in the module of its job; this one reads the arguments, guards the
decisions that belong to a person, and turns errors into exit codes."""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
from collections.abc import Callable, Coroutine, Sequence
from typing import Any

from app.cli import (
    chat,
    dream,
    inbox,
    integrations,
    mcp_server,
    memory,
    privacy,
    sessions,
    transcripts,
    tui,
)
from app.cli.parser import PROG, build_parser, check_usage
from app.cli.tui import prepare_demo
from app.config import RUN_BY_AGENT
from app.errors import USER_ERRORS, UserError
from app.terminal import visible

__all__ = ["build_parser", "main", "prepare_demo"]

DECISIONS = frozenset({"adopt", "reject", "undo", "forget", "private", "mark"})
"""Commands that change what memory holds: a person's, never the agent's."""

Handler = Callable[[argparse.Namespace], int]


def _in_loop(command: Callable[[argparse.Namespace], Coroutine[Any, Any, int]]) -> Handler:
    """A command that runs in an event loop of its own (the TUI brings its own)."""
    return lambda args: asyncio.run(command(args))


HANDLERS: dict[str | None, Handler] = {
    None: tui.tui,
    "tui": tui.tui,
    "demo": tui.demo,
    "chat": _in_loop(chat.chat),
    "sessions": _in_loop(sessions.list_sessions),
    "show": _in_loop(sessions.show),
    "import": _in_loop(transcripts.import_transcripts),
    "export": _in_loop(transcripts.export),
    "watch": _in_loop(dream.watch_drops),
    "dream": _in_loop(dream.dream_now),
    "inbox": _in_loop(inbox.inbox),
    "adopt": _in_loop(inbox.decide),
    "reject": _in_loop(inbox.decide),
    "undo": _in_loop(inbox.undo),
    "recall": _in_loop(memory.preview_recall),
    "mark": _in_loop(sessions.mark_session),
    "context": _in_loop(memory.starting_context),
    "forget": _in_loop(privacy.forget_session),
    "private": _in_loop(privacy.make_private),
    "graph": _in_loop(memory.graph_export),
    "mcp": _in_loop(mcp_server.serve),
    "sync": _in_loop(integrations.sync_file),
    "hook": integrations.answer_hook,
}


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    args = build_parser().parse_args(argv)
    try:
        if args.command in DECISIONS and os.environ.get(RUN_BY_AGENT):
            raise UserError(
                f"`reverie {args.command}` was run by the agent ({RUN_BY_AGENT} is set): what "
                "enters or leaves memory is decided by a person; run it yourself"
            )
        # After the agent's refusal, which holds whatever arguments it gave.
        check_usage(args)
        return HANDLERS[args.command](args)
    except USER_ERRORS as error:
        print(visible(f"{PROG}: {error}"), file=sys.stderr)
        return 1
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:
        # The reader went away (`reverie sessions | head`): not an error worth a traceback.
        sys.stderr.close()
        return 0
