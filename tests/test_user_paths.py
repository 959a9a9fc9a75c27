"""Paths the user gives, wherever they come from: `~name` of an unknown user is one line (it
was a traceback: `Path.expanduser` raises RuntimeError), and nothing is created."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.processes import clean_environment

NOBODY = "~reverie-no-such-user"
"""A `~name` path of a user that does not exist."""
MESSAGE = f"reverie: cannot expand {NOBODY} in {NOBODY}/x: no such user"


def _run(cwd: Path, *argv: str, **env: str) -> tuple[int, str]:
    done = subprocess.run(
        [sys.executable, "-m", "app", *argv],
        capture_output=True,
        text=True,
        cwd=cwd,
        env=clean_environment(**env),
        timeout=60,
    )
    return done.returncode, done.stderr


@pytest.mark.parametrize(
    "argv",
    [
        ["--home", f"{NOBODY}/x", "sessions"],
        ["sessions", "--home", f"{NOBODY}/x"],
        ["demo", "--home", f"{NOBODY}/x"],
        ["--home", "home", "import", f"{NOBODY}/x"],
        ["--home", "home", "export", f"{NOBODY}/x"],
        ["--home", "home", "graph", "export", f"{NOBODY}/x"],
        ["--home", "home", "chat", "hello", "--workspace", f"{NOBODY}/x"],
        ["--home", "home", "recall", "--batch", f"{NOBODY}/x"],
    ],
)
def test_an_unknown_users_path_on_the_command_line_is_one_line(
    tmp_path: Path, argv: list[str]
) -> None:
    code, err = _run(tmp_path, *argv)
    assert (code, err.strip()) == (1, MESSAGE)
    assert list(tmp_path.iterdir()) == []


def test_an_unknown_users_home_in_the_environment_is_one_line(tmp_path: Path) -> None:
    code, err = _run(tmp_path, "sessions", REVERIE_HOME=f"{NOBODY}/x")
    assert (code, err.strip()) == (1, MESSAGE)
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("setting", ["workspace", "import_dir", "claude_projects"])
def test_an_unknown_users_path_in_the_config_file_is_one_line(tmp_path: Path, setting: str) -> None:
    home = tmp_path / "home"
    home.mkdir()
    (home / "config.toml").write_text(f'{setting} = "{NOBODY}/x"\n')
    code, err = _run(tmp_path, "--home", str(home), "sessions")
    assert (code, err.strip()) == (1, MESSAGE)
    assert [path.name for path in home.iterdir()] == ["config.toml"]


def test_a_known_home_is_still_expanded(tmp_path: Path) -> None:
    code, err = _run(tmp_path, "sessions", HOME=str(tmp_path), REVERIE_HOME="~/data")
    assert code == 0, err
    assert (tmp_path / "data" / "reverie.db").is_file()
