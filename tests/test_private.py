"""A session made private after the fact: dreams skip it, memory that only private sessions
back leaves recall while they are private, and making them ordinary again brings it back."""

from __future__ import annotations

import asyncio
from pathlib import Path

import pytest

from app.cli import main
from app.config import Config
from app.tui.app import ReverieApp
from app.tui.screens.chat_screen import ChatScreen
from dreamer.dream import dream
from memory_graph.memory import adoption
from memory_graph.memory.recall import recall
from memory_graph.store.session_log import SessionLog
from tests.support.inbox import inbox_json
from tests.support.sessions import chat_session
from tests.support.tui import settle


async def _adopted_from(log: SessionLog, *sessions: tuple[str, ...]) -> list[int]:
    """Sessions saying these turns, dreamt, every proposal adopted; the sessions' ids."""
    ids = [await chat_session(log, *turns) for turns in sessions]
    await dream(log)
    for item in await inbox_json(log):
        await adoption.adopt(log, item["id"])
    return ids


def _recalls(home: Path, query: str, word: str) -> bool:
    async def run() -> bool:
        async with await SessionLog.open(home) as log:
            found = await recall(log, query)
        return any(
            word in hit.statement
            for hit in (*found.standing, *found.hits)
            if hit.node_id is not None
        )

    return asyncio.run(run())


def test_memory_only_private_sessions_back_leaves_recall_reversibly(
    capsys: pytest.CaptureFixture[str], home: Path
) -> None:
    async def setup() -> list[int]:
        async with await SessionLog.open(home) as log:
            return await _adopted_from(
                log,
                ("I always take the aisle seat when I book a flight.",),
                ("When you book my flight, I always take the aisle seat.",),
            )

    first, second = asyncio.run(setup())
    query = "book a flight to Oslo, which seat"
    assert _recalls(home, query, "aisle")
    assert main(["--home", str(home), "private", str(first)]) == 0
    assert "private" in capsys.readouterr().out
    assert _recalls(home, query, "aisle"), "another ordinary session still backs it"
    assert main(["private", str(second), "--home", str(home)]) == 0
    assert not _recalls(home, query, "aisle")
    assert main(["--home", str(home), "private", str(first), "--off"]) == 0
    assert "no longer private" in capsys.readouterr().out
    assert _recalls(home, query, "aisle")


def test_private_of_a_session_that_does_not_exist_is_one_line(
    capsys: pytest.CaptureFixture[str], home: Path
) -> None:
    assert main(["--home", str(home), "private", "42"]) == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "no session with id 42" in err


async def test_a_session_made_private_is_not_read_by_later_dreams(log: SessionLog) -> None:
    await chat_session(log, "I never take meetings before ten in the morning.")
    hidden = await chat_session(
        log, "Remember that I never take meetings before ten in the morning."
    )
    await log.set_private(hidden, True)
    await dream(log)
    assert not await inbox_json(log), "one ordinary session is an anecdote"
    # Made ordinary again, it is read by the next dream.
    await log.set_private(hidden, False)
    await dream(log)
    assert any("ten" in item["statement"] for item in await inbox_json(log))


async def test_the_command_palette_makes_the_open_session_private(config: Config) -> None:
    async with await SessionLog.open(config.home) as log:
        session = await chat_session(log, "plan a picnic for saturday")
    app = ReverieApp(config)
    async with app.run_test(size=(120, 40)) as pilot:
        screen = app.screen
        assert isinstance(screen, ChatScreen)
        await settle(pilot)
        await screen.open_session(session)
        for expected in (True, False):
            await pilot.press("ctrl+p")
            await pilot.press(*"Private session")
            await pilot.pause(0.3)
            await pilot.press("enter")
            await settle(pilot)
            assert screen.session_log is not None
            assert (await screen.session_log.get_session(session)).private is expected


async def test_memory_only_private_sessions_back_is_not_reached_through_the_graph(
    log: SessionLog,
) -> None:
    """Recall's spread over edges, not only its seeds, leaves out what private sessions alone
    back (nor does relevance flow on through it), and brings it back once they are ordinary."""
    ordinary = await chat_session(log, "Kayak paddles hang in the garage.")
    private = await chat_session(log, "The garage keypad opens with the usual number.")
    moment = "2026-01-01T00:00:00.000Z"
    nodes = [
        (1, "kayak paddles hang in the garage", ordinary),
        (2, "the garage keypad is by the side door", private),
        (3, "the garage door sticks in winter", None),
        (4, "the side door has a new lock", None),
    ]
    async with log.transaction() as conn:
        for node_id, statement, session in nodes:
            await conn.execute(
                # Facts about a project: recalled by relevance, not standing in every turn.
                "INSERT INTO nodes (id, pattern, kind, statement, attributes, support, "
                "first_seen, last_seen, adopted, updated) "
                "VALUES (?, ?, 'fact', ?, '{\"subject\": \"project\"}', 2, ?, ?, ?, ?)",
                (node_id, f"p{node_id}", statement, moment, moment, moment, moment),
            )
            await conn.execute(
                "INSERT INTO node_patterns (fingerprint, node_id) VALUES (?, ?)",
                (f"p{node_id}", node_id),
            )
            if session is not None:
                await conn.execute(
                    "INSERT INTO node_evidence (node_id, session_id, message_id, span_start, "
                    "span_end) SELECT ?, session_id, id, 0, 10 FROM messages "
                    "WHERE session_id = ? AND role = 'user'",
                    (node_id, session),
                )
        for source, target in (("p1", "p2"), ("p1", "p3"), ("p2", "p4")):
            await conn.execute(
                "INSERT INTO edges (source, target, kind, weight) VALUES (?, ?, 'about', 1)",
                (source, target),
            )

    async def recalled() -> set[int]:
        found = await recall(log, "where do the kayak paddles hang")
        return {hit.node_id for hit in (*found.standing, *found.hits) if hit.node_id is not None}

    assert await recalled() == {1, 2, 3, 4}
    await log.set_private(private, True)
    assert await recalled() == {1, 3}, "2 is private alone, 4 is reached only through it"
    await log.set_private(private, False)
    assert await recalled() == {1, 2, 3, 4}


async def _spawned(log: SessionLog, parent: int, said: str) -> int:
    """A sub-agent session the `parent` started, in which these words stand as the user's."""
    child = await log.create_session(title="sub-agent", parent_id=parent)
    await log.append_message(child.id, "user", [{"type": "text", "text": said}])
    return child.id


async def test_what_a_private_session_spawned_is_private_and_never_dreamt(log: SessionLog) -> None:
    parents = [await chat_session(log, "plan the migration") for _ in range(2)]
    early = await _spawned(log, parents[0], "I always want rollback scripts next to migrations.")
    for parent in parents:
        await log.set_private(parent, True)
    # Spawned before the parent was made private, or after: private either way.
    late = await _spawned(log, parents[1], "Always put rollback scripts beside the migrations.")
    grandchild = await _spawned(log, late, "I always want rollback scripts next to migrations.")
    assert all([(await log.get_session(s)).private for s in (early, late, grandchild)])
    await dream(log)
    assert await inbox_json(log) == []
    # Ordinary again, with all they spawned, which the next dream reads.
    for parent in parents:
        await log.set_private(parent, False)
    assert not any([(await log.get_session(s)).private for s in (early, late, grandchild)])
    await dream(log)
    (proposal,) = await inbox_json(log)
    assert "rollback" in proposal["statement"] and proposal["support"] == 2


async def test_what_private_sessions_spawned_before_the_rule_becomes_private(
    home: Path,
) -> None:
    from tests.support.schema import database_before

    async with database_before(home, "013_private_lineage") as conn:
        await conn.executemany(
            "INSERT INTO sessions (id, external_id, started, private, parent_id) "
            "VALUES (?, ?, '2026-04-01T10:00:00.000Z', ?, ?)",
            [(1, "a", 1, None), (2, "a-1", 0, 1), (3, "a-1-1", 0, 2), (4, "b", 0, None)],
        )
    async with await SessionLog.open(home) as log:
        flags = [(await log.get_session(s)).private for s in (1, 2, 3, 4)]
    assert flags == [True, True, True, False]
