"""`reverie dream` and `reverie watch`: reviewing sessions now, or as transcripts arrive."""

from __future__ import annotations

import argparse
import asyncio
import signal
import sys
from pathlib import Path

from app.cli.output import print_json
from app.cli.parser import config_for
from app.cli.transcripts import import_summary, print_problems
from app.terminal import visible
from memory_graph.store.session_log import SessionLog
from memory_graph.transcripts.importer import ImportReport


async def dream_now(args: argparse.Namespace) -> int:
    from app.dream_model import DreamModel, dream_with
    from app.integrations.handed import refresh_after_change
    from app.progress import ProgressLine
    from dreamer.dream import dream

    config = config_for(args)
    use_model = config.dream_llm if args.llm is None else args.llm
    progress = ProgressLine(sys.stderr, "dreaming")
    model = (
        DreamModel(config, lambda text: print(f"dream: {text}", file=sys.stderr))
        if use_model
        else None
    )
    async with await SessionLog.open(config.home) as log:
        try:
            options = {"limit": args.limit, "progress": progress.update}
            summary = await (
                dream(log, inbox_page=config.inbox_page, **options)
                if model is None
                else dream_with(log, model, inbox_page=config.inbox_page, **options)
            )
        finally:
            progress.close()
            if model is not None:
                await model.close()
        await refresh_after_change(log, config.home)
    if args.json:
        print_json(summary.to_json())
    else:
        found = ", ".join(f"{count} {kind}" for kind, count in sorted(summary.proposals.items()))
        held = f"; held back: {summary.held_back} for later" if summary.held_back else ""
        print(
            f"dream {summary.dream_id}: reviewed {summary.sessions_reviewed} sessions in "
            f"{summary.seconds:.2f} s; proposed {found or 'nothing new'}{held}"
        )
    return 0


async def watch_drops(args: argparse.Namespace) -> int:
    from app.watcher import watch
    from dreamer.dream import DreamSummary

    config = config_for(args)
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)

    said: set[str] = set()  # failed files, tried at every sweep, are reported once

    def report(where: str, outcome: ImportReport) -> None:
        print_problems(outcome, said)
        if outcome.files:
            print(visible(f"{where}: {import_summary(outcome)}"), file=sys.stderr, flush=True)

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
