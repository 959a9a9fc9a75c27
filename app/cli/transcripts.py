"""`reverie import` and `reverie export`: transcripts into the session log and out of it, and
how an import is reported (`reverie watch` reports its imports the same way)."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from app.cli.output import output_file, print_json
from app.cli.parser import config_for
from app.errors import UserError
from app.files import private_file
from app.paths import user_path
from app.terminal import visible
from memory_graph.store.session_log import SessionLog
from memory_graph.transcripts.importer import ImportReport, ImportStopped, import_paths
from memory_graph.transcripts.parsed import Problem
from memory_graph.transcripts.reverie_format import export_lines

PROBLEMS_SHOWN = 20
"""Skipped lines listed on stderr; `--json` lists them all."""


def print_problems(problems: Sequence[Problem]) -> None:
    limit = PROBLEMS_SHOWN
    for problem in problems[:limit]:
        print(visible(f"skipped {problem}"), file=sys.stderr)
    if len(problems) > limit:
        print(f"… and {len(problems) - limit} more skipped", file=sys.stderr)


def import_summary(report: ImportReport) -> str:
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


async def import_transcripts(args: argparse.Namespace) -> int:
    from app.progress import ProgressLine

    paths = [user_path(p) for p in args.paths]
    config = config_for(args)
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
                f"{stopped}; {import_summary(stopped.report)} before it stopped; importing the "
                "same paths again goes on from there"
            ) from None
        finally:
            progress.close()
    if report.sessions_seen == 0 and report.unchanged == 0 and report.resumed == 0:
        first = f": {report.problems[0]}" if report.problems else ""
        raise UserError(f"nothing importable in {' '.join(args.paths)}{first}")
    if args.json:
        print_json(report.to_json())
    else:
        print_problems(report.problems)
        print(import_summary(report))
    return 0


async def export(args: argparse.Namespace) -> int:
    # Checked before anything is read; '-' is standard output.
    path = None if args.file == "-" else output_file(args.file, force=args.force)
    config = config_for(args)
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
