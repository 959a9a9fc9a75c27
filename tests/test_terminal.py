"""Text for terminals: control characters shown, never obeyed."""

from __future__ import annotations

from app.config import Config
from app.terminal import visible
from app.tui.widgets.status_line import connection_label


def test_control_characters_are_made_visible() -> None:
    hostile = "title\x1b]0;PWNED\x07\x1b[2J end\x9b\x00"
    shown = visible(hostile)
    assert "\x1b" not in shown and "\x07" not in shown and "\x9b" not in shown
    assert shown == "title^[]0;PWNED^G^[[2J end\\x9b^@"
    assert visible("line one\n\tline two") == "line one\n\tline two"


def test_the_status_line_never_shows_credentials_in_a_url(tmp_path) -> None:  # type: ignore[no-untyped-def]
    config = Config(home=tmp_path, base_url="https://alice:s3cr3t@gateway.example:8443/v1")
    label, connected = connection_label(config)
    assert connected and label == "endpoint gateway.example:8443"
