"""Files Reverie writes for the user: readable by them alone, never left half-written."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from pathlib import Path
from typing import TextIO

from app.errors import UserError


@contextlib.contextmanager
def private_file(path: Path) -> Iterator[TextIO]:
    """A file only its owner can read (0600), written beside `path` and renamed onto it at the
    end: an interrupted export never leaves half a file."""
    partial = path.with_name(f".{path.name}.partial")
    try:
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    except OSError as error:
        raise UserError(f"cannot write {path}: {error.strerror or error}") from None
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            yield handle
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise
