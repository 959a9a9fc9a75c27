"""A turn observer for tests: what a surface would show, and answers to permission prompts."""

from __future__ import annotations

from app.agent.loop import ToolCall, TurnObserver
from app.agent.permissions import Decision
from app.agent.tools import ToolOutcome


class Recorder(TurnObserver):
    """Collects what a surface would show, and answers permission prompts from a list."""

    def __init__(self, decisions: list[Decision] | None = None) -> None:
        self.deltas: list[str] = []
        self.statuses: list[str] = []
        self.notices: list[str] = []
        self.tools: list[tuple[ToolCall, ToolOutcome]] = []
        self.asked: list[ToolCall] = []
        self.decisions = list(decisions or [])

    async def text_delta(self, text: str) -> None:
        self.deltas.append(text)

    async def status(self, text: str) -> None:
        self.statuses.append(text)

    async def notice(self, text: str) -> None:
        self.notices.append(text)

    async def tool_finished(self, call: ToolCall, outcome: ToolOutcome) -> None:
        self.tools.append((call, outcome))

    async def ask_permission(self, call: ToolCall) -> Decision:
        self.asked.append(call)
        return self.decisions.pop(0) if self.decisions else Decision.DENY
