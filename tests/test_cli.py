"""The command line: exit codes, one-line errors, JSON shapes."""

from __future__ import annotations

import json
import stat
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import main
from app.errors import UserError
from tests.cli import run_cli
from tests.demo import DEMO_HISTORY, EXPECTED
from tests.fake_api import FakeMessagesAPI, text, tool_use
from tests.processes import clean_environment, reverie
from tests.shared_data import CLAUDE_CODE, needs_shared_data


def test_chat_prints_the_reply_and_continues_a_session(
    capsys: pytest.CaptureFixture[str], home: Path, fake_api: FakeMessagesAPI, connected: None
) -> None:
    fake_api.add(text("Hello ", "there"), text("Again"))
    code, out, _ = run_cli(capsys, "--home", str(home), "chat", "hi")
    assert code == 0 and out == "Hello there\n"
    code, out, _ = run_cli(capsys, "chat", "and again", "--session", "1", "--home", str(home))
    assert code == 0 and out == "Again\n"
    assert len(fake_api.requests[1]["messages"]) == 3
    code, out, _ = run_cli(capsys, "--home", str(home), "sessions", "--json")
    # system prompt (logged once, unchanged), then two user/assistant pairs
    assert [s["messages"] for s in json.loads(out)] == [5]


def test_chat_json_and_tool_permission_flags(
    capsys: pytest.CaptureFixture[str],
    home: Path,
    fake_api: FakeMessagesAPI,
    connected: None,
    workspace: Path,
) -> None:
    fake_api.add(tool_use("write_file", {"path": "f.txt", "content": "x"}), text("denied, ok"))
    code, out, _ = run_cli(capsys, "--home", str(home), "chat", "write", "--json")
    result = json.loads(out)
    assert code == 0 and result["status"] == "ok" and result["tool_calls"] == 1
    assert result["reply"] == "denied, ok" and not (workspace / "f.txt").exists()
    fake_api.add(tool_use("write_file", {"path": "f.txt", "content": "x"}), text("written"))
    code, _, err = run_cli(capsys, "--home", str(home), "chat", "write", "--yes")
    assert code == 0 and (workspace / "f.txt").read_text() == "x"
    assert "→ write_file" in err


def test_chat_without_a_model_exits_1_with_one_line(
    capsys: pytest.CaptureFixture[str], home: Path
) -> None:
    code, out, err = run_cli(capsys, "--home", str(home), "chat", "hello")
    assert code == 1 and out == ""
    assert len(err.strip().splitlines()) == 1 and "ANTHROPIC_API_KEY" in err
    code, out, _ = run_cli(capsys, "--home", str(home), "chat", "hello", "--json")
    assert code == 1 and json.loads(out)["status"] == "no_model"


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


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["show", "42"], "no session with id 42"),
        (["chat", "x", "--session", "42"], "no session with id 42"),
        (["chat", "   "], "the message is empty"),
        (["chat", "x", "--workspace", "/nonexistent/dir"], "not a folder"),
    ],
)
def test_user_errors_exit_1_with_one_line(
    capsys: pytest.CaptureFixture[str], home: Path, argv: list[str], message: str
) -> None:
    code, _, err = run_cli(capsys, "--home", str(home), *argv)
    assert code == 1 and message in err and len(err.strip().splitlines()) == 1


def test_a_file_that_is_not_a_database(capsys: pytest.CaptureFixture[str], home: Path) -> None:
    home.mkdir()
    (home / "reverie.db").write_text("not sqlite at all " * 300)
    code, _, err = run_cli(capsys, "--home", str(home), "sessions")
    assert code == 1 and "not a Reverie database" in err


def test_bad_config_is_a_user_error(capsys: pytest.CaptureFixture[str], home: Path) -> None:
    home.mkdir()
    (home / "config.toml").write_text("model = [unclosed")
    code, _, err = run_cli(capsys, "--home", str(home), "sessions")
    assert code == 1 and "not valid TOML" in err
    (home / "config.toml").write_text('api_key = "sk-ant-secret"')
    code, _, err = run_cli(capsys, "--home", str(home), "sessions")
    assert code == 1 and "ANTHROPIC_API_KEY" in err and "sk-ant-secret" not in err


def test_usage_errors_exit_2(capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["show", "not-a-number"])
    assert exit_info.value.code == 2
    with pytest.raises(SystemExit) as exit_info:
        main(["no-such-command"])
    assert exit_info.value.code == 2


def test_no_traceback_from_a_real_process(tmp_path: Path) -> None:
    blocker = tmp_path / "a-file"
    blocker.write_text("x")
    home = tmp_path / "h"
    env = clean_environment()
    cases: list[tuple[list[str], bytes, int]] = [
        (["--home", str(blocker), "sessions"], b"", 1),
        (["--home", str(home), "show", "3"], b"", 1),
        (["--home", str(home), "show", "99999999999999999999"], b"", 2),
        (["--home", str(home), "sessions", "--limit", "99999999999999999999"], b"", 2),
        (["--home", "", "sessions"], b"", 2),
        (["--home", str(home), "chat", "-"], b"\xff\xfe not utf-8", 1),
        (["--home", str(home), "chat", "a\udcffb"], b"", 1),
        (["demo", "--home", str(blocker)], b"", 1),
        (["--home", str(home), "export", "x", "out.jsonl"], b"", 2),
    ]
    for argv, stdin, code in cases:
        done = subprocess.run(
            [sys.executable, "-m", "app", *argv],
            input=stdin,
            capture_output=True,
            env=env,
            cwd=tmp_path,
        )
        err = done.stderr.decode(errors="replace")
        assert done.returncode == code, (argv, err)
        assert "Traceback" not in err, (argv, err)
        assert err.startswith("reverie: " if code == 1 else "usage: "), (argv, err)
    # None of the refused messages left a session behind.
    listed = subprocess.run(
        reverie(home, "sessions", "--json"),
        capture_output=True,
        env=env,
    )
    assert json.loads(listed.stdout) == []


def test_printed_transcripts_cannot_drive_the_terminal(
    capsys: pytest.CaptureFixture[str], home: Path
) -> None:
    run_cli(capsys, "--home", str(home), "chat", "title\x1b]0;PWNED\x07\x1b[2J")
    for argv in (["sessions"], ["show", "1"]):
        code, out, _ = run_cli(capsys, "--home", str(home), *argv)
        assert code == 0 and "\x1b" not in out and "^[]0;PWNED^G" in out


def test_home_from_the_environment(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, home: Path
) -> None:
    monkeypatch.setenv("REVERIE_HOME", str(home))
    run_cli(capsys, "chat", "via env")
    assert (home / "reverie.db").exists()


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


def test_the_demo_home_holds_the_demo_history(tmp_path: Path) -> None:
    from app.cli import build_parser, prepare_demo

    home = tmp_path / "demo"
    config = prepare_demo(build_parser().parse_args(["demo", "--home", str(home)]))
    assert config.home == home
    listed = subprocess.run(
        reverie(home, "sessions", "--json", "--limit", "0"),
        capture_output=True,
        env=clean_environment(),
    )
    sessions = json.loads(listed.stdout)
    external = {s["external_id"] for s in sessions}
    planted = {sid for pattern in EXPECTED["patterns"] for sid in pattern["sessions"]}
    assert planted <= external and len(sessions) >= 30
    assert {s["private"] for s in sessions} == {True, False}
    inbox = subprocess.run(
        reverie(home, "inbox", "--json"), capture_output=True, env=clean_environment()
    )
    assert json.loads(inbox.stdout)["proposals"], "the demo dreams before it opens"
    with pytest.raises(UserError, match="not empty"):
        prepare_demo(build_parser().parse_args(["demo", "--home", str(home)]))


def test_a_demo_history_missing_from_the_install_is_one_line(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    # An install whose `app.assets` holds no history (a broken or partial install).
    monkeypatch.setattr("importlib.resources.files", lambda package: tmp_path)
    code, out, err = run_cli(capsys, "demo", "--home", str(tmp_path / "home"))
    missing = tmp_path / "demo" / "history.jsonl"
    assert (code, out) == (1, "")
    assert err == f"reverie: the demo history is missing ({missing}); reinstall reverie\n"
    assert not (tmp_path / "home").exists()


def test_export_to_standard_output(capsys: pytest.CaptureFixture[str], home: Path) -> None:
    run_cli(capsys, "--home", str(home), "chat", "hello there")
    code, out, _ = run_cli(capsys, "--home", str(home), "export", "-")
    header, session = (json.loads(line) for line in out.splitlines())
    assert code == 0 and header["format"] == "reverie"
    assert session["messages"][0]["content"][0]["text"] == "hello there"


def test_dream_and_inbox_json_contracts(capsys: pytest.CaptureFixture[str], home: Path) -> None:
    run_cli(capsys, "--home", str(home), "import", str(DEMO_HISTORY))
    code, out, _ = run_cli(capsys, "--home", str(home), "dream", "--json")
    summary = json.loads(out)
    assert code == 0 and set(summary) == {"dream_id", "sessions_reviewed", "proposals", "seconds"}
    code, out, _ = run_cli(capsys, "--home", str(home), "inbox", "--json")
    proposals = json.loads(out)["proposals"]
    assert code == 0 and len(proposals) == sum(summary["proposals"].values())
    keys = {
        "id",
        "op",
        "kind",
        "statement",
        "confidence",
        "support",
        "evidence",
        "dream_id",
        "created",
        "flag",
        "memory",
        "also",
        "first_seen",
        "last_seen",
        "stale",
    }
    assert set(proposals[0]) == keys
    assert set(proposals[0]["evidence"][0]) == {
        "session_id",
        "session_external_id",
        "message_id",
        "message_external_id",
        "excerpt",
    }
    code, out, _ = run_cli(capsys, "--home", str(home), "inbox")
    assert code == 0 and "pip install -r requirements.txt" in out
