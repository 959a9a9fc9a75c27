"""The log from the shell: `reverie sessions` and `show` print it (--json too); `import` adds
transcripts and says what it did (--json too), refusing in one line what it cannot read;
`export` writes sessions to a private file, never over one without --force, or to standard
output."""

from __future__ import annotations

import json
import stat
from pathlib import Path

import pytest

from tests.support.cli import run_cli
from tests.support.shared_data import CLAUDE_CODE, needs_shared_data


def test_sessions_and_show(capsys: pytest.CaptureFixture[str], home: Path) -> None:
    code, out, err = run_cli(capsys, "--home", str(home), "sessions")
    assert code == 0 and out == "" and "no sessions" in err
    run_cli(capsys, "--home", str(home), "chat", "[bold]remember[/] the milk")
    code, out, _ = run_cli(capsys, "--home", str(home), "sessions")
    assert code == 0 and "[bold]remember[/] the milk" in out
    code, out, _ = run_cli(capsys, "--home", str(home), "show", "1")
    assert code == 0 and "[user] [bold]remember[/] the milk" in out
    code, out, _ = run_cli(capsys, "--home", str(home), "show", "1", "--json")
    shown = json.loads(out)
    assert shown["session"]["id"] == 1 and shown["messages"][0]["role"] == "user"
    assert [event["kind"] for event in shown["events"]] == ["no_model"]


@needs_shared_data
def test_import_summary_json_and_export(
    capsys: pytest.CaptureFixture[str], home: Path, tmp_path: Path
) -> None:
    short = str(CLAUDE_CODE / "short.jsonl")
    code, out, _ = run_cli(capsys, "--home", str(home), "import", short)
    assert code == 0 and out.startswith("imported 1 new sessions, 0 updated, 7 messages")
    code, out, _ = run_cli(capsys, "--home", str(home), "import", short, "--json")
    summary = json.loads(out)
    assert code == 0 and summary["sessions"] == 0 and summary["files_unchanged"] == 1
    assert set(summary) >= {"sessions", "messages", "skipped", "problems"}

    target = tmp_path / "out.jsonl"
    code, _, err = run_cli(capsys, "--home", str(home), "export", str(target))
    assert code == 0 and "exported 1 sessions" in err
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    code, _, err = run_cli(capsys, "--home", str(home), "export", str(target))
    assert code == 1 and "--force" in err
    code, _, err = run_cli(capsys, "--home", str(home), "export", "7", str(tmp_path / "x.jsonl"))
    assert code == 1 and "no session with id 7" in err and not (tmp_path / "x.jsonl").exists()
    code, out, _ = run_cli(
        capsys, "--home", str(tmp_path / "other"), "import", str(target), "--json"
    )
    assert code == 0 and json.loads(out)["messages"] == 7


def test_import_errors_exit_1(
    capsys: pytest.CaptureFixture[str], home: Path, tmp_path: Path
) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text("{not json\n")
    for argv, message in (
        ([str(tmp_path / "missing")], "no such file"),
        ([str(bad)], "not a transcript"),
        ([str(bad), "--format", "claude-code"], f"nothing importable in {bad}: {bad}:1"),
    ):
        code, _, err = run_cli(capsys, "--home", str(home), "import", *argv)
        assert code == 1 and message in err and len(err.strip().splitlines()) == 1, err


def test_export_to_standard_output(capsys: pytest.CaptureFixture[str], home: Path) -> None:
    run_cli(capsys, "--home", str(home), "chat", "hello there")
    code, out, _ = run_cli(capsys, "--home", str(home), "export", "-")
    header, session = (json.loads(line) for line in out.splitlines())
    assert code == 0 and header["format"] == "reverie"
    assert session["messages"][0]["content"][0]["text"] == "hello there"
