"""Bridges the agent's turn to the chat screen's widgets."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from app.agent.loop import ToolCall, TurnObserver
from app.agent.permissions import Decision
from app.agent.tools import ToolOutcome
from app.tui.screens.permission_screen import PermissionScreen
from app.tui.widgets.conversation import Conversation
from app.tui.widgets.status_line import StatusLine
from memory_graph.store.records import Message

if TYPE_CHECKING:
    from memory_graph.memory.recall import Recalled


class ScreenObserver(TurnObserver):
    """Streams into the conversation pane, shows statuses, and asks permission in a modal."""

    def __init__(self, conversation: Conversation, status: StatusLine) -> None:
        self.conversation = conversation
        self.status_line = status

    async def reply_started(self) -> None:
        self.status_line.activity = "waiting for the model…"
        await self.conversation.start_reply()

    async def text_delta(self, text: str) -> None:
        self.status_line.activity = "streaming…"
        await self.conversation.write(text)

    async def reply_finished(self, message: Message) -> None:
        await self.conversation.end_reply(interrupted=message.interrupted)

    async def tool_started(self, call: ToolCall) -> None:
        self.status_line.activity = f"running {call.name}…"
        await self.conversation.add_tool(call.id, call.name, call.input)

    async def tool_finished(self, call: ToolCall, outcome: ToolOutcome) -> None:
        self.conversation.set_tool_result(
            call.id, outcome.output, outcome.is_error, outcome.exit_code
        )

    async def recalled(self, recalled: Recalled) -> None:
        await self.conversation.add_recalled([*recalled.standing, *recalled.hits])

    async def status(self, text: str) -> None:
        self.status_line.activity = text

    async def notice(self, text: str) -> None:
        await self.conversation.end_reply(interrupted=False)
        await self.conversation.add_notice(text, error=True)

    async def ask_permission(self, call: ToolCall) -> Decision:
        self.status_line.activity = f"asking to run {call.name}…"
        answer: asyncio.Future[Decision] = asyncio.get_running_loop().create_future()

        def decided(decision: Decision | None) -> None:
            if not answer.done():
                answer.set_result(decision or Decision.DENY)

        self.conversation.app.push_screen(PermissionScreen(call), callback=decided)
        return await answer
