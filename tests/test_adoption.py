"""Adoption, rejection and undo, and the dreamer matching what it finds against the adopted
graph: reinforce, supersede, merge, retire, and stale proposals never applied blindly."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from app.cli import main
from dreamer.dream import dream
from memory_graph.memory import adoption, nodes
from memory_graph.memory.evidence import Owner, evidence_of
from memory_graph.store.errors import InboxError
from memory_graph.store.session_log import SessionLog
from memory_graph.transcripts.importer import import_paths
from tests.support.demo import DEMO_HISTORY
from tests.support.inbox import inbox_json
from tests.support.sessions import chat_session, command_session, proposals_against


async def _only(log: SessionLog, **match: Any) -> dict[str, Any]:
    """The one pending proposal with these fields."""
    found = [p for p in await inbox_json(log) if all(p[k] == v for k, v in match.items())]
    assert len(found) == 1, (match, [(p["op"], p["kind"], p["statement"]) for p in found])
    return found[0]


async def _active(log: SessionLog) -> dict[str, nodes.Node]:
    return {node.statement: node for node, _ in await nodes.nodes(log)}


async def test_adopt_then_reinforce_then_undo_two_levels(log: SessionLog) -> None:
    for _ in range(2):
        await chat_session(log, "write the release notes", "no em dashes please")
    await dream(log)
    proposal = await _only(log, kind="preference")
    decided = await adoption.adopt(log, proposal["id"])
    assert decided.outcome == "adopted"
    node = (await _active(log))["no em dashes please"]
    assert node.support == 2
    assert {e.session_id for e in await evidence_of(log, Owner.NODE, node.id)} == {1, 2}

    # Dreaming the same sessions again proposes nothing; a third session reinforces the memory.
    assert (await dream(log)).proposals == {}
    await chat_session(log, "a cover letter", "again, no em dashes")
    await dream(log)
    reinforce = await _only(log, op="reinforce")
    assert reinforce["support"] == 3 and "no em dashes please" in reinforce["statement"]
    await adoption.adopt(log, reinforce["id"])
    assert (await _active(log))["no em dashes please"].support == 3

    undone = await adoption.undo(log)
    assert undone is not None and undone.undone == "adopted"
    assert (await _active(log))["no em dashes please"].support == 2
    assert (await _only(log, op="reinforce"))["id"] == reinforce["id"]
    await adoption.undo(log)
    assert await _active(log) == {}
    assert {p["id"] for p in await inbox_json(log)} == {proposal["id"], reinforce["id"]}
    assert await adoption.undo(log) is None


async def test_a_rejected_pattern_returns_only_at_double_support(log: SessionLog) -> None:
    for _ in range(2):
        await chat_session(log, "tidy my notes", "I prefer short answers")
    await dream(log)
    await adoption.reject(log, (await _only(log, kind="preference"))["id"])
    await chat_session(log, "plan my week", "I prefer short answers")
    await dream(log)
    assert await inbox_json(log) == []
    await chat_session(log, "plan my trip", "I prefer short answers")
    await dream(log)
    assert (await _only(log, kind="preference"))["support"] == 4
    # An undo of the rejection does not put the older proposal beside the newer one.
    await adoption.undo(log)
    assert len([p for p in await inbox_json(log) if p["kind"] == "preference"]) == 1


async def test_saying_the_opposite_proposes_to_supersede(log: SessionLog) -> None:
    for _ in range(2):
        await chat_session(log, "set up the repo", "use pnpm, not npm")
    await chat_session(log, "my timezone is Europe/Lisbon")
    await chat_session(log, "remember that my timezone is Europe/Lisbon")
    await dream(log)
    for proposal in await inbox_json(log):
        await adoption.adopt(log, proposal["id"])
    # The user moved and changed their mind.
    for _ in range(2):
        await chat_session(log, "new project", "actually use npm, not pnpm")
        await chat_session(log, "my timezone is America/New_York now")
    await dream(log)
    npm = await _only(log, op="supersede", kind="preference")
    assert npm["statement"].startswith('Instead of "use pnpm, not npm":'), npm["statement"]
    timezone = await _only(log, op="supersede", kind="fact")
    assert "America/New_York" in timezone["statement"]
    decided = await adoption.adopt(log, npm["id"])
    by_statement = {
        node.statement: node
        for node, _ in await nodes.nodes(log, statuses=("active", "superseded"))
    }
    assert by_statement["use pnpm, not npm"].status == "superseded"
    assert by_statement["actually use npm, not pnpm"].status == "active"
    kinds = {(e.kind, e.source, e.target) for e in await nodes.edges(log)}
    new, old = by_statement["actually use npm, not pnpm"], by_statement["use pnpm, not npm"]
    assert ("supersedes", new.pattern, old.pattern) in kinds
    assert decided.nodes and set(decided.nodes) == {new.id, old.id}


async def test_a_proposal_whose_target_changed_is_stale(log: SessionLog) -> None:
    await import_paths(log, [DEMO_HISTORY])
    await dream(log)
    topic = await _only(log, kind="topic", statement="The project 'ledger' comes up in 9 sessions.")
    await adoption.adopt(log, topic["id"])
    # Two proposals for the same memory: each was made against its state at the time.
    node = (await _active(log))["The project 'ledger'"]
    await proposals_against(log, node, "reinforce", "retire")
    retire = await _only(log, op="retire")
    reinforce = await _only(log, op="reinforce")
    assert (await adoption.adopt(log, retire["id"])).outcome == "adopted"
    stale = await adoption.adopt(log, reinforce["id"])
    assert stale.outcome == "stale" and "stale" in stale.message
    retired = [n for n, _ in await nodes.nodes(log, statuses=("retired",)) if n.id == node.id]
    assert len(retired) == 1
    with pytest.raises(InboxError, match="is stale, not pending"):
        await adoption.adopt(log, reinforce["id"])


async def test_memories_gone_quiet_are_proposed_for_retirement(log: SessionLog) -> None:
    for name in ("alpha", "beta", "gamma"):
        await chat_session(log, f"work on {name}", workspace="/home/ines/code/tram-times")
    await dream(log)
    await adoption.adopt(log, (await _only(log, kind="topic"))["id"])
    for number in range(99):
        await chat_session(log, f"question {number}", workspace="/home/ines/code/ledger-site")
    await dream(log, limit=200)
    assert [p for p in await inbox_json(log) if p["op"] == "retire"] == []
    await chat_session(log, "one more", workspace="/home/ines/code/ledger-site")
    await dream(log)
    retire = await _only(log, op="retire")
    assert retire["statement"].startswith("Retire \"The project 'tram-times'\"?")
    assert [e["session_id"] for e in retire["evidence"]] == [3]
    await adoption.adopt(log, retire["id"])
    assert await nodes.nodes(log, ("topic",)) == []


async def test_a_restatement_of_a_memory_joins_it(log: SessionLog) -> None:
    from dreamer.extractors.llm import TOOL_NAME

    for _ in range(2):
        await chat_session(log, "draft the newsletter", "I prefer British spelling")
    pandoc = ("pandoc a.md -o a.pdf", "pdflatex not found. Install pdflatex", 47)
    for _ in range(2):
        await command_session(log, "make a PDF of a.md", [pandoc])
    await dream(log)
    for kind in ("preference", "failure"):
        await adoption.adopt(log, (await _only(log, kind=kind, op="add_node"))["id"])
    first = await chat_session(log, "the essay", "please write it for a British reader")
    second = await chat_session(log, "the column", "mind the spelling for UK readers")

    class Model:
        """The dreamer's seam for a model: answers as one would, without an endpoint."""

        model = "test-model"

        async def __call__(self, request: dict[str, Any]) -> Any:
            assert request["tool_choice"]["name"] == TOOL_NAME
            ids = [m.id for s in (first, second) for m in await log.messages(s) if m.role == "user"]
            return {
                "patterns": [
                    {
                        "kind": "preference",
                        "statement": "The user prefers British spelling in what is written",
                        "message_ids": ids,
                    },
                    {
                        "kind": "failure",
                        "statement": "`pandoc` fails with pdflatex not found",
                        "message_ids": ids,
                    },
                ]
            }

    await dream(log, model=Model())
    # The model's wording of a preference joins the user's own pattern: more support for it.
    reinforce = await _only(log, op="reinforce")
    assert reinforce["statement"] == 'Seen again: "I prefer British spelling" (4 sessions, 2 more)'
    # Its wording of a failure the extractors named by signature is proposed as a merge.
    merged = await _only(log, op="merge")
    assert merged["statement"].startswith('Says the same as "`pandoc` fails with: pdflatex')
    await adoption.adopt(log, merged["id"])
    node = next(n for s, n in (await _active(log)).items() if s.startswith("`pandoc`"))
    assert node.support == 2  # the larger of the two: never counts a shared session twice
    assert len(await evidence_of(log, Owner.NODE, node.id)) == 4
    patterns = [p for n, p in await nodes.nodes(log, ("failure",)) if n.id == node.id]
    assert len(patterns[0]) == 2  # the node stands for both patterns now


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
    assert run("adopt")[0] == 1 and run("adopt", "--all", str(first))[0] == 1
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
    memories = await _active(log)
    pnpm, short = memories["use pnpm, not npm"], memories["I prefer short answers"]
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
        assert (await adoption.adopt(log, (await _only(log, op=op))["id"])).outcome == "adopted"
    assert "Use pnpm for JavaScript" in await _active(log)
    assert [(e.kind, e.source, e.target) for e in await nodes.edges(log)] == [
        ("occurs_with", pnpm.pattern, short.pattern)
    ]
    await adoption.undo(log)
    await adoption.undo(log)
    assert await nodes.edges(log) == [] and "use pnpm, not npm" in await _active(log)
