"""How the inbox and the memory browser present entries: group headers by kind, line width."""

from __future__ import annotations

from textual.content import Content

GROUP_TITLES = {
    "workflow": "Workflows",
    "failure": "Failures",
    "fix": "Fixes",
    "preference": "Preferences",
    "fact": "Facts",
    "pattern": "Patterns",
    "topic": "Topics",
    "entity": "Entities",
}
LINE_WIDTH = 72
"""Characters of a statement shown on its line in a list."""


def group_title(kind: str, count: int | None = None) -> Content:
    """The header of a group of entries of one kind, with how many when it is known."""
    title = GROUP_TITLES.get(kind, kind.capitalize())
    return Content.styled(title if count is None else f"{title} ({count})", "bold")
