"""The command line's conventions, whatever the command: exit 1 and one line for a person's
mistake (a missing session, an empty message, a bad config, a file that is not a database), 2
for a usage error, never a traceback, and nothing left behind by a refused command; and the JSON
shapes of `dream` and `inbox` that scripts read."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import main
from tests.support.cli import run_cli
from tests.support.demo import DEMO_HISTORY
from tests.support.processes import clean_environment, reverie


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


def test_dream_and_inbox_json_contracts(capsys: pytest.CaptureFixture[str], home: Path) -> None:
    run_cli(capsys, "--home", str(home), "import", str(DEMO_HISTORY))
    code, out, _ = run_cli(capsys, "--home", str(home), "dream", "--json")
    summary = json.loads(out)
    assert code == 0 and set(summary) == {
        "dream_id",
        "sessions_reviewed",
        "proposals",
        "seconds",
        "held_back",
    }
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
        "scope",
        "instead_of",
        "conflict",
        "source",
        "unverified_reason",
    }
    assert set(proposals[0]) == keys
    assert proposals[0]["source"] == "dream" and proposals[0]["unverified_reason"] is None
    assert set(proposals[0]["evidence"][0]) == {
        "session_id",
        "session_external_id",
        "message_id",
        "message_external_id",
        "excerpt",
    }
    code, out, _ = run_cli(capsys, "--home", str(home), "inbox")
    assert code == 0 and "pip install -r requirements.txt" in out
