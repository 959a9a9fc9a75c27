"""How the inbox and the memory browser present entries: group headers by kind, line width."""

from __future__ import annotations

from textual.content import Content

from memory_graph.memory.vocabulary import MemoryKind

LINE_WIDTH = 72
"""Characters of a statement shown on its line in a list."""


def group_title(kind: MemoryKind, count: int | None = None) -> Content:
    """The header of a group of entries of one kind, with how many when it is known."""
    title = kind.heading
    return Content.styled(title if count is None else f"{title} ({count})", "bold")
