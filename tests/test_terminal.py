"""Text for terminals: control characters shown, never obeyed."""

from __future__ import annotations

import asyncio
import subprocess
import sys
import unicodedata
from pathlib import Path

import pytest

from app.config import Config
from app.terminal import one_line, program_output, visible
from app.tui.widgets.status_line import connection_label
from memory_graph.store.content import JOINERS, shown_controls
from memory_graph.store.session_log import SessionLog
from tests.support.cli import run_cli
from tests.support.processes import clean_environment, reverie
from tests.support.sessions import chat_session, command_session


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


HIDDEN = {"Cc", "Cf", "Cs", "Zl", "Zp"}
"""Controls, format characters (bidi, zero-width, tags), lone surrogates, line separators."""


def _hidden(character: str) -> bool:
    return unicodedata.category(character) in HIDDEN


def test_bidi_and_zero_width_characters_are_written_out() -> None:
    disguised = "report\u202excod.scr"  # a terminal shows "reportrcs.docx"
    assert visible(disguised) == "report\\u202excod.scr"
    sneaky = "a\u200bb\u200dc\u200fd\u2066e\u2069f\ufeffg\u00adh\u061ci\U000e0041j\u2029k"
    assert visible(sneaky) == (
        "a\\u200bb\u200dc\\u200fd\\u2066e\\u2069f\\ufeffg\\xadh\\u061ci\\U000e0041j\\u2029k"
    )
    # Stored excerpts and statements use the same rule, in their own notation.
    assert shown_controls(sneaky) == visible(sneaky)
    assert shown_controls("tab\there\x1b[0m") == "tab\\x09here\\x1b[0m"
    # Joiners shape words and emoji; they reorder and hide nothing.
    joined = ("👨\u200d👩\u200d👧", "می\u200cخواهم", "क्\u200dष")
    for printable in ("café", "日本語", "e\u0301", "😀", "non\u00a0breaking", "١٢٣ عربي", *joined):
        assert visible(printable) == printable
    assert len(one_line("\u202e" * 40, 30)) == 30


def test_one_rule_for_every_code_point() -> None:
    """Not a list of known tricks: every character of those categories, in every plane."""
    everything = [chr(code) for code in range(sys.maxunicode + 1)]
    hidden = "".join(c for c in everything if _hidden(c))
    assert {c for c in visible(hidden) if _hidden(c)} == {"\n", "\t", *JOINERS}
    assert {c for c in shown_controls(hidden) if _hidden(c)} == JOINERS
    shown_as_is = "".join(c for c in everything if not _hidden(c))
    assert visible(shown_as_is) == shown_as_is == shown_controls(shown_as_is)


HOSTILE_TEXT = "pay\u202e\u2066 later\u2069\u200b\u200e\ufeff done"


async def _history_with_hidden_characters(home: Path) -> None:
    async with await SessionLog.open(home) as log:
        for request in ("deploy the docs", "deploy the docs now", "deploy the docs please"):
            failure = f"rsync: change_dir {HOSTILE_TEXT} failed: No such file or directory"
            await command_session(log, request, [("rsync -a site/ host:", failure, 23)])
        await chat_session(log, f"invoice {HOSTILE_TEXT}")


def test_the_command_line_shows_hidden_characters(home: Path) -> None:
    asyncio.run(_history_with_hidden_characters(home))
    env = clean_environment()
    assert subprocess.run(reverie(home, "dream"), capture_output=True, env=env).returncode == 0
    for argv in (["sessions"], ["inbox"], ["show", "4"]):
        printed = subprocess.run(reverie(home, *argv), capture_output=True, env=env, check=True)
        out = printed.stdout.decode("utf-8")
        assert "pay\\u202e\\u2066 later\\u2069\\u200b\\u200e\\ufeff done" in out, argv
        assert {c for c in out if _hidden(c)} == {"\n"}, argv


def test_printed_transcripts_cannot_drive_the_terminal(
    capsys: pytest.CaptureFixture[str], home: Path
) -> None:
    run_cli(capsys, "--home", str(home), "chat", "title\x1b]0;PWNED\x07\x1b[2J")
    for argv in (["sessions"], ["show", "1"]):
        code, out, _ = run_cli(capsys, "--home", str(home), *argv)
        assert code == 0 and "\x1b" not in out and "^[]0;PWNED^G" in out
