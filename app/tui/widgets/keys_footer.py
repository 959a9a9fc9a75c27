"""A footer that follows keys turning on and off without rebuilding itself."""

from __future__ import annotations

from textual.screen import Screen
from textual.widgets import Footer
from textual.widgets._footer import FooterKey


class KeysFooter(Footer):
    """Textual's footer rebuilds all its keys whenever a binding's availability changes (tens
    of milliseconds: every key is a widget, mounted and styled anew). Screens whose keys stay
    listed and only turn on and off (`check_action` answering None, not False) get the same
    keys dimmed or lit in place, within the frame that shows the change."""

    def bindings_changed(self, screen: Screen[object]) -> None:
        keys = [key for key in self.query(FooterKey) if not key.has_class("-command-palette")]
        shown = [
            (binding.action, enabled)
            for _, binding, enabled, _ in screen.active_bindings.values()
            if binding.show
        ]
        if not keys or [key.action for key in keys] != [action for action, _ in shown]:
            super().bindings_changed(screen)
            return
        for key, (_, enabled) in zip(keys, shown, strict=True):
            # FooterKey reads _disabled on a click (a bell instead of the action).
            key._disabled = not enabled
            key.set_class(not enabled, "-disabled")
