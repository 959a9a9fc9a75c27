"""An assistant reply, rendered as Markdown. Its own module: the Markdown parser is imported
with the first reply, not on the way to the TUI's first frame."""

from __future__ import annotations

from textual.widgets import Markdown


class Reply(Markdown):
    """An assistant reply rendered as Markdown."""

    DEFAULT_CSS = """
    Reply {
        margin: 1 0 0 0;
    }
    Reply.interrupted {
        border-left: thick $warning;
    }
    """
