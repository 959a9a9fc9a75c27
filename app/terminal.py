"""Text headed for a terminal: control characters made visible, so a transcript cannot move the
cursor, retitle the window or clear the screen."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")
_ESCAPE_SEQUENCE = re.compile(
    r"\x1b\[[0-?]*[ -/]*[@-~]"  # CSI: colours, cursor moves, clearing
    # OSC (window titles, clipboard, links), terminated: one left open would otherwise take
    # the rest of the output with it, so it is shown instead (^[]…).
    r"|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)"
    r"|\x1b[()*+]."  # character set choices (`tput sgr0` ends with one)
    r"|\x1b[@-Z\\-_]"  # the two-character escapes
)


def visible(text: str) -> str:
    """`text` with every control character except newline and tab shown as `^X` or `\\xNN`."""
    return _CONTROL.sub(_show, text)


def program_output(text: str) -> str:
    """What a program printed, as text to read: its colour and cursor sequences dropped (they
    format, they say nothing, and `ls --color` would otherwise fill the screen with `^[[0m`),
    any other control character made visible."""
    return visible(_ESCAPE_SEQUENCE.sub("", text))


def _show(match: re.Match[str]) -> str:
    code = ord(match.group())
    if code < 0x20:
        return "^" + chr(code + 0x40)
    return f"\\x{code:02x}"


def one_line(value: object, limit: int = 120) -> str:
    """A single line of at most `limit` characters, whitespace folded."""
    text = visible(" ".join(str(value).split()))
    return text if len(text) <= limit else text[: limit - 1] + "…"


def when(session_started: str, session_ended: str | None) -> str:
    """A session's last activity as `YYYY-MM-DD HH:MM`."""
    return (session_ended or session_started)[:16].replace("T", " ")
