"""Headless surfaces of the agent: a turn printed to a terminal or as JSON."""

from __future__ import annotations

import json
from typing import TextIO

from app.agent.loop import ToolCall, TurnObserver
from app.agent.permissions import Decision
from app.agent.tools import ToolOutcome
from app.terminal import one_line, visible


class PrintingObserver(TurnObserver):
    """Streams the reply to `out` and tool activity and statuses to `err`. Tools that write or
    execute are allowed only when the user passed `--yes`."""

    def __init__(self, out: TextIO, err: TextIO, *, allow_tools: bool, quiet: bool) -> None:
        self.out = out
        self.err = err
        self.allow_tools = allow_tools
        self.quiet = quiet
        self._wrote_text = False

    async def text_delta(self, text: str) -> None:
        if not self.quiet:
            self.out.write(visible(text))
            self.out.flush()
            self._wrote_text = True

    def _end_line(self) -> None:
        if self._wrote_text:
            self.out.write("\n")
            self.out.flush()
            self._wrote_text = False

    async def tool_started(self, call: ToolCall) -> None:
        self._end_line()
        if not self.quiet:
            self.err.write(visible(f"→ {call.name} {one_line(json.dumps(call.input))}\n"))

    async def tool_finished(self, call: ToolCall, outcome: ToolOutcome) -> None:
        if not self.quiet:
            mark = "✗" if outcome.is_error else "✓"
            self.err.write(visible(f"{mark} {call.name}: {one_line(outcome.output)}\n"))

    async def status(self, text: str) -> None:
        if not self.quiet:
            self.err.write(visible(f"… {text}\n"))

    async def notice(self, text: str) -> None:
        self._end_line()

    async def ask_permission(self, call: ToolCall) -> Decision:
        if self.allow_tools:
            return Decision.ONCE
        if not self.quiet:
            self.err.write(f"denied {call.name}: pass --yes to allow tools that write or execute\n")
        return Decision.DENY

    def finish(self) -> None:
        """End the reply's line."""
        self._end_line()
