"""`reverie import` and `reverie export`: transcripts into the session log and out of it, and
how an import is reported (`reverie watch` reports its imports the same way)."""

from __future__ import annotations

import argparse
import sys

from app.cli.output import output_file, print_json
from app.cli.parser import config_for
from app.errors import UserError
from app.files import private_file
from app.paths import user_path
from app.terminal import plural, visible
from memory_graph.store.session_log import SessionLog
from memory_graph.transcripts.importer import ImportReport, ImportStopped, import_paths
from memory_graph.transcripts.reverie_format import export_lines

PROBLEMS_SHOWN = 20
"""Skipped lines listed on stderr; `--json` lists them all."""


def print_problems(report: ImportReport, said: set[str] | None = None) -> None:
    """Every file that failed, with why, then the lines skipped in the others (the first
    PROBLEMS_SHOWN). `said`: failures already printed, not printed again (`reverie watch`
    tries a failed file at each sweep)."""
    for failure in failed_lines(report):
        if said is None or failure not in said:
            print(visible(f"not imported: {failure}"), file=sys.stderr)
        if said is not None:
            said.add(failure)
    skipped = [problem for problem in report.problems if problem.path not in report.failed]
    for problem in skipped[:PROBLEMS_SHOWN]:
        print(visible(f"skipped {problem}"), file=sys.stderr)
    if len(skipped) > PROBLEMS_SHOWN:
        print(f"… and {len(skipped) - PROBLEMS_SHOWN} more skipped", file=sys.stderr)


def failed_lines(report: ImportReport) -> list[str]:
    """A failed file each: its path and its first problem (and how many more it had)."""
    lines = []
    for path, problems in report.failures():
        first = str(problems[0]) if problems else f"{path}: nothing importable"
        more = f" (and {plural(len(problems) - 1, 'more problem')})" if len(problems) > 1 else ""
        lines.append(first + more)
    return lines


def import_summary(report: ImportReport) -> str:
    parts = [
        f"{report.sessions_new} new sessions",
        f"{report.sessions_updated} updated",
        f"{report.messages:,} messages",
        f"from {report.files} files",
    ]
    if report.unchanged:
        parts.append(f"{report.unchanged} unchanged")
    if report.failed:
        parts.append(f"{len(report.failed)} failed (not imported; tried again next time)")
    # Lines skipped in files that were imported; a failed file's problems are its own line.
    skipped = sum(1 for problem in report.problems if problem.path not in report.failed)
    parts.append(f"{skipped} skipped")
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
        # One line that names every file that failed, and why.
        why = "; ".join(failed_lines(report)) or "; ".join(map(str, report.problems[:1]))
        raise UserError(
            f"nothing importable in {' '.join(args.paths)}" + (f": {why}" if why else "")
        )
    if args.json:
        print_json(report.to_json())
    else:
        print_problems(report)
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
