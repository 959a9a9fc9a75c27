"""Running `reverie` as a real process, with none of the developer's environment."""

from __future__ import annotations

import os
import sys
from pathlib import Path


def clean_environment(**extra: str) -> dict[str, str]:
    """The current environment without Anthropic or Reverie settings, plus `extra`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith(("ANTHROPIC_", "REVERIE_"))}
    return env | extra


def reverie(home: Path, *argv: str) -> list[str]:
    """The argument vector of `reverie --home HOME ARGV...` run from source."""
    return [sys.executable, "-m", "app", "--home", str(home), *argv]


def children() -> set[int]:
    """Process ids whose parent is this process (read from /proc, so Linux only)."""
    found = set()
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:  # it ended while we looked
            continue
        # The fields after the command name, which may itself hold spaces and parentheses.
        state, parent = stat.rsplit(")", 1)[1].split()[:2]
        if int(parent) == os.getpid() and state != "Z":
            found.add(int(entry.name))
    return found
