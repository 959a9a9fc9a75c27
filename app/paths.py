"""Where Reverie keeps its data: `--home`, then `REVERIE_HOME`, then the platform default."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import platformdirs

ASSETS = Path(__file__).resolve().parent.parent / "assets"
"""Shipped data beside the packages (the project installs editable: `make install`)."""
DEMO_HISTORY = ASSETS / "demo" / "history.jsonl"
HOME_ENV = "REVERIE_HOME"
CONFIG_NAME = "config.toml"


def resolve_home(explicit: str | Path | None = None, env: Mapping[str, str] | None = None) -> Path:
    """The home directory to use; nothing is created here."""
    env = os.environ if env is None else env
    if explicit:
        return Path(explicit).expanduser()
    if env.get(HOME_ENV):
        return Path(env[HOME_ENV]).expanduser()
    return Path(platformdirs.user_data_dir("reverie", appauthor=False))


def config_path(home: Path) -> Path:
    """The TOML config file inside a home."""
    return home / CONFIG_NAME
