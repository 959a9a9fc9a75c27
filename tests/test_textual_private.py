"""The private Textual names Reverie relies on, still where it found them.

KeysFooter (app/tui/widgets/keys_footer.py) dims and lights the footer's keys in place: it
finds them as `textual.widgets._footer.FooterKey` and sets their `_disabled`, which their click
handler reads. Textual exports neither, so pyproject.toml pins the range tested; an upgrade that
moves them fails here rather than in front of the person.
"""

from __future__ import annotations

import inspect
from importlib.metadata import version

from textual.widget import Widget
from textual.widgets import Footer


def test_textual_is_in_the_pinned_range() -> None:
    major, minor = (int(part) for part in version("textual").split(".")[:2])
    assert (8, 2) <= (major, minor) < (9, 0)


def test_footer_keys_are_still_footer_key_with_a_disabled_flag() -> None:
    from textual.widgets._footer import FooterKey

    assert issubclass(FooterKey, Widget)
    assert "FooterKey(" in inspect.getsource(Footer.compose)
    key = FooterKey("a", "a", "Adopt", "adopt", disabled=True)
    assert key.action == "adopt" and key._disabled is True and key.has_class("-disabled")
    assert "self._disabled" in inspect.getsource(FooterKey.on_mouse_down)
