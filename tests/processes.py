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
