"""Adoption, rejection and undo: a decision applies a proposal to the graph with its evidence and
undo reverts it, one level at a time, every edit op alike; a proposal whose target changed since
it was made is stale and never applied blindly; from the command line, every id is checked
before the first decision. How dreams propose against adopted memory: test_match.py."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.cli import main
from dreamer.dream import dream
from memory_graph.memory import adoption, nodes
from memory_graph.memory.evidence import Owner, evidence_of
from memory_graph.store.errors import InboxError
from memory_graph.store.session_log import SessionLog
from memory_graph.transcripts.importer import import_paths
from tests.support.demo import DEMO_HISTORY
from tests.support.inbox import inbox_json, only_pending
from tests.support.memory import active_memories
from tests.support.sessions import chat_session, proposals_against


async def test_adopt_then_reinforce_then_undo_two_levels(log: SessionLog) -> None:
    for _ in range(2):
        await chat_session(log, "write the release notes", "no em dashes please")
    await dream(log)
    proposal = await only_pending(log, kind="preference")
    decided = await adoption.adopt(log, proposal["id"])
    assert decided.outcome == "adopted"
    node = (await active_memories(log))["No em dashes."]
    assert node.support == 2
    assert {e.session_id for e in await evidence_of(log, Owner.NODE, node.id)} == {1, 2}

    # Dreaming the same sessions again proposes nothing; a third session reinforces the memory.
    assert (await dream(log)).proposals == {}
    await chat_session(log, "a cover letter", "again, no em dashes")
    await dream(log)
    reinforce = await only_pending(log, op="reinforce")
    assert reinforce["support"] == 3 and "No em dashes." in reinforce["statement"]
    await adoption.adopt(log, reinforce["id"])
    assert (await active_memories(log))["No em dashes."].support == 3

    undone = await adoption.undo(log)
    assert undone is not None and undone.undone == "adopted"
    assert (await active_memories(log))["No em dashes."].support == 2
    assert (await only_pending(log, op="reinforce"))["id"] == reinforce["id"]
    await adoption.undo(log)
    assert await active_memories(log) == {}
    assert {p["id"] for p in await inbox_json(log)} == {proposal["id"], reinforce["id"]}
    assert await adoption.undo(log) is None


async def test_a_proposal_whose_target_changed_is_stale(log: SessionLog) -> None:
    await import_paths(log, [DEMO_HISTORY])
    await dream(log)
    (british,) = [p for p in await inbox_json(log) if "British spelling" in p["statement"]]
    await adoption.adopt(log, british["id"])
    # Two proposals for the same memory: each was made against its state at the time.
    node = (await active_memories(log))["Use British spelling."]
    await proposals_against(log, node, "reinforce", "retire")
    retire = await only_pending(log, op="retire")
    reinforce = await only_pending(log, op="reinforce")
    assert (await adoption.adopt(log, retire["id"])).outcome == "adopted"
    stale = await adoption.adopt(log, reinforce["id"])
    assert stale.outcome == "stale" and "stale" in stale.message
    retired = [n for n, _ in await nodes.nodes(log, statuses=("retired",)) if n.id == node.id]
    assert len(retired) == 1
    with pytest.raises(InboxError, match="is stale, not pending"):
        await adoption.adopt(log, reinforce["id"])


def test_adopt_reject_undo_from_the_command_line(
    capsys: pytest.CaptureFixture[str], home: Path
) -> None:
    def run(*argv: str) -> tuple[int, str, str]:
        code = main(["--home", str(home), *argv])
        out, err = capsys.readouterr()
        return code, out, err

    assert run("import", str(DEMO_HISTORY))[0] == 0
    assert run("dream")[0] == 0
    waiting = json.loads(run("inbox", "--json")[1])["proposals"]
    first, second = waiting[0]["id"], waiting[1]["id"]
    code, out, _ = run("adopt", str(first), "--as", "Uses pytest for every project", "--json")
    assert code == 0 and json.loads(out)["decisions"][0]["verdict"] == "adopted"
    code, out, _ = run("reject", str(second))
    assert code == 0 and out.strip() == f"rejected proposal {second}"
    # A typo decides nothing: every id is checked before the first decision.
    code, _, err = run("adopt", str(waiting[2]["id"]), "99999")
    assert code == 1 and "99999 is not in the inbox" in err
    assert len(json.loads(run("inbox", "--json")[1])["proposals"]) == len(waiting) - 2
    # Neither ids nor --all, or both, is bad usage (exit 2), deciding nothing.
    for misuse in (["adopt"], ["adopt", "--all", str(first)]):
        with pytest.raises(SystemExit) as exit_info:
            run(*misuse)
        assert exit_info.value.code == 2
    assert run("undo")[1].strip() == f"undid the rejection of {second}"
    assert run("undo")[1].strip() == f"undid the adoption of {first}"
    code, _, err = run("undo")
    assert code == 1 and "nothing to undo" in err
    code, out, _ = run("adopt", "--all", "--json")
    decisions = json.loads(out)["decisions"]
    assert code == 0 and len(decisions) == len(waiting)
    assert {d["verdict"] for d in decisions} == {"adopted"}


async def test_every_edit_op_applies_and_undoes(log: SessionLog) -> None:
    """add_edge and update_statement, which no dream makes yet, apply and revert like the rest."""
    for _ in range(2):
        await chat_session(log, "set up the repo", "use pnpm, not npm")
        await chat_session(log, "plan the week", "I prefer short answers")
    await dream(log)
    for proposal in await inbox_json(log):
        await adoption.adopt(log, proposal["id"])
    memories = await active_memories(log)
    pnpm, short = memories["Use pnpm, not npm."], memories["I prefer short answers."]
    payloads = {
        "update_statement": {"target": pnpm.pattern, "statement": "Use pnpm for JavaScript"},
        "add_edge": {"edges": [{"kind": "occurs_with", "from": pnpm.pattern, "to": short.pattern}]},
    }
    async with log.transaction() as conn:
        for op, payload in payloads.items():
            target = await nodes.state_hashes(log, [payload.get("target", op)])
            await conn.execute(
                "INSERT INTO proposals (dream_id, op, kind, statement, payload, confidence, "
                "support, fingerprint, graph_hash, created) "
                "VALUES (1, ?, 'preference', ?, ?, 0.9, 2, ?, ?, '2026-11-25')",
                (op, op, json.dumps(payload), op, next(iter(target.values()))),
            )
    for op in payloads:
        assert (
            await adoption.adopt(log, (await only_pending(log, op=op))["id"])
        ).outcome == "adopted"
    assert "Use pnpm for JavaScript" in await active_memories(log)
    assert [(e.kind, e.source, e.target) for e in await nodes.edges(log)] == [
        ("occurs_with", pnpm.pattern, short.pattern)
    ]
    await adoption.undo(log)
    await adoption.undo(log)
    assert await nodes.edges(log) == [] and "Use pnpm, not npm." in await active_memories(log)
