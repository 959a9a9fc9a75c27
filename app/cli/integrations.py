"""`reverie sync` and `reverie hook`: adopted memory handed to the agents people already use
(`app.integrations`)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from app.cli.parser import config_for
from app.errors import UserError
from app.integrations.sync import Plan, SyncMode, plan, write
from app.paths import user_path
from app.terminal import visible
from memory_graph.store.session_log import SessionLog


def _mode(args: argparse.Namespace) -> SyncMode:
    if args.check:
        return SyncMode.CHECK
    return SyncMode.DRY_RUN if args.dry_run else SyncMode.WRITE


def _project_folder(args: argparse.Namespace, path: Path) -> Path:
    """The folder whose project the block is for: --project, else the file's folder."""
    folder = user_path(args.project) if args.project else path.absolute().parent
    if not folder.is_dir():
        raise UserError(f"{args.project or folder}: no such folder")
    return folder


async def sync_file(args: argparse.Namespace) -> int:
    """`reverie sync FILE`: write the block, check it (--check) or show the change (--dry-run)."""
    from app.integrations.handed import handed_for
    from memory_graph.memory.projects import project_of

    path = user_path(args.file)
    mode = _mode(args)
    config = config_for(args)
    project = project_of(str(_project_folder(args, path)))
    async with await SessionLog.open(config.home) as log:
        handed = await handed_for(log, project, config)
    planned = plan(path, handed.text)
    return _apply(planned, mode, handed.shown)


def _apply(planned: Plan, mode: SyncMode, shown: int) -> int:
    name = visible(str(planned.path))
    if mode is SyncMode.DRY_RUN:
        sys.stdout.write(visible(planned.diff()))
        if planned.current:
            print(f"{name} is up to date", file=sys.stderr)
        return 0
    if mode is SyncMode.CHECK:
        if planned.current:
            return 0
        print(f"{name}: Reverie's block is out of date; run `reverie sync {name}`", file=sys.stderr)
        return 1
    if planned.current:
        print(f"{name} is up to date")
        return 0
    write(planned)
    print(f"{name}: wrote {shown} {'memory' if shown == 1 else 'memories'}")
    return 0


def answer_hook(args: argparse.Namespace) -> int:
    """`reverie hook claude-code` reached through the parser (`reverie` sends it straight to
    the hook: `app.launch`)."""
    from app.integrations.claude_code_hook import main, report

    return report(main(args.home))
