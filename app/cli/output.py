"""What commands share to print and write: JSON on standard output, and the file a command
writes to, checked before anything is read so a mistake costs nothing."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

from app.errors import UserError
from app.paths import user_path


def print_json(value: Any) -> None:
    print(json.dumps(value, ensure_ascii=False, indent=2))


def output_file(file: str, *, force: bool, check: Callable[[Path], None] | None = None) -> Path:
    """Where a command writes FILE: not a folder, and not an existing file unless --force.
    `check` refuses the path first for reasons of the command's own (a name it cannot use)."""
    path = user_path(file)
    if check is not None:
        check(path)
    if path.is_dir():
        raise UserError(f"{path} is a folder")
    if path.exists() and not force:
        raise UserError(f"{path} exists; pass --force to overwrite it")
    return path
