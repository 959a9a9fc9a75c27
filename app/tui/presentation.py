"""How the inbox and the memory browser present entries: group headers by kind, line width."""

from __future__ import annotations

from textual.content import Content

from memory_graph.memory.vocabulary import MemoryKind

LINE_WIDTH = 72
"""Characters of a statement shown on its line in a list."""


def group_title(group: str, count: int | None = None) -> Content:
    """The header of a group of entries, with how many when it is known: a kind's heading, or
    for the inbox's agents' suggestions, who suggested them (`InboxItem.group`)."""
    kinds = {kind.value: kind for kind in MemoryKind}
    title = kinds[group].heading if group in kinds else f"Suggested by {group}"
    return Content.styled(title if count is None else f"{title} ({count})", "bold")
