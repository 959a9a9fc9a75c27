"""`reverie chat` from the shell: the reply printed, a session continued with --session, the shape
of --json, tool calls denied unless --yes allows them, and without a model exit 1 with one line
(and a JSON status of no_model)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from tests.support.cli import run_cli
from tests.support.fake_api import FakeMessagesAPI, text, tool_use


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


def test_continuing_an_imported_session_starts_a_linked_one(
    capsys: pytest.CaptureFixture[str],
    home: Path,
    fake_api: FakeMessagesAPI,
    connected: None,
    tmp_path: Path,
) -> None:
    """Only its importer adds to an imported session: `chat --session` on one starts a
    session of Reverie's own that continues it, and says so."""
    exported = tmp_path / "chats.json"
    turns = [{"role": "user", "content": "plan the trip"}, {"role": "assistant", "content": "ok"}]
    exported.write_text(json.dumps([{"id": "trip", "messages": turns}]))
    code, _, _ = run_cli(capsys, "--home", str(home), "import", str(exported))
    assert code == 0
    fake_api.add(text("Carrying on"))
    code, out, err = run_cli(
        capsys, "--home", str(home), "chat", "and the hotel?", "--session", "1"
    )
    assert code == 0 and out == "Carrying on\n"
    assert "session 1 was imported from openai and is read-only" in err
    assert "this turn starts session 2, which continues it" in err
    code, out, _ = run_cli(capsys, "--home", str(home), "sessions", "--json")
    listed = {s["id"]: s for s in json.loads(out)}
    assert listed[1]["messages"] == 2 and listed[1]["continues_id"] is None
    assert listed[2]["source"] == "reverie" and listed[2]["continues_id"] == 1
    code, out, _ = run_cli(capsys, "--home", str(home), "show", "2")
    assert "continues session 1 (imported, read-only)" in out
    # The new session is Reverie's own: it goes on in place.
    fake_api.add(text("Still here"))
    code, _, err = run_cli(capsys, "--home", str(home), "chat", "more", "--session", "2")
    assert code == 0 and "continues" not in err
    code, out, _ = run_cli(capsys, "--home", str(home), "sessions", "--json")
    assert len(json.loads(out)) == 2
