"""The user's say over tools that write or execute: allow once, allow for the session, deny."""

from __future__ import annotations

from enum import StrEnum


class Decision(StrEnum):
    """An answer to a permission prompt."""

    ONCE = "once"
    SESSION = "session"
    DENY = "deny"


class SessionPermissions:
    """Tools the user allowed for the rest of one session; everything else is asked each time."""

    def __init__(self) -> None:
        self._allowed: set[str] = set()

    def allowed(self, tool: str) -> bool:
        """True when the user already allowed this tool for the session."""
        return tool in self._allowed

    def record(self, tool: str, decision: Decision) -> None:
        """Remember a decision that covers the rest of the session."""
        if decision is Decision.SESSION:
            self._allowed.add(tool)
