"""Topics and entities are never proposed: adopting a memory makes nodes of the programs, files,
projects and names it mentions (those its sessions worked with), linked to it (`about`), undone
with it, reused by the next memory that names them, and walked by recall. Entity proposals that
were waiting leave the inbox by migration, with the reason."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiosqlite

from dreamer.dream import dream
from memory_graph.memory import adoption, nodes
from memory_graph.memory.evidence import Owner, evidence_of
from memory_graph.memory.mentions import Mention
from memory_graph.memory.recall import recall
from memory_graph.memory.vocabulary import EdgeKind, LeftInbox, MemoryKind, RecallReason
from memory_graph.store.session_log import SessionLog
from tests.support.inbox import inbox_json, only_pending
from tests.support.schema import database_before
from tests.support.sessions import chat_session, command_session


async def _entities(log: SessionLog) -> dict[str, nodes.Node]:
    return {node.statement: node for node, _ in await nodes.nodes(log, ("topic", "entity"))}


async def _about(log: SessionLog) -> list[tuple[str, str]]:
    rows = await log.connection.execute_fetchall(
        "SELECT a.statement, b.statement FROM edges e JOIN nodes a ON a.pattern = e.source "
        "JOIN nodes b ON b.pattern = e.target WHERE e.kind = ? ORDER BY e.id",
        (EdgeKind.ABOUT,),
    )
    return [(str(row[0]), str(row[1])) for row in rows]


async def test_adopting_a_memory_makes_nodes_of_what_it_names(log: SessionLog) -> None:
    sessions = [
        await command_session(
            log,
            f"{task}. I prefer typst over latex.",
            [(f"typst compile {name}.typ", "compiled in 0.3s", 0), ("make tidy", "", 0)],
        )
        for task, name in (("render the invoice", "invoice"), ("redo the poster", "poster"))
    ]
    await dream(log)
    assert not [p for p in await inbox_json(log) if p["kind"] in ("topic", "entity")]
    preference = await only_pending(log, kind="preference")
    decided = await adoption.adopt(log, preference["id"])
    # typst was run in its sessions and is named; make was run too, but is not named; latex
    # is named but was never run there (no sighting, nothing to trace it to).
    entities = await _entities(log)
    assert list(entities) == ["The program `typst`"]
    typst = entities["The program `typst`"]
    assert typst.kind is MemoryKind.ENTITY and typst.support == 2
    assert typst.attributes == {"label": "program", "name": "typst", "words": ["typst"]}
    assert {e.session_id for e in await evidence_of(log, Owner.NODE, typst.id)} == set(sessions)
    assert await _about(log) == [("I prefer typst over latex.", "The program `typst`")]
    assert len(decided.nodes) == 2 and len(decided.edges) == 1

    undone = await adoption.undo(log)
    assert undone is not None and typst.id in undone.nodes
    assert await _entities(log) == {} and await _about(log) == []
    await adoption.adopt(log, preference["id"])
    assert list(await _entities(log)) == ["The program `typst`"]


async def test_a_session_made_private_is_no_evidence_of_an_entity(log: SessionLog) -> None:
    sessions = [
        await command_session(
            log,
            f"lay out the {zine} zine. I prefer typst over latex.",
            [(f"typst compile {zine}.typ", "compiled in 0.2s", 0)],
        )
        for zine in ("spring", "summer", "autumn")
    ]
    await dream(log)
    await log.set_private(sessions[2], True)  # after the dream read it
    await adoption.adopt(log, (await only_pending(log, kind="preference"))["id"])
    typst = (await _entities(log))["The program `typst`"]
    assert typst.support == 2
    cited = {e.session_id for e in await evidence_of(log, Owner.NODE, typst.id)}
    assert cited == set(sessions[:2])


async def test_the_next_memory_that_names_it_links_to_the_same_node(log: SessionLog) -> None:
    for deck in ("kickoff", "retro"):
        await command_session(
            log,
            f"compile the {deck} deck; I prefer typst over latex.",
            [(f"typst compile {deck}.typ", "error: unknown font family: Inter", 1)],
        )
        await command_session(
            log,
            f"now the {deck} handout",
            [(f"typst compile {deck}-handout.typ", "error: unknown font family: Inter", 1)],
        )
    await dream(log)
    failure = await only_pending(log, kind="failure")
    preference = await only_pending(log, kind="preference")
    await adoption.adopt(log, preference["id"])
    await adoption.adopt(log, failure["id"])
    entities = await _entities(log)
    assert list(entities) == ["The program `typst`"]
    assert len(await _about(log)) == 2
    # Undoing the second adoption takes its edge, not the node the first one made.
    await adoption.undo(log)
    assert list(await _entities(log)) == ["The program `typst`"]
    assert len(await _about(log)) == 1


async def test_an_edited_wording_decides_what_is_mentioned(log: SessionLog) -> None:
    for deck in ("kickoff", "retro", "roadmap"):
        await chat_session(
            log, f"build the {deck} deck for Kasimir Oduya. Always print handouts as A5."
        )
    await dream(log)
    (handouts,) = [p for p in await inbox_json(log) if "A5" in p["statement"]]
    await adoption.adopt(log, handouts["id"])
    assert await _entities(log) == {}  # its own wording names nobody
    await adoption.undo(log)
    # The person's wording names him, and his name is in the memory's sessions.
    await adoption.adopt(log, handouts["id"], "Print handouts for Kasimir Oduya in A5.")
    assert list(await _entities(log)) == ["'Kasimir Oduya', a name the user uses"]


async def test_a_name_is_mentioned_only_as_a_word_of_its_own(log: SessionLog) -> None:
    for app in ("billing", "search"):
        await command_session(
            log,
            f"start the {app} api. I prefer uvicorn with reload.",
            [("uv run uvicorn app:api --reload", "Uvicorn running on http://127.0.0.1:8000", 0)],
        )
    await dream(log)
    await adoption.adopt(log, (await only_pending(log, kind="preference"))["id"])
    # `uv` ran in both sessions, but "uvicorn" is another word.
    assert await _entities(log) == {}


def test_how_a_name_is_found_in_a_wording() -> None:
    def found(label: str, name: str, statement: str) -> tuple[int, int] | None:
        return Mention("p", MemoryKind.ENTITY, label, name, 1).named_in(statement)

    # A project or topic is named in any case; a program, file or name only as written.
    assert found("project", "Heronsgate", "deploy heronsgate before noon") == (7, 17)
    assert found("project", "heronsgate", "The HERONSGATE repo") == (4, 14)
    assert found("program", "rsync", "Use RSYNC for backups") is None
    assert found("program", "rsync", "use rsync -a for backups") == (4, 9)
    assert found("name", "Odile", "ask odile about it") is None
    # As a word of its own, the end of a path for a file.
    assert found("program", "rsync", "prefer rsyncd here") is None
    assert found("file", "notes.md", "edit docs/notes.md first") == (10, 18)
    assert found("program", "notes.md", "edit docs/notes.md first") is None


async def test_recall_walks_from_one_memory_to_another_through_what_both_name(
    log: SessionLog,
) -> None:
    for deck in ("kickoff", "retro"):
        await command_session(
            log,
            f"compile the {deck} deck; I prefer typst over latex.",
            [(f"typst compile {deck}.typ", "error: unknown font family: Inter", 1)],
        )
    await dream(log)
    for proposal in await inbox_json(log):
        await adoption.adopt(log, proposal["id"])
    found = await recall(log, "which slide tool do I prefer over latex?")
    memories = {
        hit.statement: hit.reason
        for hit in (*found.standing, *found.hits)
        if hit.node_id is not None
    }
    # The question names neither typst nor the font: the failure comes through the program
    # both memories name.
    failure = next(statement for statement in memories if "unknown font family" in statement)
    assert memories[failure] is RecallReason.RELATED
    # A preference stands: every turn carries it.
    assert memories["I prefer typst over latex."] is RecallReason.STANDING


@asynccontextmanager
async def _before_reasons(home: Path) -> AsyncIterator[aiosqlite.Connection]:
    """A database from before migration 011, holding the dream an old proposal came from."""
    async with database_before(home, "011_proposal_reasons") as conn:
        await conn.execute(
            "INSERT INTO dreams (id, trigger, started, finished, seconds, sessions, extractors, "
            "counts) VALUES (1, 'manual', '2026-03-01T08:00:00.000Z', "
            "'2026-03-01T08:00:01.000Z', 0.1, '[]', '{}', '{}')"
        )
        yield conn


async def test_waiting_entity_proposals_leave_the_inbox_with_the_reason(home: Path) -> None:
    async with _before_reasons(home) as conn:
        for kind, status in (
            ("entity", "pending"),
            ("topic", "pending"),
            ("entity", "rejected"),
            ("preference", "pending"),
        ):
            await conn.execute(
                "INSERT INTO proposals (dream_id, op, kind, statement, confidence, support, "
                "fingerprint, graph_hash, status, created) VALUES (1, 'add_node', ?, "
                "'said', 0.9, 3, ?, 'absent', ?, '2026-03-01T08:00:00.000Z')",
                (kind, f"{kind}-{status}", status),
            )
    async with await SessionLog.open(home) as log:
        rows = await log.connection.execute_fetchall(
            "SELECT kind, status, reason, decided IS NOT NULL FROM proposals ORDER BY id"
        )
        assert [tuple(row) for row in rows] == [
            ("entity", "superseded", LeftInbox.ENTITIES_NOT_PROPOSED, 1),
            ("topic", "superseded", LeftInbox.ENTITIES_NOT_PROPOSED, 1),
            ("entity", "rejected", None, 0),
            ("preference", "pending", None, 0),
        ]
        assert [p["kind"] for p in await inbox_json(log)] == ["preference"]


async def test_undoing_an_old_entity_decision_does_not_bring_it_back(home: Path) -> None:
    async with _before_reasons(home) as conn:
        await conn.execute(
            "INSERT INTO proposals (id, dream_id, op, kind, statement, confidence, support, "
            "fingerprint, graph_hash, status, created, decided) VALUES (1, 1, 'add_node', "
            "'entity', 'said', 0.9, 3, 'e1', 'absent', 'rejected', "
            "'2026-03-01T08:00:00.000Z', '2026-03-01T09:00:00.000Z')"
        )
        await conn.execute(
            "INSERT INTO decisions (proposal_id, verdict, decided) VALUES (1, 'rejected', "
            "'2026-03-01T09:00:00.000Z')"
        )
    async with await SessionLog.open(home) as log:
        undone = await adoption.undo(log)
        assert undone is not None and undone.proposal_id == 1
        rows = await log.connection.execute_fetchall("SELECT status, reason FROM proposals")
        assert [tuple(row) for row in rows] == [("superseded", LeftInbox.ENTITIES_NOT_PROPOSED)]
        assert await inbox_json(log) == []
