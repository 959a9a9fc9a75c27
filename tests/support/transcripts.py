"""Transcript lines written by hand, as the importers read them."""

from __future__ import annotations

import json
from typing import Any


def json_line(**fields: Any) -> str:
    """One JSON Lines line holding these fields."""
    return json.dumps(fields) + "\n"


def claude_line(session: str, uuid: str, kind: str, content: Any, **extra: Any) -> str:
    """One line of a Claude Code transcript: a `kind` ("user", "assistant") message."""
    role = "assistant" if kind == "assistant" else "user"
    return json_line(
        type=kind,
        sessionId=session,
        uuid=uuid,
        timestamp=f"2026-03-01T10:00:{len(uuid) % 60:02d}.000Z",
        message={"role": role, "content": content},
        **extra,
    )
