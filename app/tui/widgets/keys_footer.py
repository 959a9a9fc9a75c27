"""A footer that follows keys turning on and off without rebuilding itself."""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer

# Textual exports neither FooterKey nor a way to turn one on or off in place: FooterKey and its
# `_disabled` are the only private Textual names Reverie uses. pyproject.toml pins the tested
# range of Textual, and tests/test_textual_private.py fails when an upgrade moves them.
from textual.widgets._footer import FooterKey

__all__ = ["FooterKey", "KeysFooter"]


class KeysFooter(Footer):
    """Textual's footer rebuilds all its keys whenever a binding's availability changes (tens
    of milliseconds: every key is a widget, mounted and styled anew). Screens whose keys stay
    listed and only turn on and off (`check_action` answering None, not False) get the same
    keys dimmed or lit in place, within the frame that shows the change. Compact: at 80
    columns every screen's keys fit, Quit and Help included."""

    def __init__(self, *, show_command_palette: bool = True) -> None:
        super().__init__(compact=True, show_command_palette=show_command_palette)

    def bindings_changed(self, screen: Screen[object]) -> None:
        keys = [key for key in self.query(FooterKey) if not key.has_class("-command-palette")]
        # One key per action, its first binding's, as the footer composes them.
        shown: dict[str, bool] = {}
        for _, binding, enabled, _ in screen.active_bindings.values():
            if binding.show:
                shown.setdefault(binding.action, enabled)
        if not keys or [key.action for key in keys] != list(shown):
            super().bindings_changed(screen)
            return
        for key, enabled in zip(keys, shown.values(), strict=True):
            # FooterKey reads _disabled on a click (a bell instead of the action).
            key._disabled = not enabled
            key.set_class(not enabled, "-disabled")
