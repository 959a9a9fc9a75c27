"""`reverie` (or `reverie tui`) and `reverie demo`: the terminal app, on a home of one's own or
on a fresh one holding the demo history."""

from __future__ import annotations

import argparse
import asyncio
import sys
import tempfile
from pathlib import Path

from app.cli.parser import config_for
from app.config import Config, load_config
from app.errors import UserError
from app.paths import demo_history, user_path
from memory_graph.store.session_log import SessionLog
from memory_graph.transcripts.importer import import_paths


def _run_tui(config: Config, inbox_first: bool = False) -> int:
    from app.tui.app import ReverieApp

    ReverieApp(config, inbox_first=inbox_first).run()
    return 0


def tui(args: argparse.Namespace) -> int:
    config = config_for(args)
    # Open once here so a bad home fails with one line before the screen takes over.
    asyncio.run(_check_log(config.home))
    return _run_tui(config)


def demo(args: argparse.Namespace) -> int:
    # A newcomer lands on what the dreamer found: the first memory is one keypress away.
    config = prepare_demo(args)
    code = _run_tui(config, inbox_first=True)
    # Each run makes a home of its own (a temporary folder unless --home): say how to go back.
    print(f"the demo's home stays in {config.home}: {_reopen(config.home)}", file=sys.stderr)
    return code


def _reopen(home: Path) -> str:
    return f"`reverie --home {home}` opens it again"


def prepare_demo(args: argparse.Namespace) -> Config:
    """A home for the demo: the demo history (shipped in `app.assets`) imported and dreamt."""
    home = user_path(args.home) if args.home else None
    if home is not None and home.exists():
        if not home.is_dir():
            raise UserError(f"{home} is not a folder")
        if not args.keep and any(home.iterdir()):
            raise UserError(f"{home} is not empty; the demo needs a fresh home (or pass --keep)")
    home = home or Path(tempfile.mkdtemp(prefix="reverie-demo-"))
    with demo_history() as history:
        print(f"demo home: {home} ({_reopen(home)})", file=sys.stderr)
        config = load_config(home, overrides={"model": args.model})
        asyncio.run(_load_demo(config, history))
    return config


async def _load_demo(config: Config, history: Path) -> None:
    from dreamer.dream import dream

    async with await SessionLog.open(config.home) as log:
        await import_paths(log, [history])
        summary = await dream(log, trigger="demo", inbox_page=config.inbox_page)
    proposed = sum(summary.proposals.values())
    print(
        f"demo: {summary.sessions_reviewed} sessions dreamt, {proposed} proposals", file=sys.stderr
    )


async def _check_log(home: Path) -> None:
    log = await SessionLog.open(home)
    await log.close()
