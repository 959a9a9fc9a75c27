"""Configuration: file, environment and flags, and the example config that ships."""

from __future__ import annotations

from pathlib import Path

import pytest

from app.config import DEFAULT_MODEL, load_config
from app.errors import UserError
from app.paths import resolve_home
from tests.support.cli import run_cli

EXAMPLE = Path(__file__).parent.parent / "assets" / "config.example.toml"


def test_precedence_file_then_environment_then_flags(home: Path) -> None:
    home.mkdir()
    (home / "config.toml").write_text('model = "from-file"\nbase_url = "http://file"\n')
    config = load_config(home, env={"ANTHROPIC_BASE_URL": "http://env"})
    assert (config.model, config.base_url) == ("from-file", "http://env")
    config = load_config(home, env={}, overrides={"model": "from-flag", "base_url": None})
    assert (config.model, config.base_url) == ("from-flag", "http://file")


def test_defaults_and_connection(home: Path) -> None:
    config = load_config(home, env={})
    assert config.model == DEFAULT_MODEL and not config.connected
    assert load_config(home, env={"ANTHROPIC_API_KEY": "k"}).connected
    assert load_config(home, env={"ANTHROPIC_AUTH_TOKEN": "t"}).connected
    assert load_config(home, env={"ANTHROPIC_BASE_URL": "http://127.0.0.1:1"}).connected
    # The key never shows up in a repr (and so in a log line or a traceback).
    assert "sk-secret" not in repr(load_config(home, env={"ANTHROPIC_API_KEY": "sk-secret"}))


def test_the_example_config_is_valid(home: Path) -> None:
    home.mkdir()
    (home / "config.toml").write_text(EXAMPLE.read_text())
    assert load_config(home, env={}).model == DEFAULT_MODEL


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("max_retries = -1", "max_retries must be between 0 and 20"),
        ("max_tokens = 0", "max_tokens must be at least 1"),
        ("command_timeout = 0", "command_timeout must be more than 0"),
        ("base_url = 'localhost:8080'", "not an http:// or https:// address"),
        ("base_url = 'http://[::1'", "not an http:// or https:// address"),
        ("base_url = 'http://host:notaport'", "not an http:// or https:// address"),
        ("stream = 'yes'", "wrong type"),
        ("model = 3", "wrong type"),
        ("colour = 'blue'", "unknown setting"),
        ("max_retries = true", "wrong type"),
        ("[[", "not valid TOML"),
    ],
)
def test_bad_config_files(home: Path, body: str, message: str) -> None:
    home.mkdir()
    (home / "config.toml").write_text(body)
    with pytest.raises(UserError, match=message):
        load_config(home, env={})


def test_home_resolution(tmp_path: Path) -> None:
    assert resolve_home(tmp_path / "a", env={"REVERIE_HOME": "/b"}) == tmp_path / "a"
    assert resolve_home(None, env={"REVERIE_HOME": "/b"}) == Path("/b")
    assert resolve_home(None, env={}).name == "reverie"


def test_home_from_the_environment(
    capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch, home: Path
) -> None:
    monkeypatch.setenv("REVERIE_HOME", str(home))
    run_cli(capsys, "chat", "via env")
    assert (home / "reverie.db").exists()


def test_non_utf8_config_is_a_user_error(home: Path) -> None:
    home.mkdir()
    (home / "config.toml").write_bytes(b'model = "\xff"')
    with pytest.raises(UserError, match="not valid UTF-8"):
        load_config(home, env={})


def test_a_vanished_current_folder_only_matters_to_the_agent(
    home: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    gone = tmp_path / "gone"
    gone.mkdir()
    monkeypatch.chdir(gone)
    gone.rmdir()
    config = load_config(home, env={})
    with pytest.raises(UserError, match="no longer exists"):
        _ = config.workspace_root
