"""A turn is never lost to memory: timestamps without a zone mean UTC (at import and in rows
stored before that rule), and a recall that fails costs the turn nothing but its memory."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest

from app.agent.loop import Agent, TurnObserver
from app.config import Config
from memory_graph.store.session_log import SessionLog
from tests.support.cli import run_cli
from tests.support.fake_api import FakeMessagesAPI, text


def _zoneless_export(path: Path) -> Path:
    """Three conversations saying one preference, dated in three zone-less forms."""
    dates = ["2025-11-20T10:00:00", "2025-11-21 16:45:10.250", "2025-11-23"]
    conversations = [
        {
            "id": f"plain-{number}",
            "created": created,
            "messages": [
                {
                    "role": "user",
                    "content": "I prefer metric units in every answer.",
                    "created": created,
                },
                {"role": "assistant", "content": "Understood.", "created": created},
            ],
        }
        for number, created in enumerate(dates)
    ]
    path.write_text(json.dumps(conversations), encoding="utf-8")
    return path


def test_zoneless_times_are_utc_and_recall_and_chat_work(
    capsys: pytest.CaptureFixture[str],
    home: Path,
    tmp_path: Path,
    fake_api: FakeMessagesAPI,
    connected: None,
) -> None:
    h = ("--home", str(home))
    assert run_cli(capsys, *h, "import", str(_zoneless_export(tmp_path / "plain.json")))[0] == 0
    code, out, _ = run_cli(capsys, *h, "sessions", "--json")
    assert code == 0
    assert {s["started"] for s in json.loads(out)} == {
        "2025-11-20T10:00:00.000Z",
        "2025-11-21T16:45:10.250Z",
        "2025-11-23T00:00:00.000Z",
    }
    assert run_cli(capsys, *h, "dream")[0] == 0
    assert run_cli(capsys, *h, "adopt", "--all")[0] == 0
    code, out, err = run_cli(capsys, *h, "recall", "which units should answers use", "--json")
    assert code == 0, err
    assert any("metric" in hit["statement"] for hit in json.loads(out)["hits"])
    fake_api.add(text("About 5 km."))
    code, out, err = run_cli(capsys, *h, "chat", "how far is a 5k run in units")
    assert code == 0 and out == "About 5 km.\n", err
    assert "metric" in fake_api.requests[0]["system"]


async def test_rows_stored_without_a_zone_before_the_rule_are_read_as_utc(
    log: SessionLog, config: Config, fake_api: FakeMessagesAPI
) -> None:
    # What an older Reverie stored as it was given: no zone anywhere.
    session = await log.create_session(started="2025-06-01T08:00:00")
    await log.append_message(
        session.id, "user", [{"type": "text", "text": "my bike is a Brompton"}]
    )
    async with log.transaction() as conn:
        await conn.execute(
            "INSERT INTO nodes (pattern, kind, statement, support, first_seen, last_seen, "
            "adopted, updated) VALUES ('p', 'fact', 'The user rides a Brompton bike', 2, "
            "'2025-06-01T08:00:00', '2025-06-02 09:30', '2025-06-03T00:00:00', '2025-06-03')"
        )
        await conn.execute("INSERT INTO node_patterns (fingerprint, node_id) VALUES ('p', 1)")
    fake_api.add(text("Fold it."))
    result = await Agent(log, config).run_turn(
        (await log.create_session()).id,
        "how do I carry my Brompton bike on a train",
        TurnObserver(),
    )
    assert result.status == "ok" and result.reply == "Fold it."
    assert "Brompton" in fake_api.requests[0]["system"]


class _Statuses(TurnObserver):
    def __init__(self) -> None:
        self.said: list[str] = []

    async def status(self, text: str) -> None:
        self.said.append(text)


async def test_a_broken_recall_costs_no_turn_and_is_said_once(
    log: SessionLog, config: Config, fake_api: FakeMessagesAPI
) -> None:
    # The statement index is gone: every recall now fails inside SQLite.
    async with log.transaction() as conn:
        await conn.execute("DROP TABLE nodes_fts")
    session = (await log.create_session()).id
    observer = _Statuses()
    agent = Agent(log, config)
    fake_api.add(text("First answer."), text("Second answer."))
    for said in ("what was the name of that cafe", "and its opening hours"):
        result = await agent.run_turn(session, said, observer)
        assert result.status == "ok"
    users = [m.text for m in await log.messages(session) if m.role == "user"]
    assert users == ["what was the name of that cafe", "and its opening hours"]
    assert len([s for s in observer.said if "memory unavailable" in s]) == 1


def test_the_users_message_is_logged_before_recall(
    capsys: pytest.CaptureFixture[str],
    home: Path,
    fake_api: FakeMessagesAPI,
    connected: None,
) -> None:
    async def break_recall() -> None:
        async with await SessionLog.open(home) as log, log.transaction() as conn:
            await conn.execute("DROP TABLE nodes_fts")

    asyncio.run(break_recall())
    fake_api.add(text("Still here."))
    code, out, _ = run_cli(capsys, "--home", str(home), "chat", "remind me of the plan", "--json")
    assert code == 0 and json.loads(out)["reply"] == "Still here."
    code, out, _ = run_cli(capsys, "--home", str(home), "show", "1", "--json")
    shown = json.loads(out)
    assert [m["role"] for m in shown["messages"]][:2] == ["user", "system"]
