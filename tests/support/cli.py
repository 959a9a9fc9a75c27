"""Running the command line in-process, as a person would type it."""

from __future__ import annotations

import pytest

from app.cli import main


def run_cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """The exit code and what was printed to stdout and stderr."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err
