"""Asks whether a tool that writes or executes may run: allow once, for the session, or deny."""

from __future__ import annotations

import json

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from app.agent.loop import ToolCall
from app.agent.permissions import Decision
from app.terminal import visible

PREVIEW_LIMIT = 2000


def describe_call(call: ToolCall) -> str:
    """What the tool would do, as the user should read it before deciding."""
    if call.name == "run_command":
        return f"$ {call.input.get('command', '')}"
    if call.name == "write_file":
        content = str(call.input.get("content", ""))
        preview = content[:PREVIEW_LIMIT] + ("\n…" if len(content) > PREVIEW_LIMIT else "")
        return f"write {call.input.get('path', '?')} ({len(content)} characters):\n{preview}"
    return json.dumps(call.input, ensure_ascii=False, indent=2)


class PermissionScreen(ModalScreen[Decision]):
    """A modal with three answers; escape denies."""

    CSS_PATH = "permission_screen.tcss"
    BINDINGS = [
        Binding("y", "decide('once')", "Allow once"),
        Binding("a", "decide('session')", "Allow for session"),
        Binding("n,escape", "decide('deny')", "Deny"),
    ]

    def __init__(self, call: ToolCall) -> None:
        super().__init__()
        self.call = call

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label(Content(visible(f"Allow {self.call.name}?")), id="question")
            yield Static(Content(visible(describe_call(self.call))), id="details")
            with Horizontal(id="buttons"):
                yield Button("Allow once (y)", id="once", variant="primary")
                yield Button("Allow for session (a)", id="session")
                yield Button("Deny (n)", id="deny", variant="error")

    def on_mount(self) -> None:
        self.query_one("#deny", Button).focus()

    def action_decide(self, decision: str) -> None:
        """Close the modal with a decision."""
        self.dismiss(Decision(decision))

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        if event.button.id:
            self.dismiss(Decision(event.button.id))
