"""The `reverie` command line. Exit codes: 0 success, 1 a user error (one line on stderr),
2 bad usage. A user error never prints a traceback."""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import signal
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from app.config import RUN_BY_AGENT, Config, load_config
from app.errors import USER_ERRORS, UserError
from app.files import private_file
from app.paths import DEMO_HISTORY, resolve_home, user_path
from app.terminal import visible, when
from memory_graph.store.content import tool_result_text
from memory_graph.store.records import Message, Session
from memory_graph.store.session_log import SessionLog
from memory_graph.transcripts.importer import ImportReport, ImportStopped, import_paths
from memory_graph.transcripts.parsed import FORMATS, Problem
from memory_graph.transcripts.reverie_format import export_lines

PROG = "reverie"
DECISIONS = frozenset({"adopt", "reject", "undo", "forget", "private"})
"""Commands that change what memory holds: a person's, never the agent's."""


MAX_ID = 2**63 - 1
PROBLEMS_SHOWN = 20
"""Skipped lines listed on stderr; `--json` lists them all."""


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

    privacy = command(
        "private",
        "make a session private: never read by dreams, and memory only it backs is not recalled",
    )
    privacy.add_argument("id", type=_session_id, metavar="SESSION")
    privacy.add_argument("--off", action="store_true", help="make it an ordinary session again")

    recalling = command("recall", "show what memory would be recalled for a text")
    recalling.add_argument("query", nargs="?", help="the text (a user's turn)")
    recalling.add_argument("--k", type=_whole_number(1, "a number of hits"), default=10)
    recalling.add_argument(
        "--batch", metavar="FILE", help='JSONL of {"query": ...}: one result per line, in order'
    )
    recalling.add_argument("--json", action="store_true", help="print JSON")

    sessions = command("sessions", "list sessions, most recent first")
    sessions.add_argument("--limit", type=_count, default=50, help="how many (0: all; default 50)")
    sessions.add_argument("--json", action="store_true", help="print JSON")

    show = command("show", "print one session")
    show.add_argument("id", type=_session_id, help="session id")
    show.add_argument("--json", action="store_true", help="print JSON")
    return parser


def _version() -> str:
    from importlib.metadata import PackageNotFoundError, version

    try:
        return version("reverie")
    except PackageNotFoundError:
        return "unknown"


def _config(args: argparse.Namespace, **overrides: Any) -> Config:
    home = resolve_home(args.home)
    return load_config(home, overrides={"model": args.model, **overrides})


def _print_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2))


# Commands ---------------------------------------------------------------------------------


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


async def _chat(args: argparse.Namespace, text: str) -> int:
    from app.agent.loop import Agent
    from app.headless import PrintingObserver

    config = _config(args, workspace=args.workspace)
    async with await SessionLog.open(config.home) as log:
        agent = Agent(log, config)
        if args.session is not None:
            session = await log.get_session(args.session)
            if session.source != "reverie":
                raise UserError(
                    f"session {session.id} was imported from {session.source}; "
                    "start a new session instead"
                )
        else:
            session = await log.create_session(model=config.model)
        observer = PrintingObserver(sys.stdout, sys.stderr, allow_tools=args.yes, quiet=args.json)
        result = await agent.run_turn(session.id, text, observer)
        observer.finish()
    if args.json:
        _print_json(result.to_json())
    elif result.error:
        print(f"{PROG}: {result.error} (session {session.id})", file=sys.stderr)
    return 0 if result.status == "ok" else 1


def _session_line(session: Session) -> str:
    last = when(session.started, session.ended)
    flags = " private" if session.private else ""
    title = " ".join(session.title.split()) or "(untitled)"
    count = f"{session.message_count:>5} msgs"
    return visible(f"{session.id:>6}  {last}  {count}  {session.source}{flags}  {title}")


async def _sessions(args: argparse.Namespace) -> int:
    config = _config(args)
    async with await SessionLog.open(config.home) as log:
        sessions = await log.list_sessions(limit=args.limit or -1)
    if args.json:
        _print_json([session.to_json() for session in sessions])
    elif not sessions:
        print('no sessions yet: run `reverie` or `reverie chat "…"`', file=sys.stderr)
    else:
        for session in sessions:
            print(_session_line(session))
    return 0


def _message_lines(message: Message) -> list[str]:
    lines: list[str] = []
    mark = " (interrupted)" if message.interrupted else ""
    for block in message.content:
        kind = block.get("type")
        if kind == "text" and block.get("text"):
            lines.append(f"[{message.role}{mark}] {block['text']}")
        elif kind == "tool_use":
            lines.append(f"[{message.role}] → {block['name']} {json.dumps(block.get('input', {}))}")
        elif kind == "tool_result":
            status = "error" if block.get("is_error") else "ok"
            if block.get("exit_code") is not None:
                status += f", exit {block['exit_code']}"
            lines.append(f"[tool {status}] {tool_result_text(block.get('content'))}")
    return lines


async def _show(args: argparse.Namespace) -> int:
    from app.agent.prompt import prompt_seen

    config = _config(args)
    async with await SessionLog.open(config.home) as log:
        session = await log.get_session(args.id)
        messages = await log.messages(session.id)
        events = await log.events(session.id)
        # A system prompt as the model saw it: recall's part is logged by reference.
        seen = {m.id: await prompt_seen(log, m) for m in messages if m.role == "system"}
    if args.json:
        shown = [
            {**message.to_json(), "prompt": seen[message.id]}
            if message.id in seen
            else message.to_json()
            for message in messages
        ]
        _print_json(
            {
                "session": session.to_json(),
                "messages": shown,
                "events": [event.to_json() for event in events],
            }
        )
        return 0
    print(visible(f"session {session.id}: {session.title or '(untitled)'}"))
    print(visible(f"source {session.source}, started {session.started}, outcome {session.outcome}"))
    for message in messages:
        if message.role == "system":
            continue
        for line in _message_lines(message):
            print(visible(line))
    return 0


def _print_problems(problems: Sequence[Problem]) -> None:
    limit = PROBLEMS_SHOWN
    for problem in problems[:limit]:
        print(visible(f"skipped {problem}"), file=sys.stderr)
    if len(problems) > limit:
        print(f"… and {len(problems) - limit} more skipped", file=sys.stderr)


def _summary(report: ImportReport) -> str:
    parts = [
        f"{report.sessions_new} new sessions",
        f"{report.sessions_updated} updated",
        f"{report.messages:,} messages",
        f"from {report.files} files",
    ]
    if report.unchanged:
        parts.append(f"{report.unchanged} unchanged")
    parts.append(f"{report.skipped} skipped")
    return "imported " + ", ".join(parts)


async def _import(args: argparse.Namespace, paths: list[Path]) -> int:
    from app.progress import ProgressLine

    config = _config(args)
    fmt = None if args.format == "auto" else args.format
    async with await SessionLog.open(config.home) as log:
        progress = ProgressLine(sys.stderr, "importing")
        try:
            report = await import_paths(
                log,
                paths,
                fmt,
                on_file=lambda done, total, path: progress.update(done, total, path.name),
            )
        except ImportStopped as stopped:
            raise UserError(
                f"{stopped}; {_summary(stopped.report)} before it stopped; importing the same "
                "paths again goes on from there"
            ) from None
        finally:
            progress.close()
    if report.sessions_seen == 0 and report.unchanged == 0 and report.resumed == 0:
        first = f": {report.problems[0]}" if report.problems else ""
        raise UserError(f"nothing importable in {' '.join(args.paths)}{first}")
    if args.json:
        _print_json(report.to_json())
    else:
        _print_problems(report.problems)
        print(_summary(report))
    return 0


def _export_target(args: argparse.Namespace) -> Path | None:
    """The file to export to (checked before anything is read), or None for standard output."""
    if args.file == "-":
        return None
    path = user_path(args.file)
    if path.is_dir():
        raise UserError(f"{path} is a folder")
    if path.exists() and not args.force:
        raise UserError(f"{path} exists; pass --force to overwrite it")
    return path


async def _export(args: argparse.Namespace, path: Path | None) -> int:
    config = _config(args)
    async with await SessionLog.open(config.home) as log:
        session_ids = list(args.ids) or sorted(s.id for s in await log.list_sessions(limit=-1))
        for session_id in session_ids:
            await log.get_session(session_id)  # unknown ids fail before anything is written
        if path is None:
            async for line in export_lines(log, session_ids):
                sys.stdout.write(line + "\n")
            return 0
        with private_file(path) as handle:
            async for line in export_lines(log, session_ids):
                handle.write(line + "\n")
    print(f"exported {len(session_ids)} sessions to {path}", file=sys.stderr)
    return 0


def _graph_target(args: argparse.Namespace) -> Path:
    """Where `graph export` writes (checked before anything is read)."""
    from memory_graph.memory.graph_view import EXPORT_FORMATS

    path = user_path(args.file)
    if path.suffix.lower() not in EXPORT_FORMATS:
        known = ", ".join(f"{suffix} ({name})" for suffix, name in EXPORT_FORMATS.items())
        raise UserError(f"cannot tell the format of {path.name}: name it with {known}")
    if path.is_dir():
        raise UserError(f"{path} is a folder")
    if path.exists() and not args.force:
        raise UserError(f"{path} exists; pass --force to overwrite it")
    return path


async def _graph_export(args: argparse.Namespace, path: Path) -> int:
    from memory_graph.memory.graph_view import MemoryGraph

    config = _config(args)
    async with await SessionLog.open(config.home) as log:
        view = await MemoryGraph.load(log)
    with private_file(path) as handle:
        handle.write(view.export(path))
    nodes, edges = view.graph.number_of_nodes(), view.graph.number_of_edges()
    print(f"exported {nodes} memories and {edges} edges to {path}", file=sys.stderr)
    return 0


async def _dream(args: argparse.Namespace) -> int:
    from app.dream_model import DreamModel
    from app.progress import ProgressLine
    from dreamer.dream import dream

    config = _config(args)
    use_model = config.dream_llm if args.llm is None else args.llm
    progress = ProgressLine(sys.stderr, "dreaming")
    model = (
        DreamModel(config, lambda text: print(f"dream: {text}", file=sys.stderr))
        if use_model
        else None
    )
    async with await SessionLog.open(config.home) as log:
        try:
            summary = await dream(log, limit=args.limit, progress=progress.update, model=model)
        finally:
            progress.close()
            if model is not None:
                await model.close()
    if args.json:
        _print_json(summary.to_json())
    else:
        found = ", ".join(f"{count} {kind}" for kind, count in sorted(summary.proposals.items()))
        print(
            f"dream {summary.dream_id}: reviewed {summary.sessions_reviewed} sessions in "
            f"{summary.seconds:.2f} s; proposed {found or 'nothing new'}"
        )
    return 0


async def _inbox(args: argparse.Namespace) -> int:
    from memory_graph.memory.inbox import with_evidence

    config = _config(args)
    async with await SessionLog.open(config.home) as log:
        items = await with_evidence(log)
    if args.json:
        _print_json({"proposals": [item.to_json(evidence) for item, evidence in items]})
    elif not items:
        print("the inbox is empty: `reverie dream` reviews new sessions", file=sys.stderr)
    else:
        for item, evidence in items:
            sessions = len({link.session_id for link in evidence})
            marks = ("  [stale: what it edits changed]" if item.stale else "") + (
                f"  [{item.flag}]" if item.flag else ""
            )
            line = (
                f"{item.id:>5}  {item.kind:<8} {item.confidence:.2f}  "
                f"{item.support} sessions ({sessions} shown)  {item.statement}{marks}"
            )
            print(visible(line))
    return 0


async def _decide(args: argparse.Namespace) -> int:
    from memory_graph.memory.decisions import Decision, Decisions
    from memory_graph.memory.inbox import pending_ids

    config = _config(args)
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


async def _undo(args: argparse.Namespace) -> int:
    from memory_graph.memory.decisions import Decisions

    config = _config(args)
    async with await SessionLog.open(config.home) as log:
        decided = await Decisions(log).undo()
    if decided is None:
        raise UserError("there is nothing to undo")
    _print_decisions(args, [decided])
    return 0


def _print_decisions(args: argparse.Namespace, decisions: list[Any]) -> None:
    if args.json:
        _print_json(
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


async def _forget(args: argparse.Namespace) -> int:
    from memory_graph.memory.forget import forget, vacuum

    config = _config(args)
    async with await SessionLog.open(config.home) as log:
        forgotten = await forget(log, args.id, args.reason)
        if args.vacuum:
            await vacuum(log)
    print(visible(forgotten.message + (", file vacuumed" if args.vacuum else "")))
    return 0


async def _private(args: argparse.Namespace) -> int:
    config = _config(args)
    async with await SessionLog.open(config.home) as log:
        session = await log.set_private(args.id, not args.off)
    if session.private:
        print(
            f"session {session.id} is private: dreams do not read it, and memory that only it "
            "backs is left out of recall until `reverie private --off`"
        )
    else:
        print(f"session {session.id} is no longer private")
    return 0


async def _recall(args: argparse.Namespace) -> int:
    from memory_graph.memory.recall import recall

    config = _config(args)
    if (args.query is None) == (args.batch is None):
        raise UserError('give a query, or --batch FILE (one {"query": ...} per line)')
    batch = args.batch is not None
    queries = _batch_queries(user_path(args.batch)) if batch else [(args.query, None)]
    failed = 0
    async with await SessionLog.open(config.home) as log:
        for query, problem in queries:
            if problem is not None:
                failed += 1
                print(visible(f"{args.batch}: {problem}"), file=sys.stderr)
                print(json.dumps({"query": None, "error": problem, "hits": []}), flush=True)
                continue
            recalled = await recall(log, query, k=args.k, budget=config.recall_budget)
            if args.json or batch:
                print(json.dumps(recalled.to_json(), ensure_ascii=False), flush=True)
            elif not recalled.hits:
                print("nothing would be recalled", file=sys.stderr)
            else:
                for hit in recalled.hits:
                    where = "" if hit.node_id is None else f"memory {hit.node_id} "
                    print(visible(f"{hit.score:8.4f}  {where}[{hit.kind}] {hit.statement}"))
    return 1 if failed else 0


def _batch_queries(path: Path) -> list[tuple[str, str | None]]:
    """(query, problem) for each line of a batch file; a bad line keeps its place."""
    try:
        lines = path.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as error:
        raise UserError(
            f"cannot read {path}: {getattr(error, 'strerror', None) or error}"
        ) from None
    queries: list[tuple[str, str | None]] = []
    for number, line in enumerate(lines, 1):
        if not line.strip():
            continue
        try:
            item = json.loads(line)
        except json.JSONDecodeError as error:
            queries.append(("", f"line {number}: not JSON ({error.msg})"))
            continue
        query = item.get("query") if isinstance(item, dict) else None
        if not isinstance(query, str):
            queries.append(("", f'line {number}: expected {{"query": "text"}}'))
        else:
            queries.append((query, None))
    return queries


async def _watch(args: argparse.Namespace) -> int:
    from app.watcher import watch
    from dreamer.dream import DreamSummary

    config = _config(args)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)

    def report(where: str, outcome: ImportReport) -> None:
        _print_problems(outcome.problems)
        if outcome.files:
            print(visible(f"{where}: {_summary(outcome)}"), file=sys.stderr, flush=True)

    def dreamt(summary: DreamSummary | None, model_error: str | None) -> None:
        if summary is None:
            print(visible(f"dream failed: {model_error}"), file=sys.stderr, flush=True)
            return
        if model_error:
            print(f"dreaming offline: {model_error}", file=sys.stderr, flush=True)
        found = sum(summary.proposals.values())
        print(
            f"dream {summary.dream_id}: {summary.sessions_reviewed} sessions, {found} proposals",
            file=sys.stderr,
            flush=True,
        )

    def ready(folders: list[Path]) -> None:
        names = ", ".join(str(folder) for folder in folders)
        print(visible(f"watching {names} (Ctrl-C stops)"), file=sys.stderr, flush=True)

    async with await SessionLog.open(config.home) as log:
        await watch(config, log, stop, report, ready, dreamt)
    print("stopped", file=sys.stderr)
    return 0


def _run_tui(config: Config, inbox_first: bool = False) -> int:
    from app.tui.app import ReverieApp

    ReverieApp(config, inbox_first=inbox_first).run()
    return 0


def _tui(args: argparse.Namespace) -> int:
    config = _config(args)
    # Open once here so a bad home fails with one line before the screen takes over.
    asyncio.run(_check_log(config.home))
    return _run_tui(config)


def _demo(args: argparse.Namespace) -> int:
    # A newcomer lands on what the dreamer found: the first memory is one keypress away.
    return _run_tui(prepare_demo(args), inbox_first=True)


def prepare_demo(args: argparse.Namespace) -> Config:
    """A home for the demo: the demo history (assets/demo) imported and dreamt."""
    home = user_path(args.home) if args.home else None
    if home is not None and home.exists():
        if not home.is_dir():
            raise UserError(f"{home} is not a folder")
        if not args.keep and any(home.iterdir()):
            raise UserError(f"{home} is not empty; the demo needs a fresh home (or pass --keep)")
    home = home or Path(tempfile.mkdtemp(prefix="reverie-demo-"))
    if not DEMO_HISTORY.is_file():
        raise UserError(f"the demo history is missing ({DEMO_HISTORY}); run from a checkout")
    print(f"demo home: {home}", file=sys.stderr)
    config = load_config(home, overrides={"model": args.model})
    asyncio.run(_load_demo(config.home))
    return config


async def _load_demo(home: Path) -> None:
    from dreamer.dream import dream

    async with await SessionLog.open(home) as log:
        await import_paths(log, [DEMO_HISTORY])
        summary = await dream(log, trigger="demo")
    proposed = sum(summary.proposals.values())
    print(
        f"demo: {summary.sessions_reviewed} sessions dreamt, {proposed} proposals", file=sys.stderr
    )


async def _check_log(home: Path) -> None:
    log = await SessionLog.open(home)
    await log.close()


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    handlers: dict[str | None, Callable[[argparse.Namespace], int]] = {
        None: _tui,
        "tui": _tui,
        "demo": _demo,
        "chat": lambda a: asyncio.run(_chat(a, _message_text(a))),
        "sessions": lambda a: asyncio.run(_sessions(a)),
        "show": lambda a: asyncio.run(_show(a)),
        "import": lambda a: asyncio.run(_import(a, [user_path(p) for p in a.paths])),
        "export": lambda a: asyncio.run(_export(a, _export_target(a))),
        "watch": lambda a: asyncio.run(_watch(a)),
        "dream": lambda a: asyncio.run(_dream(a)),
        "inbox": lambda a: asyncio.run(_inbox(a)),
        "adopt": lambda a: asyncio.run(_decide(a)),
        "reject": lambda a: asyncio.run(_decide(a)),
        "undo": lambda a: asyncio.run(_undo(a)),
        "recall": lambda a: asyncio.run(_recall(a)),
        "forget": lambda a: asyncio.run(_forget(a)),
        "private": lambda a: asyncio.run(_private(a)),
        "graph": lambda a: asyncio.run(_graph_export(a, _graph_target(a))),
    }
    try:
        if args.command in DECISIONS and os.environ.get(RUN_BY_AGENT):
            raise UserError(
                f"`reverie {args.command}` was run by the agent ({RUN_BY_AGENT} is set): what "
                "enters or leaves memory is decided by a person; run it yourself"
            )
        return handlers[args.command](args)
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
