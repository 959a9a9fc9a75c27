"""The person's feedback: `reverie mark` and the chat's keys say how a session went or what a
reply was worth, as events in the log; a session's outcome follows its mark; replies marked
bad after a memory was recalled count against it, and enough of them become a `retire`
proposal with those replies as evidence."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from app.agent.loop import Agent
from app.cli import main
from app.config import Config
from app.tui.app import ReverieApp
from dreamer.dream import dream
from memory_graph.memory import adoption
from memory_graph.memory.vocabulary import ProposalOp
from memory_graph.store.marks import Mark, mark
from memory_graph.store.session_log import SessionLog
from tests.support.fake_api import FakeMessagesAPI, text
from tests.support.inbox import inbox_json
from tests.support.recorder import Recorder
from tests.support.sessions import chat_session
from tests.support.tui import SIZE, chat_ready, send, settle


async def _remembered(log: SessionLog) -> int:
    for turn in ("plan the week", "plan the sprint"):
        await chat_session(log, turn, "always write meeting notes as haiku")
    await dream(log)
    [proposal] = await inbox_json(log)
    decided = await adoption.adopt(log, int(proposal["id"]))
    return decided.nodes[0]


async def test_replies_marked_bad_after_a_memory_propose_to_retire_it(
    log: SessionLog, config: Config, fake_api: FakeMessagesAPI
) -> None:
    memory = await _remembered(log)
    agent = Agent(log, config)
    for topic in ("the standup", "the retro", "the planning"):
        fake_api.add(text(f"Notes on {topic}, in haiku."))
        session = await agent.new_session()
        result = await agent.run_turn(session.id, f"write notes for {topic}", Recorder())
        assert memory in [hit.get("node_id") for hit in result.to_json()["recalled"]]
        if topic != "the planning":
            await mark(log, session.id, Mark.BAD)
    await dream(log)
    [retire] = [p for p in await inbox_json(log) if p["op"] == ProposalOp.RETIRE]
    assert "haiku" in retire["statement"] and "marked bad in 2 sessions" in retire["statement"]
    assert all("haiku" in str(link["excerpt"]) for link in retire["evidence"])
    assert len(retire["evidence"]) == 2


async def test_a_session_mark_sets_its_outcome(log: SessionLog) -> None:
    session = await chat_session(log, "tidy the garage list")
    await mark(log, session, Mark.FAILURE)
    assert (await log.get_session(session)).outcome == "failure"
    await mark(log, session, Mark.SUCCESS)
    assert (await log.get_session(session)).outcome == "success"
    kinds = [event.data for event in await log.events(session) if event.kind == "mark"]
    assert kinds == [{"outcome": "failure"}, {"outcome": "success"}]


def test_reverie_mark_and_its_errors(
    home: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    async def seed() -> tuple[int, int]:
        async with await SessionLog.open(home) as log:
            answered = await chat_session(log, "sort the receipts")
            quiet = await log.create_session(title="nothing said")
            return answered, quiet.id

    answered, quiet = asyncio.run(seed())
    assert main(["mark", "--home", str(home), str(answered), "bad"]) == 0
    assert capsys.readouterr().out.startswith("marked reply ")
    assert main(["mark", "--home", str(home), str(quiet), "good"]) == 1
    assert capsys.readouterr().err.strip() == f"reverie: session {quiet} has no reply to mark"
    assert main(["mark", "--home", str(home), str(answered), "good", "--message", "1"]) == 1
    assert "is not a reply" in capsys.readouterr().err
    assert main(["mark", "--home", str(home), "999", "success"]) == 1
    monkeypatch.setenv("REVERIE_RUN_BY_AGENT", "1")
    assert main(["mark", "--home", str(home), str(answered), "success"]) == 1
    assert "run it yourself" in capsys.readouterr().err


async def test_the_chat_marks_the_latest_reply_with_a_key(
    config: Config, fake_api: FakeMessagesAPI
) -> None:
    fake_api.add(text("Here is the list."))
    app = ReverieApp(config)
    async with app.run_test(size=SIZE) as pilot:
        screen = await chat_ready(pilot)
        await send(pilot, "list the seeds to order")
        assert screen.focused is screen.prompt
        await pilot.press("f7")
        await settle(pilot)
        await pilot.press("f8")
        await settle(pilot)
        session = screen.session_id
    assert session is not None
    async with await SessionLog.open(config.home) as log:
        marks = [e for e in await log.events(session) if e.kind == "mark"]
        assert [e.data for e in marks] == [{"reply": "bad"}, {"outcome": "success"}]
        assert (await log.get_session(session)).outcome == "success"
