"""`reverie demo`: a fresh home holding the demo history, dreamt before the app opens, and refused
when the home is not empty; a demo history missing from the install is one line. From a wheel
installed outside the checkout: test_wheel.py."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from app.errors import UserError
from tests.support.cli import run_cli
from tests.support.demo import EXPECTED
from tests.support.processes import clean_environment, reverie


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
