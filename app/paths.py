"""Where Reverie keeps its data: `--home`, then `REVERIE_HOME`, then the platform default."""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path

import platformdirs

from app.errors import UserError

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


def project_at(folder: str | None) -> str | None:
    """The project of the folder a person (or an agent) named, else of the current folder;
    UserError when the named folder is not there."""
    # Imported here: only the commands that scope memory to a project need it.
    from memory_graph.memory.projects import project_of

    path = user_path(folder) if folder else Path.cwd()
    try:
        found = path.is_dir()
    except OSError as error:  # a name too long, a loop of links: not a folder either
        raise UserError(f"{folder}: not a folder ({error.strerror})") from None
    if folder and not found:
        raise UserError(f"{folder}: no such folder")
    return project_of(str(path))


@contextmanager
def demo_history() -> Iterator[Path]:
    """The demo history as a file on disk. It ships as data of the package `app.assets`, which
    is the repository's assets/ folder (pyproject.toml says why), so a wheel installed anywhere
    holds it, and so does an editable install."""
    # Imported here: it costs the command line's start ~20 ms, and only the demo reads data.
    from importlib.resources import as_file, files

    try:
        history = files("app.assets") / "demo" / "history.jsonl"
    except ModuleNotFoundError:
        raise UserError("the demo history is missing (app.assets); reinstall reverie") from None
    if not history.is_file():
        raise UserError(f"the demo history is missing ({history}); reinstall reverie")
    with as_file(history) as path:
        yield path
