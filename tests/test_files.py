"""Exports are written through a new private temporary file: whatever was planted or left
beside the target is never written through, and a failed export leaves nothing behind."""

from __future__ import annotations

import os
import stat
import subprocess
from pathlib import Path

import pytest

from app.errors import UserError
from app.files import private_file
from tests.support.processes import clean_environment, reverie

EXPORTS = [("export", "out.jsonl"), ("graph export", "out.graphml")]


def _export(home: Path, command: str, target: Path, *flags: str) -> tuple[int, str]:
    done = subprocess.run(
        reverie(home, *command.split(), str(target), *flags),
        capture_output=True,
        text=True,
        env=clean_environment(),
        timeout=60,
    )
    return done.returncode, done.stderr


@pytest.mark.parametrize(("command", "name"), EXPORTS)
def test_a_planted_partial_link_is_left_alone_and_its_victim_unchanged(
    home: Path, tmp_path: Path, command: str, name: str
) -> None:
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    planted = tmp_path / f".{name}.partial"
    planted.symlink_to(victim)
    code, err = _export(home, command, tmp_path / name)
    assert code == 0, err
    assert victim.read_text() == "precious\n"
    assert planted.is_symlink() and os.readlink(planted) == str(victim)
    assert stat.S_IMODE((tmp_path / name).lstat().st_mode) == 0o600


@pytest.mark.parametrize(("command", "name"), EXPORTS)
def test_a_stale_world_writable_partial_does_not_lend_its_mode(
    home: Path, tmp_path: Path, command: str, name: str
) -> None:
    stale = tmp_path / f".{name}.partial"
    stale.write_text("left by an interrupted run\n")
    stale.chmod(0o666)
    code, err = _export(home, command, tmp_path / name)
    assert code == 0, err
    assert stat.S_IMODE((tmp_path / name).stat().st_mode) == 0o600
    assert stale.read_text() == "left by an interrupted run\n"


def test_an_export_does_not_replace_what_is_not_a_file(home: Path, tmp_path: Path) -> None:
    """`--force` onto a pipe or a device (as root it replaced /dev/full) is refused."""
    pipe = tmp_path / "pipe"
    os.mkfifo(pipe)
    code, err = _export(home, "export", pipe, "--force")
    assert code == 1 and err.strip() == f"reverie: {pipe} is not a regular file"
    assert stat.S_ISFIFO(pipe.lstat().st_mode)
    assert sorted(path.name for path in tmp_path.iterdir()) == ["home", "pipe"]


def test_a_failed_write_leaves_neither_target_nor_partial(tmp_path: Path) -> None:
    target = tmp_path / "out.jsonl"
    with pytest.raises(KeyboardInterrupt), private_file(target) as handle:
        handle.write("half of it")
        raise KeyboardInterrupt
    assert list(tmp_path.iterdir()) == []


def test_a_missing_folder_is_one_line(tmp_path: Path) -> None:
    with (
        pytest.raises(UserError, match="No such file or directory"),
        private_file(tmp_path / "nowhere" / "out.jsonl"),
    ):
        pass
