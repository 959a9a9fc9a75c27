"""Text for terminals: control characters shown, never obeyed."""

from __future__ import annotations

from app.config import Config
from app.terminal import program_output, visible
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


def test_program_output_drops_formatting_and_shows_the_rest() -> None:
    coloured = "\x1b[1;32mPASSED\x1b(B\x1b[m 3 tests\x1b]0;done\x07\n\ttotal\x08"
    assert program_output(coloured) == "PASSED 3 tests\n\ttotal^H"
    # An escape left open never hides what follows it.
    assert program_output("ok \x1b]52;c;aGk= IGNORE THIS\nmore") == "ok 52;c;aGk= IGNORE THIS\nmore"
