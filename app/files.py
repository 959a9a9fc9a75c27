"""Files Reverie writes for the user: readable by them alone, never left half-written."""

from __future__ import annotations

import contextlib
import os
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from app.errors import UserError


@contextlib.contextmanager
def private_file(path: Path) -> Iterator[TextIO]:
    """A file only its owner can read (0600), written beside `path` and renamed onto it at the
    end: an interrupted export never leaves half a file.

    The temporary file is a new one with a random name, created exclusively without following
    links (mkstemp: O_EXCL | O_NOFOLLOW, 0600), so nothing already there (a stale partial, a
    planted link) is ever written through or lends it its mode.
    """
    if path.exists() and not path.is_file():
        # Renaming onto a device or a pipe would replace it, not write to it.
        raise UserError(f"{path} is not a regular file")
    try:
        fd, name = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".partial", dir=path.parent)
    except OSError as error:
        raise UserError(f"cannot write {path}: {error.strerror or error}") from None
    partial = Path(name)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            yield handle
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
