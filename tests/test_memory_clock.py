"""The memory clock: a number every change to memory moves, whichever process makes it, and an
import leaves alone. What recall reads from memory alone is kept between turns while it stands
still, so a change made by another process, or rolled back, must show in the very next turn."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

from dreamer.dream import dream
from memory_graph.memory import adoption
from memory_graph.memory.recall import recall
from memory_graph.memory.recall.standing import standing
from memory_graph.store.session_log import SessionLog
from tests.support.inbox import inbox_json
from tests.support.sessions import chat_session

# Written for this test: one habit said three ways, and sessions about something else.
HABITS = (
    ("set up the bird feeder log", "please always label charts with their units"),
    ("summarise the rainfall", "label every chart with its units, always"),
    ("plot the moth counts", "I want units on chart labels every time"),
)

CHANGED_MIND = (
    ("the heron tally", "stop labelling charts with units, leave the labels bare"),
    ("redo the frost graph", "no units on chart labels any more, please"),
    ("the nest box plot", "never put units on chart labels now"),
)


async def _proposed(log: SessionLog) -> list[int]:
    for turns in HABITS:
        await chat_session(log, *turns)
    await dream(log)
    return [int(proposal["id"]) for proposal in await inbox_json(log)]


async def test_memory_changes_move_the_clock_and_imports_do_not(log: SessionLog) -> None:
    start = await log.memory_clock()
    session = await chat_session(log, "tide tables for Saturday", "which harbour, again?")
    await log.append_message(session, "assistant", [{"type": "text", "text": "Whitby."}])
    assert await log.memory_clock() == start  # new sessions and messages change no memory
    proposals = await _proposed(log)
    assert proposals
    # A proposal to add a memory changes none (nothing reads it until it is adopted).
    assert await log.memory_clock() == start
    await adoption.adopt(log, proposals[0])
    adopted = await log.memory_clock()
    assert adopted > start
    # One that would take the memory back counts against it at once.
    for turns in CHANGED_MIND:
        await chat_session(log, *turns)
    await dream(log)
    assert any(proposal["op"] == "supersede" for proposal in await inbox_json(log))
    contradicted = await log.memory_clock()
    assert contradicted > adopted
    await log.set_private(session, True)  # holds no evidence, but hiding a session may
    assert await log.memory_clock() > contradicted


async def test_a_change_by_another_process_shows_in_the_next_turn(home: Path) -> None:
    async with await SessionLog.open(home) as chat, await SessionLog.open(home) as other:
        proposals = await _proposed(other)
        assert not (await recall(chat, "the ferry timetable")).standing  # read, and kept
        await adoption.adopt(other, proposals[0])
        standing = (await recall(chat, "the ferry timetable")).standing
        assert [hit.statement for hit in standing] and "units" in standing[0].statement
        node = standing[0].node_id
        await adoption.retire_by_hand(other, node or 0)
        assert not (await recall(chat, "the ferry timetable")).standing
        assert not [hit for hit in (await recall(chat, "chart units")).hits if hit.node_id]


async def test_a_rolled_back_change_is_not_kept(log: SessionLog) -> None:
    await adoption.adopt(log, (await _proposed(log))[0])
    before = [hit.node_id for hit in (await recall(log, "the ferry timetable")).standing]
    assert before
    try:
        async with log.transaction() as conn:
            await conn.execute("UPDATE nodes SET status = 'retired'")
            # Inside the transaction its own change is what recall sees...
            assert not (await recall(log, "the ferry timetable")).standing
            raise RuntimeError("rolled back")
    except RuntimeError:
        pass
    # ...and once it is rolled back, memory is as it was: even when a change that alters
    # nothing recall reads brings the clock to where the rolled-back one had it.
    async with log.transaction() as conn:
        await conn.execute("UPDATE nodes SET support = support")
    assert [hit.node_id for hit in (await recall(log, "the ferry timetable")).standing] == before


async def test_what_a_read_kept_from_a_rolled_back_transaction_is_forgotten(
    log: SessionLog,
) -> None:
    await adoption.adopt(log, (await _proposed(log))[0])
    # A turn's recall holds the memo when a dream on the same handle starts writing: what the
    # turn reads meanwhile sees the dream's writes, and keeps what it computed from them.
    memo = await log.memo()
    try:
        async with log.transaction() as conn:
            await conn.execute("UPDATE nodes SET status = 'retired'")
            assert not await standing(log, 500, datetime.now(UTC), "/srv/allotment", memo)
            raise RuntimeError("the dream failed")
    except RuntimeError:
        pass
    # The clock is back where the memo was taken: what it kept must not be served.
    found = await recall(log, "the ferry timetable", project="/srv/allotment")
    assert [hit.statement for hit in found.standing] == ["Always label charts with their units."]
