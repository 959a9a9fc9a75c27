"""A page a person can judge: a dream proposes at most `inbox_page` new memories, counting those
already waiting, the strongest first; the rest are held back, and every later dream (one with no
new session too) tops the page up from them. Proposals about adopted memory never wait, a failure
with its fix is one item, and a rejected pattern never returns through the top-up."""

from __future__ import annotations

import asyncio
import json
import sqlite3
from pathlib import Path

import pytest

from dreamer.dream import dream
from memory_graph.memory.adoption import adopt, reject
from memory_graph.store.db import DATABASE_NAME
from memory_graph.store.session_log import SessionLog
from tests.support.cli import run_cli
from tests.support.inbox import inbox_json
from tests.support.sessions import chat_session, command_session

HABITS = {
    "I prefer oat milk in every coffee order.": 7,
    "Always name the backup folders by date.": 6,
    "Never book meetings on friday afternoons.": 5,
    "I prefer receipts scanned as searchable pdfs.": 4,
    "Always water the ferns before leaving the flat.": 3,
    "Never reply to newsletters from the work address.": 2,
}
"""Six preferences, each said in as many sessions as it maps to: strongest first."""
STRONGEST = list(HABITS)


async def _say(log: SessionLog, said: dict[str, int]) -> None:
    """Sessions in which each sentence is said as often as `said` maps it to."""
    for number in range(max(said.values())):
        await chat_session(log, *[sentence for sentence, times in said.items() if times > number])


async def _new_memories(log: SessionLog) -> list[str]:
    """The memories pending proposals of new memories would add, in the inbox's order."""
    return [p["memory"] for p in await inbox_json(log) if p["op"] == "add_node"]


async def _decide(log: SessionLog, memory: str, *, adopted: bool) -> None:
    (proposal,) = [p for p in await inbox_json(log) if p["memory"] == memory]
    await (adopt if adopted else reject)(log, proposal["id"])


def _dream_rows(home: Path) -> int:
    with sqlite3.connect(home / DATABASE_NAME) as db:
        return int(db.execute("SELECT COUNT(*) FROM dreams").fetchone()[0])


async def test_a_dream_proposes_a_page_of_the_strongest(home: Path) -> None:
    async with await SessionLog.open(home) as log:
        await _say(log, HABITS)
        summary = await dream(log, inbox_page=3)
        assert sum(summary.proposals.values()) == 3
        assert await _new_memories(log) == STRONGEST[:3]
        assert summary.held_back == 3
        shape = summary.to_json()
        assert set(shape) == {"dream_id", "sessions_reviewed", "proposals", "seconds", "held_back"}


async def test_a_dream_without_new_sessions_tops_the_page_up_after_decisions(home: Path) -> None:
    async with await SessionLog.open(home) as log:
        await _say(log, HABITS)
        await dream(log, inbox_page=3)
        await _decide(log, STRONGEST[0], adopted=True)
        await _decide(log, STRONGEST[1], adopted=False)
        summary = await dream(log, inbox_page=3)
        assert summary.sessions_reviewed == 0 and sum(summary.proposals.values()) == 2
        assert await _new_memories(log) == STRONGEST[2:5]
        assert summary.held_back == 1


async def test_an_idle_dream_tops_up_only_when_there_is_room(home: Path) -> None:
    async with await SessionLog.open(home) as log:
        await _say(log, HABITS)
        await dream(log, inbox_page=2)
        assert _dream_rows(home) == 1
        full = await dream(log, trigger="idle", inbox_page=2)
        assert (full.dream_id, full.proposals, full.held_back) == (0, {}, 4)
        assert _dream_rows(home) == 1
        await _decide(log, STRONGEST[0], adopted=True)
        topped = await dream(log, trigger="schedule", inbox_page=2)
        assert topped.dream_id and sum(topped.proposals.values()) == 1
        assert await _new_memories(log) == STRONGEST[1:3]
        for memory in STRONGEST[1:]:
            await _decide(log, memory, adopted=True)
            await dream(log, trigger="idle", inbox_page=2)
        assert await _new_memories(log) == [] and _dream_rows(home) == 5
        # Room, but nothing waits: a dream nobody asked for leaves no row.
        idle = await dream(log, trigger="idle", inbox_page=2)
        assert (idle.dream_id, idle.held_back) == (0, 0) and _dream_rows(home) == 5


async def test_a_rejected_pattern_never_returns_through_the_top_up(home: Path) -> None:
    async with await SessionLog.open(home) as log:
        await _say(log, HABITS)
        proposed: list[str] = []
        summary = await dream(log, inbox_page=2)
        while summary.proposals:
            page = await _new_memories(log)
            assert len(page) <= 2
            proposed += page
            for memory in page:
                await _decide(log, memory, adopted=False)
            summary = await dream(log, trigger="idle", inbox_page=2)
        assert proposed == STRONGEST and summary.held_back == 0
        again = await dream(log, inbox_page=2)
        assert again.dream_id and again.proposals == {} and await _new_memories(log) == []


async def test_proposals_about_adopted_memory_never_wait(home: Path) -> None:
    async with await SessionLog.open(home) as log:
        for _ in range(2):
            await chat_session(log, "My library card number is 5521.", "I prefer tea after lunch.")
        await dream(log, inbox_page=2)
        for memory in await _new_memories(log):
            await _decide(log, memory, adopted=True)
        await _say(log, HABITS)
        await dream(log, inbox_page=2)
        assert await _new_memories(log) == STRONGEST[:2]
        # The page is full: a memory seen again, a fact that changed, and a pending proposal
        # whose support grew are proposed all the same.
        await chat_session(log, "I prefer tea after lunch.", STRONGEST[1])
        for _ in range(2):
            await chat_session(log, "My library card number is 7730 since the renewal.")
        summary = await dream(log, inbox_page=2)
        ops = {(p["op"], p["kind"]) for p in await inbox_json(log)}
        assert {("reinforce", "preference"), ("supersede", "fact")} <= ops
        assert await _new_memories(log) == STRONGEST[:2]
        grown = [p for p in await inbox_json(log) if p["memory"] == STRONGEST[1]]
        assert [p["support"] for p in grown] == [HABITS[STRONGEST[1]] + 1]
        assert summary.held_back == 4


async def _plotter_fails(log: SessionLog, *, fixed: bool) -> None:
    steps = [("plotkit draw q3.csv", "plotkit: error: font cache missing", 1)]
    if fixed:
        steps += [("plotkit fonts --rebuild", "rebuilt 12 fonts", 0)]
        steps += [("plotkit draw q3.csv", "wrote q3.png", 0)]
    await command_session(log, "render the quarterly sales chart", steps)


async def test_a_failure_with_its_fix_is_one_item_on_the_page(home: Path) -> None:
    async with await SessionLog.open(home) as log:
        await _say(log, {STRONGEST[0]: 4})
        for _ in range(3):
            await _plotter_fails(log, fixed=True)
        first = await dream(log, inbox_page=1)
        assert await _new_memories(log) == [STRONGEST[0]]
        # The failure with its fix waits, as one.
        assert first.held_back == 1
        # Seen again without its fix while the page is full: it still waits with the fix.
        await _plotter_fails(log, fixed=False)
        assert (await dream(log, inbox_page=1)).held_back == 1
        await _decide(log, STRONGEST[0], adopted=True)
        topped = await dream(log, inbox_page=1)
        (failure,) = [p for p in await inbox_json(log) if p["op"] == "add_node"]
        assert failure["kind"] == "failure" and failure["support"] == 4
        assert len(failure["also"]) == 1 and "plotkit fonts --rebuild" in failure["also"][0]
        assert topped.held_back == 0


def test_reverie_dream_says_how_many_wait(capsys: pytest.CaptureFixture[str], home: Path) -> None:
    async def history() -> None:
        async with await SessionLog.open(home) as log:
            await _say(log, HABITS)

    asyncio.run(history())
    (home / "config.toml").write_text("inbox_page = 4\n")
    code, out, _ = run_cli(capsys, "--home", str(home), "dream")
    assert code == 0 and "proposed 4 preference; held back: 2 for later" in out
    code, out, _ = run_cli(capsys, "--home", str(home), "dream", "--json")
    shape = json.loads(out)
    assert code == 0 and shape["held_back"] == 2 and shape["proposals"] == {}


@pytest.mark.parametrize(
    ("setting", "message"),
    [
        ("inbox_page = 0", "reverie: inbox_page must be at least 1 (new memories in the inbox)"),
        ("inbox_page = 'a dozen'", "inbox_page has the wrong type (str)"),
    ],
)
def test_a_bad_inbox_page_is_one_line(
    capsys: pytest.CaptureFixture[str], home: Path, setting: str, message: str
) -> None:
    home.mkdir()
    (home / "config.toml").write_text(setting + "\n")
    code, out, err = run_cli(capsys, "--home", str(home), "dream")
    assert code == 1 and out == ""
    assert len(err.splitlines()) == 1 and message in err
