"""`reverie recall` and `reverie graph export`: adopted memory, as recall would use it and as a
graph to look at elsewhere."""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from app.agent.prompt import context_markdown
from app.cli.output import output_file
from app.cli.parser import config_for
from app.errors import UserError
from app.files import private_file
from app.paths import project_at, user_path
from app.terminal import visible
from memory_graph.store.session_log import SessionLog

if TYPE_CHECKING:
    from memory_graph.memory.recall import Recalled


async def preview_recall(args: argparse.Namespace) -> int:
    from memory_graph.memory.recall import recall

    config = config_for(args)
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
            recalled = await recall(
                log, query, k=args.k, budget=config.recall_budget, project=_project(args)
            )
            if args.json or batch:
                print(json.dumps(recalled.to_json(), ensure_ascii=False), flush=True)
            elif not recalled.found:
                print("nothing would be recalled", file=sys.stderr)
            else:
                _print_recalled(recalled)
    return 1 if failed else 0


def _project(args: argparse.Namespace) -> str | None:
    """The project of the folder the person named, else of the current folder."""
    return project_at(args.project)


async def starting_context(args: argparse.Namespace) -> int:
    """`reverie context`: what a new session in a project starts with."""
    from memory_graph.memory.recall.context import starting_context as context_of

    config = config_for(args)
    project = _project(args)
    async with await SessionLog.open(config.home) as log:
        context = await context_of(log, project, config.recall_budget)
    if args.json:
        print(json.dumps(context.to_json(), ensure_ascii=False))
    else:
        print(visible(context_markdown(context)))
    return 0


def _print_recalled(recalled: Recalled) -> None:
    """What recall brings, as a person reads it: standing memory, then the hits by score."""
    if recalled.standing:
        print("standing (every turn carries these):")
        for hit in recalled.standing:
            print(visible(f"          memory {hit.node_id} [{hit.kind}] {hit.statement}"))
    if recalled.hits:
        print("for this text:")
    for hit in recalled.hits:
        where = "" if hit.node_id is None else f"memory {hit.node_id} "
        kind = hit.kind or "episode"
        print(visible(f"{hit.score:8.4f}  {where}[{kind}, {hit.reason}] {hit.statement}"))


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


def _known_format(path: Path) -> None:
    from memory_graph.memory.graph_view import EXPORT_FORMATS

    if path.suffix.lower() not in EXPORT_FORMATS:
        known = ", ".join(f"{suffix} ({name})" for suffix, name in EXPORT_FORMATS.items())
        raise UserError(f"cannot tell the format of {path.name}: name it with {known}")


async def graph_export(args: argparse.Namespace) -> int:
    from memory_graph.memory.graph_view import MemoryGraph

    path = output_file(args.file, force=args.force, check=_known_format)
    config = config_for(args)
    async with await SessionLog.open(config.home) as log:
        view = await MemoryGraph.load(log)
    with private_file(path) as handle:
        handle.write(view.export(path))
    nodes, edges = view.graph.number_of_nodes(), view.graph.number_of_edges()
    print(f"exported {nodes} memories and {edges} edges to {path}", file=sys.stderr)
    return 0
