"""Standing memory: the person's adopted preferences and the facts about themselves reach every
turn, whatever it asks, strongest first within their share of the budget; facts about a
project, failures and fixes come only when a turn is about them; the logged prompt rebuilds
what the model saw; `reverie recall` shows both."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from textual.widgets import Static

from app.agent.loop import Agent
from app.agent.prompt import prompt_seen
from app.cli import main
from app.config import Config
from app.tui.app import ReverieApp
from app.tui.widgets.conversation import Conversation, RecalledView, UserTurn
from dreamer.dream import dream
from memory_graph.memory import adoption
from memory_graph.memory.recall import recall, tokens
from memory_graph.memory.vocabulary import RecallReason
from memory_graph.store.session_log import SessionLog
from tests.support.fake_api import FakeMessagesAPI, text
from tests.support.inbox import inbox_json
from tests.support.recorder import Recorder
from tests.support.sessions import chat_session, command_session
from tests.support.tui import SIZE, chat_ready, plain, send

SAID = (
    ("plan the allotment rota", "I'd rather you wrote dates as 14 March, never 03/14"),
    ("the seed order", "dates as 14 March please, not 03/14"),
    ("draft the newsletter", "from now on write dates like 14 March, not 03/14"),
    ("sort the compost notes", "my allotment is plot 27"),
    ("the water butt rota", "remember my allotment is plot 27"),
    ("the shed key", "our repo targets Python 3.12"),
    ("the tool library", "this repo targets Python 3.12"),
)
FAILS = ("make docs", "sphinx-build: error: no such option: --keep-going", 2)
FIXED = ("pip install -U sphinx", "Successfully installed sphinx-7.3.7", 0)
RAN = ("make docs", "build succeeded.", 0)


async def _adopted(log: SessionLog) -> None:
    """Preferences, a fact about the person, a fact about a project and a failure with its
    fix, each said in several sessions, dreamt and adopted."""
    for turns in SAID:
        await chat_session(log, *turns)
    for request in ("build the docs", "rebuild the docs site"):
        await command_session(log, request, [FAILS, FIXED, RAN])
    await dream(log)
    for proposal in await inbox_json(log):
        await adoption.adopt(log, int(proposal["id"]))


async def test_every_turn_carries_the_persons_preferences_and_facts(log: SessionLog) -> None:
    await _adopted(log)
    found = await recall(log, "what should I plant in October")
    standing = " ".join(hit.statement for hit in found.standing)
    assert "14 March" in standing and "plot 27" in standing
    assert {hit.reason for hit in found.standing} == {RecallReason.STANDING}
    # A project's fact and a failure are contextual: not in a turn about something else.
    assert "Python 3.12" not in standing and "sphinx" not in standing
    # Standing memory is never recalled a second time as a contextual hit.
    assert not {hit.node_id for hit in found.standing} & {hit.node_id for hit in found.hits}
    # A turn with no word to search for still carries it.
    assert (await recall(log, "ok")).memories == [hit.node_id for hit in found.standing]
    docs = await recall(log, "make docs fails with no such option --keep-going")
    assert any("sphinx" in hit.statement for hit in docs.hits)


RULES = (
    "always water the tomatoes before nine",
    "never prune roses in autumn",
    "I prefer copper tape against slugs",
    "always label seed trays with the sowing week",
    "never use peat in my compost",
    "I prefer heritage carrot varieties",
    "always rotate the brassica beds yearly",
    "never spray the apple trees while they blossom",
    "I prefer wooden cloches to plastic fleece",
    "always mulch the raspberries in November",
    "never dig the clay bed when it is wet",
    "I prefer comfrey feed over bought fertiliser",
)


async def test_the_strongest_stand_within_their_share_of_the_budget(log: SessionLog) -> None:
    for number, rule in enumerate(RULES):
        for repeat in range(2 + number % 4):
            await chat_session(log, f"errand {number}.{repeat}", rule)
    await dream(log)
    for proposal in await inbox_json(log):
        await adoption.adopt(log, int(proposal["id"]))
    everything = await recall(log, "hello", budget=100_000)
    assert len(everything.standing) == 12
    supports = [hit.score for hit in everything.standing]
    assert supports == sorted(supports, reverse=True)
    small = await recall(log, "hello", budget=200)
    assert 0 < len(small.standing) < 12
    assert sum(tokens(hit.statement) for hit in small.standing) <= 100
    assert small.memories == everything.memories[: len(small.standing)]
    # What did not fit still comes when the turn is about it.
    left_out = everything.standing[-1]
    about = await recall(log, left_out.statement, budget=200)
    assert left_out.node_id in about.memories


async def test_the_model_sees_standing_memory_and_the_log_rebuilds_it(
    log: SessionLog, config: Config, fake_api: FakeMessagesAPI
) -> None:
    await _adopted(log)
    fake_api.add(text("Sowing garlic now works well."))
    agent = Agent(log, config)
    session = await log.create_session()
    await agent.run_turn(session.id, "what should I plant in October", Recorder())
    system = fake_api.requests[0]["system"]
    assert "in every conversation" in system
    assert "14 March" in system and "plot 27" in system
    [logged] = [m for m in await log.messages(session.id) if m.role == "system"]
    assert await prompt_seen(log, logged) == system
    assert "14 March" not in logged.text  # logged by reference, never copied


async def _adopted_in(home: Path) -> None:
    async with await SessionLog.open(home) as log:
        await _adopted(log)


@pytest.mark.parametrize("as_json", [True, False])
def test_reverie_recall_shows_standing_memory(
    home: Path, capsys: pytest.CaptureFixture[str], as_json: bool
) -> None:
    asyncio.run(_adopted_in(home))
    code = main(["recall", "--home", str(home), "what to plant", *(["--json"] if as_json else [])])
    out = capsys.readouterr().out
    assert code == 0
    if as_json:
        shown = json.loads(out)
        assert [hit["reason"] for hit in shown["standing"]] == ["standing"] * 2
        assert {hit["kind"] for hit in shown["standing"]} == {"preference", "fact"}
    else:
        assert out.startswith("standing (every turn carries these):")
        assert "plot 27" in out


async def test_the_chat_shows_what_each_turn_recalled(
    config: Config, fake_api: FakeMessagesAPI
) -> None:
    async with await SessionLog.open(config.home) as log:
        await _adopted(log)
    fake_api.add(text("Garlic and broad beans."))
    app = ReverieApp(config)
    async with app.run_test(size=SIZE) as pilot:
        screen = await chat_ready(pilot)
        await send(pilot, "what should I plant in October")
        [view] = list(screen.query(RecalledView))
        assert str(view.title) == "recalled 2 memories"
        assert view.collapsed
        shown = plain(view.query_one(".recalled-lines", Static))
        assert "· preference · standing —" in shown and "plot 27" in shown
        # It sits under the turn it was recalled for, before the reply.
        order = [type(child) for child in screen.query_one(Conversation).children]
        assert order.index(RecalledView) == order.index(UserTurn) + 1
        # Reopened from the log, the turn shows what it recalled then, as it was worded.
        session = screen.session_id
        assert session is not None
        await screen.action_new_session()
        await pilot.pause()
        assert not list(screen.query(RecalledView))
        await screen.open_session(session)
        await pilot.pause()
        [again] = list(screen.query(RecalledView))
        assert str(again.title) == "recalled 2 memories"
        assert plain(again.query_one(".recalled-lines", Static)) == shown
        order = [type(child) for child in screen.query_one(Conversation).children]
        assert order.index(RecalledView) == order.index(UserTurn) + 1


def test_chat_json_lists_what_was_recalled(
    home: Path, capsys: pytest.CaptureFixture[str], connected: None, fake_api: FakeMessagesAPI
) -> None:
    asyncio.run(_adopted_in(home))
    fake_api.add(text("Garlic."))
    assert main(["chat", "--home", str(home), "--json", "what should I plant in October"]) == 0
    recalled = json.loads(capsys.readouterr().out)["recalled"]
    assert {item["reason"] for item in recalled} == {"standing"}
    assert all(set(item) == {"node_id", "kind", "statement", "reason"} for item in recalled)
    assert any("plot 27" in item["statement"] for item in recalled)


def test_reverie_show_lists_what_each_turn_recalled(
    home: Path, capsys: pytest.CaptureFixture[str], connected: None, fake_api: FakeMessagesAPI
) -> None:
    asyncio.run(_adopted_in(home))
    fake_api.add(text("Garlic."))
    assert main(["chat", "--home", str(home), "--json", "what should I plant in October"]) == 0
    session = json.loads(capsys.readouterr().out)["session_id"]
    assert main(["show", "--home", str(home), str(session)]) == 0
    lines = capsys.readouterr().out.splitlines()
    turn = max(i for i, line in enumerate(lines) if "plant in October" in line)
    assert lines[turn + 1].startswith("  ↳ recalled memories ")
