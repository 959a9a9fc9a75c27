"""The command line's grammar: every command, its options and their types, and what the global
options (`--home`, `--model`) mean."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.config import Config, load_config
from app.paths import resolve_home
from memory_graph.store.marks import Mark
from memory_graph.transcripts.parsed import FORMATS

PROG = "reverie"
MAX_ID = 2**63 - 1


def _whole_number(lowest: int, what: str) -> Callable[[str], int]:
    """An argparse type: a whole number from `lowest` to what SQLite can hold."""

    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{value!r} is not {what}") from None
        if not lowest <= number <= MAX_ID:
            raise argparse.ArgumentTypeError(f"{value} is not {what}")
        return number

    return parse


_session_id = _whole_number(1, "a session id")
_proposal_id = _whole_number(1, "a proposal id")
_count = _whole_number(0, "a count (0 or more)")


def _folder(value: str) -> str:
    """An argparse type: a non-empty path (an empty --home would silently mean the default)."""
    if not value.strip():
        raise argparse.ArgumentTypeError("an empty path")
    return value


def _global_options(parser: argparse.ArgumentParser, *, suppress: bool) -> None:
    # Subcommands accept the global options too (`reverie sessions --home X`); SUPPRESS keeps
    # a subcommand from resetting a value given before it.
    default: Any = argparse.SUPPRESS if suppress else None
    parser.add_argument(
        "--home",
        default=default,
        type=_folder,
        help="data directory (default: $REVERIE_HOME or the platform's)",
    )
    parser.add_argument("--model", default=default, help="Claude model id for this run")


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every command."""
    parser = argparse.ArgumentParser(
        prog=PROG, description="Reverie: a personal agent in your terminal that learns offline."
    )
    _global_options(parser, suppress=False)
    parser.add_argument("--version", action="version", version=f"{PROG} {_version()}")
    commands = parser.add_subparsers(dest="command", metavar="COMMAND")

    def command(name: str, help_text: str) -> argparse.ArgumentParser:
        sub = commands.add_parser(name, help=help_text, description=help_text)
        _global_options(sub, suppress=True)
        # A misuse found after parsing is reported with this command's usage (`parse`).
        sub.set_defaults(command_parser=sub)
        return sub

    command("tui", "open the terminal app (the default)")
    demo = command("demo", "open the app on a fresh demo home")
    demo.add_argument("--keep", action="store_true", help="use --home as given, even if not empty")

    chat = command("chat", "send one message and print the reply")
    chat.add_argument("text", help="the message ('-' reads it from standard input)")
    chat.add_argument(
        "--session", type=_session_id, help="continue this session instead of a new one"
    )
    chat.add_argument("--json", action="store_true", help="print the result as JSON")
    chat.add_argument("--yes", action="store_true", help="allow tools that write or execute")
    chat.add_argument("--workspace", help="folder the tools may use (default: current folder)")

    importing = command("import", "import transcripts: Claude Code, OpenAI-style chat, Reverie")
    importing.add_argument("paths", nargs="+", metavar="PATH", help="files or folders")
    importing.add_argument("--format", choices=["auto", *FORMATS], default="auto")
    importing.add_argument("--json", action="store_true", help="print the summary as JSON")

    export = command("export", "write sessions in Reverie's format (every session if none named)")
    export.add_argument("ids", nargs="*", type=_session_id, metavar="SESSION")
    export.add_argument("file", metavar="FILE", help="where to write ('-': standard output)")
    export.add_argument("--force", action="store_true", help="overwrite FILE if it exists")

    command("watch", "import transcripts dropped in the drop folder as they arrive (Ctrl-C stops)")

    dreaming = command("dream", "review new sessions now and propose what to remember")
    dreaming.add_argument(
        "--limit",
        type=_whole_number(1, "a number of sessions"),
        default=100,
        help="sessions per dream (default 100)",
    )
    dreaming.add_argument(
        "--llm",
        action=argparse.BooleanOptionalAction,
        default=None,
        help="also ask the model, in one call (default: the dream_llm setting, off)",
    )
    dreaming.add_argument("--json", action="store_true", help="print the summary as JSON")

    inbox = command("inbox", "list the proposals waiting for a decision")
    inbox.add_argument("--json", action="store_true", help="print JSON")

    adopting = command("adopt", "adopt proposals into memory (their ids, or --all)")
    adopting.add_argument("ids", nargs="*", type=_proposal_id, metavar="ID")
    adopting.add_argument("--all", action="store_true", help="every pending proposal")
    adopting.add_argument(
        "--as", dest="statement", metavar="TEXT", help="adopt one proposal with this statement"
    )
    adopting.add_argument("--json", action="store_true", help="print JSON")
    rejecting = command("reject", "reject proposals (they return only with twice the support)")
    rejecting.add_argument("ids", nargs="+", type=_proposal_id, metavar="ID")
    rejecting.add_argument("--json", action="store_true", help="print JSON")
    undoing = command("undo", "revert the newest adoption or rejection not yet undone")
    undoing.add_argument("--json", action="store_true", help="print JSON")

    graphing = command("graph", "the memory graph")
    graph_commands = graphing.add_subparsers(dest="graph_command", required=True)
    exporting = graph_commands.add_parser(
        "export", help="write the graph: .graphml, .json (node-link), .dot or .mmd (Mermaid)"
    )
    _global_options(exporting, suppress=True)
    exporting.set_defaults(command_parser=exporting)
    exporting.add_argument("file", metavar="FILE")
    exporting.add_argument("--force", action="store_true", help="overwrite FILE if it exists")

    forgetting = command(
        "forget", "remove a session and every memory whose only evidence it was (logged)"
    )
    forgetting.add_argument("id", type=_session_id, metavar="SESSION")
    forgetting.add_argument("--reason", default="", help="kept in the forget log")
    forgetting.add_argument(
        "--vacuum", action="store_true", help="also rewrite the file so nothing of it remains"
    )
    forgetting.add_argument(
        "--yes",
        action="store_true",
        help="do not ask first (needed without a terminal to ask on)",
    )

    privacy = command(
        "private",
        "make a session private: never read by dreams, and memory only it backs is not recalled",
    )
    privacy.add_argument("id", type=_session_id, metavar="SESSION")
    privacy.add_argument("--off", action="store_true", help="make it an ordinary session again")

    marking = command(
        "mark",
        "say how a session went (success, failure) or what a reply was worth (good, bad)",
    )
    marking.add_argument("id", type=_session_id, metavar="SESSION")
    marking.add_argument("verdict", choices=[str(mark) for mark in Mark])
    marking.add_argument(
        "--message",
        type=_whole_number(1, "a message id"),
        help="the reply to mark (default: the session's latest)",
    )

    recalling = command("recall", "show what memory would be recalled for a text")
    recalling.add_argument("query", nargs="?", help="the text (a user's turn)")
    recalling.add_argument("--k", type=_whole_number(1, "a number of hits"), default=10)
    recalling.add_argument(
        "--batch", metavar="FILE", help='JSONL of {"query": ...}: one result per line, in order'
    )
    recalling.add_argument(
        "--project",
        metavar="DIR",
        help="recall as a turn in this folder's project would (default: the current folder)",
    )
    recalling.add_argument("--json", action="store_true", help="print JSON")

    context = command("context", "print what a new session in a project starts with")
    context.add_argument(
        "--project", metavar="DIR", help="the project's folder (default: the current folder)"
    )
    context.add_argument("--json", action="store_true", help="print JSON")

    command(
        "mcp",
        "serve adopted memory to other agents over MCP on stdio: recall, memories, why, "
        "propose (to the inbox), and the standing memory",
    )
    syncing = command(
        "sync", "keep standing and project memory in a block of FILE (CLAUDE.md, AGENTS.md, …)"
    )
    syncing.add_argument("file", metavar="FILE", help="the file (created if missing)")
    syncing.add_argument(
        "--project", metavar="DIR", help="the project's folder (default: FILE's folder)"
    )
    checking = syncing.add_mutually_exclusive_group()
    checking.add_argument(
        "--check", action="store_true", help="write nothing; exit 1 if the block is out of date"
    )
    checking.add_argument(
        "--dry-run", action="store_true", help="write nothing; print the change as a diff"
    )
    hooking = command("hook", "answer another agent's hook (its JSON on standard input)")
    agents = hooking.add_subparsers(dest="agent", required=True, metavar="AGENT")
    _global_options(
        agents.add_parser(
            "claude-code",
            help="SessionStart: print memory for the session; Stop, SessionEnd: import it",
        ),
        suppress=True,
    )

    sessions = command("sessions", "list sessions, most recent first")
    sessions.add_argument(
        "--limit",
        type=_count,
        default=50,
        help="how many people's sessions, each with those it spawned (0: all; default 50)",
    )
    sessions.add_argument("--json", action="store_true", help="print JSON")

    show = command("show", "print one session")
    show.add_argument("id", type=_session_id, help="session id")
    show.add_argument("--json", action="store_true", help="print JSON")
    return parser


def check_usage(args: argparse.Namespace) -> None:
    """The combinations of arguments argparse cannot check: a misuse prints the command's usage
    and exits 2, as argparse's own checks do."""
    problem = _misuse(args)
    if problem is not None:
        args.command_parser.error(problem)


def _misuse(args: argparse.Namespace) -> str | None:
    """What is wrong with a combination of arguments, or None."""
    if args.command == "adopt":
        if bool(args.ids) == bool(args.all):
            return "name the proposals to adopt, or --all (not both)"
        if args.statement is not None and len(args.ids) != 1:
            return "--as edits one proposal: name exactly one"
    if args.command == "recall" and (args.query is None) == (args.batch is None):
        return 'give a query, or --batch FILE (one {"query": ...} per line)'
    if args.command == "mark" and args.message is not None and Mark(args.verdict).of_session:
        return "--message marks a reply: use good or bad with it"
    if args.command == "forget" and not args.yes and not sys.stdin.isatty():
        # Nobody to ask: a script must say --yes rather than have the deletion assumed.
        return "forget asks before it deletes; with no terminal to ask on, pass --yes"
    if args.command == "export" and not args.ids and _reads_as_session_id(args.file):
        # `reverie export 1` would otherwise write every session into a file named `1`.
        return (
            f"{args.file} reads as a session id, but FILE is missing: "
            f"`reverie export {args.file} FILE` (a file named {args.file}: ./{args.file})"
        )
    return None


def _reads_as_session_id(file: str) -> bool:
    """A lone export argument that is a whole number and not a path that exists."""
    try:
        _session_id(file)
    except argparse.ArgumentTypeError:
        return False
    return not Path(file).exists()


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("reverie")
    except PackageNotFoundError:
        return "unknown"


def config_for(args: argparse.Namespace, **overrides: Any) -> Config:
    """The settings a command runs with: the home's config file under --home and --model."""
    home = resolve_home(args.home)
    return load_config(home, overrides={"model": args.model, **overrides})
