"""Where Reverie keeps its data: `--home`, then `REVERIE_HOME`, then the platform default."""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import platformdirs

from app.errors import UserError

ASSETS = Path(__file__).resolve().parent.parent / "assets"
"""Shipped data beside the packages (the project installs editable: `make install`)."""
DEMO_HISTORY = ASSETS / "demo" / "history.jsonl"
HOME_ENV = "REVERIE_HOME"
CONFIG_NAME = "config.toml"


def resolve_home(explicit: str | Path | None = None, env: Mapping[str, str] | None = None) -> Path:
    """The home directory to use; nothing is created here."""
    env = os.environ if env is None else env
    if explicit:
        return user_path(explicit)
    if env.get(HOME_ENV):
        return user_path(env[HOME_ENV])
    return Path(platformdirs.user_data_dir("reverie", appauthor=False))


def config_path(home: Path) -> Path:
    """The TOML config file inside a home."""
    return home / CONFIG_NAME


def user_path(value: str | Path) -> Path:
    """A path the user gave (a flag, the environment, the config file) with `~` and `~name`
    expanded; the one place that expands them, so an unknown user is one line, not a traceback
    (`Path.expanduser` raises RuntimeError for it)."""
    path = Path(value)
    try:
        return path.expanduser()
    except RuntimeError:
        raise UserError(f"cannot expand {path.parts[0]} in {value}: no such user") from None
