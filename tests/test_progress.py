"""The import progress line: drawn in place on a terminal, silent elsewhere."""

from __future__ import annotations

import io

from app.progress import ProgressLine


class FakeTerminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_progress_redraws_one_line_on_a_terminal_and_clears_it() -> None:
    terminal = FakeTerminal()
    progress = ProgressLine(terminal, "importing")
    progress.update(1, 4, "session.jsonl")
    progress.update(4, 4, "other.jsonl")
    progress.close()
    drawn = terminal.getvalue()
    assert drawn.count("\r") == 3 and "[######------------------] 1/4 session.jsonl" in drawn
    assert "[########################] 4/4 other.jsonl" in drawn and drawn.endswith("\r\x1b[K")


def test_progress_is_silent_when_not_a_terminal() -> None:
    piped = io.StringIO()
    progress = ProgressLine(piped, "importing")
    progress.update(1, 2, "a.jsonl")
    progress.close()
    assert piped.getvalue() == ""
