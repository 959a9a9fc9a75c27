"""A turn observer for tests: what a surface would show, and answers to permission prompts;
and one turn of the agent in a new session, observed by it."""

from __future__ import annotations

from app.agent.loop import Agent, ToolCall, TurnObserver, TurnResult
from app.agent.permissions import Decision
from app.agent.tools import ToolOutcome
from app.config import Config
from memory_graph.store.records import Session
from memory_graph.store.session_log import SessionLog


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


async def turn(
    log: SessionLog, config: Config, message: str
) -> tuple[Session, TurnResult, Recorder]:
    """One turn saying `message` in a new session: the session, the result, what was shown."""
    session = await log.create_session()
    agent = Agent(log, config)
    observer = Recorder()
    result = await agent.run_turn(session.id, message, observer)
    return session, result, observer
