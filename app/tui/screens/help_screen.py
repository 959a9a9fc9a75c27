"""Help: every screen's keys, read from the screens' own bindings (so the list never drifts from
what the keys do), and a paragraph each on what the inbox, dreams and memory are. F1 opens it
from anywhere, `?` wherever no text box has the focus; escape closes it."""

from __future__ import annotations

import inspect
from collections.abc import Callable, Sequence
from dataclasses import dataclass

from textual.app import ComposeResult
from textual.binding import Binding, BindingType
from textual.containers import Vertical, VerticalScroll
from textual.content import Content
from textual.screen import ModalScreen
from textual.widgets import Label, Static


@dataclass(frozen=True)
class KeySection:
    """The keys of one screen (or of every screen): its heading, the bindings they come from
    (a screen's BINDINGS), the class whose `action_…` docstrings say more, and a note for what
    no binding says (Tab reaching folded tool calls)."""

    heading: str
    bindings: Sequence[BindingType]
    actions: type | None = None
    note: str = ""


INBOX = (
    "The inbox (ctrl+r) holds what the dreamer proposes to remember: preferences and "
    "corrections, facts about you and your projects, failures with what fixed them, workflows. "
    "Nothing enters memory until you adopt it. Each proposal shows the sessions that back it; "
    "a adopts, r rejects, e lets you reword it first, space selects several for one bulk "
    "decision, and u undoes the newest decision (a bulk one all at once)."
)
DREAMS = (
    "A dream reviews the sessions that changed since the last one and proposes memories from "
    "what you said and what the world answered (errors, exit codes, fixes), never from what an "
    "assistant repeated. Reverie dreams on its own after a while without a keypress (any key "
    "pauses it), `reverie watch` dreams on a schedule, and ctrl+p → Dream now dreams at once. "
    "The status line shows its progress."
)
MEMORY = (
    "Memory (ctrl+g) is what you adopted: each memory with the sessions that justify it and "
    "the memories related to it. Preferences and facts about you come with every turn; the "
    "rest is recalled when a turn is about it, and each turn shows what it recalled. x retires "
    "a memory, p sets where it applies, u undoes."
)


def key_lines(section: KeySection, key_display: Callable[[Binding], str]) -> list[Content]:
    """One line per action: its keys (written by `key_display`, the footer's way), what the
    binding calls it, and the first sentence of the action's docstring."""
    keys: dict[str, list[str]] = {}
    described: dict[str, str] = {}
    for binding in Binding.make_bindings(section.bindings):
        if not binding.description:
            continue
        keys.setdefault(binding.action, []).append(key_display(binding))
        described.setdefault(binding.action, binding.description)
    width = max((len(" / ".join(shown)) for shown in keys.values()), default=0)
    lines = []
    for action, shown in keys.items():
        more = _explained(section.actions, action)
        line = Content.assemble(
            (" / ".join(shown).ljust(width), "bold $accent"),
            "  ",
            described[action],
            *((("  " + more, "dim"),) if more else ()),
        )
        lines.append(line)
    if section.note:
        lines.append(Content.styled(section.note, "italic"))
    return lines


def _explained(owner: type | None, action: str) -> str:
    """The first sentence of `owner.action_<name>`'s docstring: what the key does."""
    if owner is None:
        return ""
    method = getattr(owner, f"action_{action.split('(', 1)[0]}", None)
    # Textual's own actions (quit, the palette) explain themselves to developers, not here.
    ours = getattr(method, "__module__", "").startswith("app.")
    doc = inspect.getdoc(method) if ours else None
    if not doc:
        return ""
    first = " ".join(doc.split())
    end = first.find(". ")
    return first if end < 0 else first[: end + 1]


class HelpScreen(ModalScreen[None]):
    """Keys and concepts, over whatever screen was open."""

    CSS_PATH = "help_screen.tcss"
    BINDINGS = [
        Binding("escape,question_mark", "close", "Close"),
    ]

    def __init__(self, sections: Sequence[KeySection]) -> None:
        super().__init__()
        self.sections = sections

    def compose(self) -> ComposeResult:
        with Vertical(id="help"):
            yield Label("Reverie: keys and ideas  (escape closes)", id="help-title")
            with VerticalScroll(id="help-body"):
                for heading, text in (("Inbox", INBOX), ("Dreams", DREAMS), ("Memory", MEMORY)):
                    yield Static(Content.styled(heading, "bold"), classes="help-heading")
                    yield Static(Content(text), classes="help-paragraph")
                for section in self.sections:
                    yield Static(Content.styled(section.heading, "bold"), classes="help-heading")
                    lines = key_lines(section, self.app.get_key_display)
                    yield Static(Content("\n").join(lines), classes="help-keys")

    def on_mount(self) -> None:
        # The arrows, PgUp/PgDn, Home and End scroll it.
        self.query_one("#help-body").focus()

    def action_close(self) -> None:
        """Close the help."""
        self.dismiss()
