"""`reverie sync FILE`: the memory a new session in a project starts with, kept in another
agent's file (CLAUDE.md, AGENTS.md, an editor's rules) inside Reverie's managed block. Nothing
outside the block changes, and a file that is current is not written at all (a second run
leaves every byte, and the file's time, as they were)."""

from __future__ import annotations

import contextlib
import difflib
import os
import stat
import tempfile
from dataclasses import dataclass
from enum import StrEnum
from pathlib import Path

from app.errors import UserError
from app.integrations.managed_block import BrokenMarkers, with_block

ENCODING = "utf-8"
ERRORS = "surrogateescape"
"""Bytes that are not UTF-8 come back as they were."""


class SyncMode(StrEnum):
    """What `reverie sync` does with the file."""

    WRITE = "write"
    CHECK = "check"
    """Write nothing; exit 1 when the block is out of date (a pre-commit hook)."""
    DRY_RUN = "dry-run"
    """Write nothing; print the change as a unified diff."""


@dataclass(frozen=True)
class Plan:
    """A file as it is and as the block would leave it."""

    path: Path
    before: str | None
    """None: the file does not exist yet."""
    after: str

    @property
    def current(self) -> bool:
        """Whether the file already holds this block."""
        return self.before == self.after

    def diff(self) -> str:
        """The change as a unified diff ('' when there is none)."""
        name = str(self.path)
        lines = difflib.unified_diff(
            (self.before or "").splitlines(keepends=True),
            self.after.splitlines(keepends=True),
            fromfile=name if self.before is not None else "/dev/null",
            tofile=name,
        )
        return "".join(line if line.endswith("\n") else line + "\n" for line in lines)


def _read(path: Path) -> str | None:
    try:
        data = path.read_bytes()
    except FileNotFoundError:
        return None
    except IsADirectoryError:
        raise UserError(f"{path} is a folder, not a file") from None
    except OSError as error:
        raise UserError(f"cannot read {path}: {error.strerror or error}") from None
    return data.decode(ENCODING, ERRORS)


def plan(path: Path, body: str) -> Plan:
    """What writing `body` into the block of `path` would change. Raises UserError for a file
    that cannot be read or whose markers are broken."""
    if path.exists() and not path.is_file():
        raise UserError(f"{path} is not a regular file")
    before = _read(path)
    try:
        after = with_block(before or "", body)
    except BrokenMarkers as broken:
        raise UserError(f"{path} {broken}; fix its markers by hand (nothing was changed)") from None
    return Plan(path, before, after)


def _mode_for_new_file() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return 0o666 & ~umask


def write(plan: Plan) -> None:
    """Write the planned text: into a new file beside it, renamed over it, so a reader never
    sees half a file; the file keeps its mode (a new one gets the umask's)."""
    path = plan.path
    try:
        mode = stat.S_IMODE(path.stat().st_mode)
    except FileNotFoundError:
        mode = _mode_for_new_file()
    except OSError as error:
        raise UserError(f"cannot write {path}: {error.strerror or error}") from None
    target = path.resolve() if path.is_symlink() else path  # a link keeps pointing where it did
    try:
        fd, name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".reverie", dir=target.parent)
    except OSError as error:
        raise UserError(f"cannot write {path}: {error.strerror or error}") from None
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(plan.after.encode(ENCODING, ERRORS))
            handle.flush()
            os.fsync(handle.fileno())
        os.chmod(name, mode)
        os.replace(name, target)
    except BaseException as error:
        with contextlib.suppress(OSError):
            os.unlink(name)
        if isinstance(error, OSError):
            raise UserError(f"cannot write {path}: {error.strerror or error}") from None
        raise
