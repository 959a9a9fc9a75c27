"""A list beside the detail of its highlighted entry: the inbox and the memory browser."""

from __future__ import annotations

from textual.app import ComposeResult
from textual.containers import Horizontal, VerticalScroll
from textual.content import Content
from textual.widgets import OptionList, Static

from app.terminal import visible
from memory_graph.memory.evidence import Evidence


class ListDetail(Horizontal):
    """An OptionList on the left and, on the right, a scrolling text about its highlight."""

    DEFAULT_CSS = """
    ListDetail > OptionList {
        width: 1fr;
        height: 1fr;
    }
    ListDetail > VerticalScroll {
        width: 1fr;
        height: 1fr;
        padding: 0 1;
        border-left: solid $primary 40%;
    }
    """

    def compose(self) -> ComposeResult:
        yield OptionList()
        with VerticalScroll():
            yield Static("")

    @property
    def listing(self) -> OptionList:
        """The list."""
        return self.query_one(OptionList)

    @property
    def detail(self) -> Static:
        """The text about the highlighted entry."""
        return self.query_one(Static)

    def highlighted_id(self) -> int | None:
        """The id of the highlighted entry (group headers have none)."""
        option = self.listing.highlighted_option
        return int(option.id) if option and option.id else None

    def highlight(self, keep: str | None, near: int = 0) -> None:
        """Highlight the entry `keep` (an option id) if it is still listed, else the entry
        nearest `near` at or after it (the next one takes the place of one decided)."""
        listing = self.listing
        ids = [option.id for option in listing.options]
        if keep is not None and keep in ids:
            listing.highlighted = ids.index(keep)
            return
        enabled = [i for i, option in enumerate(listing.options) if not option.disabled]
        listing.highlighted = (
            min(enabled, key=lambda i: (i < near, abs(i - near))) if enabled else None
        )


def evidence_lines(evidence: list[Evidence]) -> list[Content]:
    """One line per piece of evidence: where it is, then the excerpt it points at (as text)."""
    lines = []
    for item in evidence:
        where = f"session {item.session_id}"
        if item.session_external_id:
            where += f" ({item.session_external_id})"
        lines.append(Content.assemble((visible(where), "dim"), f"  {visible(item.excerpt or '')}"))
    return lines
