"""Edit the statement of a memory before adopting it: enter adopts, escape cancels."""

from __future__ import annotations

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.containers import Vertical
from textual.screen import ModalScreen
from textual.widgets import Input, Label


class EditScreen(ModalScreen[str | None]):
    """A one-line editor for a memory's statement; dismissed with the text, or None."""

    CSS_PATH = "edit_screen.tcss"
    BINDINGS = [Binding("escape", "cancel", "Cancel")]

    def __init__(self, statement: str) -> None:
        super().__init__()
        self.statement = statement

    def compose(self) -> ComposeResult:
        with Vertical(id="dialog"):
            yield Label("Edit the memory, then enter adopts it (escape cancels):")
            yield Input(self.statement, id="statement")

    def on_mount(self) -> None:
        self.query_one("#statement", Input).focus()

    @on(Input.Submitted, "#statement")
    def _submitted(self, event: Input.Submitted) -> None:
        text = event.value.strip()
        if text:
            self.dismiss(text)
        else:
            self.notify("A memory needs a statement.", severity="warning", markup=False)

    def action_cancel(self) -> None:
        """Close without adopting."""
        self.dismiss(None)
