"""A one-line progress bar on a terminal's stderr; silent when stderr is not a terminal."""

from __future__ import annotations

from typing import TextIO

from app.terminal import visible

BAR_WIDTH = 24


class ProgressLine:
    """Redraws one line in place (carriage return); `close` ends it."""

    def __init__(self, stream: TextIO, label: str) -> None:
        self.stream = stream
        self.label = label
        self.enabled = stream.isatty()
        self._drawn = False

    def update(self, done: int, total: int, detail: str = "") -> None:
        """Show `done` of `total`, with a short detail (the current file)."""
        if not self.enabled or total == 0:
            return
        filled = BAR_WIDTH * done // total
        bar = "#" * filled + "-" * (BAR_WIDTH - filled)
        name = visible(detail if len(detail) <= 40 else "…" + detail[-39:])
        self.stream.write(f"\r{self.label} [{bar}] {done}/{total} {name}\x1b[K")
        self.stream.flush()
        self._drawn = True

    def close(self) -> None:
        """Clear the line so the summary prints cleanly."""
        if self._drawn:
            self.stream.write("\r\x1b[K")
            self.stream.flush()
            self._drawn = False
