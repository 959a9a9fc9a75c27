"""A recurring failure and what resolved it are one proposal: the inbox shows one item, adopting
it adds the failure, the fix and the `resolved_by` edge between them (and the workflow that
needed the same workaround, with its `about` edge), and one undo takes all of it back."""

from __future__ import annotations

import json
from typing import Any

from dreamer.dream import dream
from memory_graph.memory import adoption
from memory_graph.memory.forget import forget
from memory_graph.memory.nodes import ABSENT
from memory_graph.memory.vocabulary import EdgeKind, MemoryKind, Outcome
from memory_graph.store.session_log import SessionLog
from tests.support.inbox import inbox_json
from tests.support.sessions import command_session

REJECTED = ("git push", " ! [rejected]        main -> main (fetch first)", 1)
PULL = ("git pull --rebase", "Successfully rebased and updated refs/heads/main.", 0)
PUSHED = ("git push", "   4f2a1c3..9b8e7d6  main -> main", 0)


async def _rows(log: SessionLog, sql: str) -> list[tuple[Any, ...]]:
    return [tuple(row) for row in await log.connection.execute_fetchall(sql)]


async def _graph(log: SessionLog) -> dict[str, Any]:
    return {
        "nodes": await _rows(log, "SELECT kind, support FROM nodes ORDER BY id"),
        "edges": await _rows(log, "SELECT kind FROM edges ORDER BY id"),
        "evidence": await _rows(
            log,
            "SELECT n.kind, COUNT(*) FROM node_evidence e JOIN nodes n ON n.id = e.node_id "
            "GROUP BY n.id ORDER BY n.id",
        ),
        "patterns": await _rows(log, "SELECT COUNT(*) FROM node_patterns"),
    }


async def test_a_failure_and_its_fix_are_one_proposal_adopted_and_undone_together(
    log: SessionLog,
) -> None:
    for request in ("push my work", "ship it", "push the branch"):
        await command_session(log, request, [REJECTED, PULL, PUSHED])
    summary = await dream(log)
    assert summary.proposals.get(MemoryKind.FIX) is None
    (proposal,) = [p for p in await inbox_json(log) if p["kind"] == MemoryKind.FAILURE]
    assert proposal["statement"] == (
        "When `git push` fails with '! [rejected] main -> main (fetch first)', "
        "`git pull --rebase` fixed it."
    )
    assert proposal["support"] == 3 and len(proposal["also"]) == 1
    assert proposal["also"][0].endswith("`git pull --rebase` fixes it.")

    decided = await adoption.adopt(log, proposal["id"])
    # The failure, its fix, and the program both of them mention.
    assert decided.outcome == Outcome.ADOPTED and len(decided.nodes) == 3
    assert decided.message == "adopted proposal 1 as memories 1 and 3"
    adopted = await _graph(log)
    assert adopted == {
        "nodes": [(MemoryKind.FAILURE, 3), (MemoryKind.ENTITY, 3), (MemoryKind.FIX, 3)],
        "edges": [(EdgeKind.ABOUT,), (EdgeKind.ABOUT,), (EdgeKind.RESOLVED_BY,)],
        # Each its own evidence: the error lines for the failure, the pulls for the fix, the
        # commands that ran git for git.
        "evidence": [(MemoryKind.FAILURE, 3), (MemoryKind.ENTITY, 3), (MemoryKind.FIX, 3)],
        "patterns": [(3,)],
    }
    excerpts = await _rows(
        log,
        "SELECT n.kind, m.text FROM node_evidence e JOIN nodes n ON n.id = e.node_id "
        "JOIN messages m ON m.id = e.message_id ORDER BY e.message_id",
    )
    assert {text for kind, text in excerpts if kind == MemoryKind.FIX} == {PULL[1]}
    assert all("rejected" in text for kind, text in excerpts if kind == MemoryKind.FAILURE)

    undone = await adoption.undo(log)
    assert undone is not None and len(undone.nodes) == 3 and len(undone.edges) == 3
    empty = {"nodes": [], "edges": [], "evidence": [], "patterns": [(0,)]}
    assert await _graph(log) == empty
    assert [p["id"] for p in await inbox_json(log) if p["kind"] == MemoryKind.FAILURE] == [
        proposal["id"]
    ]
    # Adopted again, it is all there again.
    await adoption.adopt(log, proposal["id"])
    assert await _graph(log) == adopted


async def test_a_failure_without_a_fix_is_proposed_alone_and_only_if_it_recurs(
    log: SessionLog,
) -> None:
    await command_session(log, "deploy", [("make deploy", "make: *** [deploy] Error 2", 2)])
    await dream(log)
    assert [p for p in await inbox_json(log) if p["kind"] == MemoryKind.FAILURE] == []
    await command_session(log, "deploy again", [("make deploy", "make: *** [deploy] Error 2", 2)])
    await dream(log)
    (failure,) = [p for p in await inbox_json(log) if p["kind"] == MemoryKind.FAILURE]
    assert failure["statement"].startswith("`make deploy` fails with") and failure["also"] == []


async def _failure_in_memory_then_its_fix(log: SessionLog) -> None:
    """A failure seen twice and adopted, then seen twice more, each time fixed by a pull."""
    for request in ("push my work", "push the branch"):
        await command_session(log, request, [REJECTED])
    await dream(log)
    (failure,) = [p for p in await inbox_json(log) if p["kind"] == MemoryKind.FAILURE]
    await adoption.adopt(log, failure["id"])
    for request in ("push it now", "ship the fix"):
        await command_session(log, request, [REJECTED, PULL, PUSHED])


async def test_a_fix_of_a_failure_already_in_memory_is_proposed_on_its_own(
    log: SessionLog,
) -> None:
    await _failure_in_memory_then_its_fix(log)
    await dream(log)
    proposals = {p["op"]: p for p in await inbox_json(log)}
    assert set(proposals) == {"reinforce", "add_node"}
    fix = proposals["add_node"]
    assert fix["kind"] == MemoryKind.FIX and fix["support"] == 2
    await adoption.adopt(log, fix["id"])
    # Its edge to the failure, and one to the program it mentions (the failure made its node).
    assert await _rows(log, "SELECT kind FROM edges WHERE kind != 'about'") == [
        (EdgeKind.RESOLVED_BY,)
    ]
    assert len(await _rows(log, "SELECT id FROM nodes WHERE kind = 'entity'")) == 1


async def test_a_workflow_with_another_workaround_stays_its_own_proposal(
    log: SessionLog,
) -> None:
    labelgen = ("labelgen print orders.csv", "labelgen: printer 'QL-800' not found", 3)
    lp = ("lp -d QL-800 labels.pdf", "request id is QL-800-57 (1 file(s))", 0)
    brother = ("brother_ql print labels.png", "Printing was successful.", 0)
    # The request recurs in three sessions, where lp worked twice; brother_ql resolved the
    # same failure in three sessions in all, so it is the failure's fix.
    for request, workaround in (
        ("print the labels for today", lp),
        ("print the shipping labels", lp),
        ("print labels for the market order", brother),
        ("sort the returns", brother),
        ("answer Rita", brother),
    ):
        await command_session(log, request, [labelgen, workaround])
    await dream(log)
    proposals = [p for p in await inbox_json(log) if p["kind"] != "entity"]
    kinds = sorted((p["kind"], p["support"]) for p in proposals)
    assert kinds == [(MemoryKind.FAILURE, 5), (MemoryKind.FIX, 2), (MemoryKind.WORKFLOW, 3)]
    failure = next(p for p in proposals if p["kind"] == MemoryKind.FAILURE)
    assert "`brother_ql print labels.png` worked instead in 3 of 5 sessions" in failure["statement"]
    workflow = next(p for p in proposals if p["kind"] == MemoryKind.WORKFLOW)
    assert "`lp -d` worked instead in 2" in workflow["statement"]


async def test_a_proposal_whose_fix_became_memory_meanwhile_is_stale(log: SessionLog) -> None:
    for request in ("push my work", "push the branch"):
        await command_session(log, request, [REJECTED, PULL, PUSHED])
    await dream(log)
    (proposal,) = [p for p in await inbox_json(log) if p["kind"] == MemoryKind.FAILURE]
    (row,) = await _rows(log, f"SELECT payload FROM proposals WHERE id = {proposal['id']}")
    fix = json.loads(row[0])["also"][0]
    # The fix alone, adopted from elsewhere (an older inbox held it on its own).
    async with log.transaction() as conn:
        await conn.execute(
            "INSERT INTO proposals (dream_id, op, kind, statement, payload, confidence, "
            "support, fingerprint, graph_hash, created) VALUES (1, 'add_node', 'fix', 'fix', ?, "
            "0.75, 2, ?, ?, '2026-11-25')",
            (json.dumps({"node": fix["node"]}), fix["pattern"], ABSENT),
        )
    alone = max(p["id"] for p in await inbox_json(log))
    assert (await adoption.adopt(log, alone)).outcome == Outcome.ADOPTED
    assert (await adoption.adopt(log, proposal["id"])).outcome == Outcome.STALE


async def test_forgetting_a_session_takes_its_words_from_both_memories(log: SessionLog) -> None:
    sessions = [
        await command_session(log, request, [REJECTED, PULL, PUSHED])
        for request in ("push my work", "ship it", "push the branch")
    ]
    await dream(log)
    (proposal,) = [p for p in await inbox_json(log) if p["kind"] == MemoryKind.FAILURE]
    await adoption.adopt(log, proposal["id"])
    await forget(log, sessions[0])
    assert (await _graph(log))["nodes"] == [
        (MemoryKind.FAILURE, 2),
        (MemoryKind.ENTITY, 2),
        (MemoryKind.FIX, 2),
    ]
    # The adopted proposal kept the wordings of both memories: neither is there any more.
    (row,) = await _rows(log, f"SELECT payload FROM proposals WHERE id = {proposal['id']}")
    assert not {"node", "also"} & set(json.loads(row[0]))


async def test_a_fix_waiting_on_its_own_gives_way_to_the_joined_proposal(
    log: SessionLog,
) -> None:
    await _failure_in_memory_then_its_fix(log)
    await dream(log)  # the failure is memory: its fix waits on its own
    added = [p["kind"] for p in await inbox_json(log) if p["op"] == "add_node"]
    assert MemoryKind.FIX in added and MemoryKind.FAILURE not in added
    await adoption.undo(log)  # the failure is not memory any more
    await command_session(log, "push again", [REJECTED, PULL, PUSHED])
    await dream(log)
    waiting = [p for p in await inbox_json(log) if p["op"] == "add_node" and p["kind"] != "entity"]
    assert [(p["kind"], p["support"], len(p["also"])) for p in waiting] == [
        (MemoryKind.FAILURE, 5, 1)
    ]
