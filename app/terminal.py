"""Text headed for a terminal: control and invisible characters made visible, so a transcript
cannot move the cursor, retitle the window, clear the screen, reverse a line or shift a column."""

from __future__ import annotations

import re

from memory_graph.store.content import escaped, shown_controls

_ESCAPE_SEQUENCE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI: colours, cursor moves, clearing
    # OSC (window titles, clipboard, links), terminated: one left open would otherwise take
    # the rest of the output with it, so it is shown instead (^[]…).
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"
    r"|\x1b[()*+]."  # character set choices (`tput sgr0` ends with one)
    r"|\x1b[@-Z\\-_]"  # the two-character escapes
)


def visible(text: str) -> str:
    """`text` with every character a terminal would obey or not draw (`shown_controls`) made
    visible, except newline and tab: `^X` for the C0 controls, `\\x9b` or `\\u202e` for the rest."""
    return shown_controls(text, keep="\n\t", show=_caret)


def program_output(text: str) -> str:
    """What a program printed, as text to read: its colour and cursor sequences dropped (they
    format, they say nothing, and `ls --color` would otherwise fill the screen with `^[[0m`),
    any other control character made visible."""
    return visible(_ESCAPE_SEQUENCE.sub("", text))


def _caret(character: str) -> str:
    code = ord(character)
    return "^" + chr(code + 0x40) if code < 0x20 else escaped(character)


def one_line(value: object, limit: int = 120) -> str:
    """A single line of at most `limit` characters, whitespace folded."""
    text = visible(" ".join(str(value).split()))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def when(session_started: str, session_ended: str | None) -> str:
    """A session's last activity as `YYYY-MM-DD HH:MM`."""
    return (session_ended or session_started)[:16].replace("T", " ")


def plural(count: int, one: str, many: str | None = None) -> str:
    """`count` and the word that goes with it: "1 session", "3 sessions", "2 memories"."""
    return f"{count} {one if count == 1 else many or one + 's'}"
