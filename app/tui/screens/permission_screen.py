"""Asks whether a tool that writes or executes may run: allow once, for the session, or deny.

What would run is shown whole, however long: a command can hide `curl … | sh` after eighty
blank lines. So the dialog says how many lines there are, numbers each one, marks each newline,
scrolls, and says while part of it is out of sight.
"""

from __future__ import annotations

import json

from textual import events, on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Horizontal, Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Button, Label, Static

from app.agent.loop import ToolCall
from app.agent.permissions import Decision
from app.terminal import plural, visible

SHOWN_LIMIT = 131_072
"""Characters of a command or a file's content shown: the longest argument Linux passes to a
program (MAX_ARG_STRLEN), so any command that could run is shown whole."""
NEWLINE_MARK = "↵"


def describe_call(call: ToolCall) -> tuple[str, str]:
    """What the tool would do: a line saying what and how long, and the text to read whole."""
    if call.name == "run_command":
        command = str(call.input.get("command", ""))
        return f"run a command of {_size(command)}:", command
    if call.name == "write_file":
        content = str(call.input.get("content", ""))
        return f"write {call.input.get('path', '?')}, {_size(content)}:", content
    return "with these arguments:", json.dumps(call.input, ensure_ascii=False, indent=2)


def _size(text: str) -> str:
    lines = text.count("\n") + 1
    return f"{plural(lines, 'line')} ({len(text)} characters)"


def numbered(text: str) -> Content:
    """Every line numbered and every newline marked, so blank lines cannot push anything out of
    sight unnoticed; control characters shown, not obeyed."""
    lines = text[:SHOWN_LIMIT].split("\n")
    width = len(str(len(lines)))
    rows = [
        Content.assemble(
            (f"{number:>{width}} ", "dim"),
            visible(line),
            (NEWLINE_MARK if number < len(lines) else "", "dim"),
        )
        for number, line in enumerate(lines, start=1)
    ]
    if len(text) > SHOWN_LIMIT:
        rows.append(Content.styled(f"[{len(text) - SHOWN_LIMIT} more characters]", "bold"))
    return Content("\n").join(rows)


def scroll_hint(above: bool, below: bool) -> str:
    """Where the rest of the text is and which keys reach it ("" when it all shows)."""
    if above and below:
        return "▲▼ more above and below (↑ ↓ PgUp PgDn Home End, wheel)"
    if below:
        return "▼ more below: read it all before allowing (↓ PgDn End, wheel)"
    if above:
        return "▲ this is the end; more above (↑ PgUp Home, wheel)"
    return ""


class PermissionScreen(ModalScreen[Decision]):
    """A modal with three answers; escape denies."""

    CSS_PATH = "permission_screen.tcss"
    BINDINGS = [
        Binding("y", "decide('once')", "Allow once"),
        Binding("a", "decide('session')", "Allow for session"),
        Binding("n,escape", "decide('deny')", "Deny"),
        # The buttons keep the focus; these keys scroll what would run.
        Binding("up", "scroll('up')", show=False),
        Binding("down", "scroll('down')", show=False),
        Binding("pageup", "scroll('page_up')", show=False),
        Binding("pagedown", "scroll('page_down')", show=False),
        Binding("home", "scroll('home')", show=False),
        Binding("end", "scroll('end')", show=False),
    ]

    def __init__(self, call: ToolCall) -> None:
        super().__init__()
        self.call = call

    def compose(self) -> ComposeResult:
        summary, body = describe_call(self.call)
        with Vertical(id="dialog"):
            yield Label(Content(visible(f"Allow {self.call.name}?")), id="question")
            yield Label(Content(visible(summary)), id="summary")
            with VerticalScroll(id="details"):
                yield Static(numbered(body), id="body")
            yield Label("", id="scroll-hint")
            with Horizontal(id="buttons"):
                yield Button("Allow once (y)", id="once", variant="primary")
                yield Button("Allow for session (a)", id="session")
                yield Button("Deny (n)", id="deny", variant="error")

    @property
    def details(self) -> VerticalScroll:
        """The scrolling view of what would run."""
        return self.query_one("#details", VerticalScroll)

    def on_mount(self) -> None:
        self.query_one("#deny", Button).focus()
        # Scrolling, and a layout that changes how much fits, both move the hint.
        self.watch(self.details, "scroll_y", self._update_hint)
        self.watch(self.details, "virtual_size", self._update_hint)

    def on_resize(self, _: events.Resize) -> None:
        self.call_after_refresh(self._update_hint)

    def _update_hint(self) -> None:
        details = self.details
        hint = scroll_hint(details.scroll_y > 0, details.scroll_y < details.max_scroll_y)
        label = self.query_one("#scroll-hint", Label)
        label.update(hint)
        label.display = bool(hint)

    def action_scroll(self, where: str) -> None:
        """Scroll what would run: up, down, page_up, page_down, home or end."""
        getattr(self.details, f"scroll_{where}")(animate=False)

    def action_decide(self, decision: str) -> None:
        """Close the modal with a decision."""
        self.dismiss(Decision(decision))

    @on(Button.Pressed)
    def _pressed(self, event: Button.Pressed) -> None:
        if event.button.id:
            self.dismiss(Decision(event.button.id))
