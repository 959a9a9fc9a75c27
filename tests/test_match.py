"""What a dream finds, matched against the adopted graph and the inbox before it is proposed:
saying the opposite of a memory proposes to supersede it, another wording of it joins it
(reinforce, or merge for a pattern named another way), a memory gone quiet is proposed for
retirement; a pending proposal is replaced only when its support grew, and a rejected one
returns only at double the support."""

from __future__ import annotations

from typing import Any

from dreamer.dream import dream
from memory_graph.memory import adoption, nodes
from memory_graph.memory.evidence import Owner, evidence_of
from memory_graph.store.session_log import SessionLog
from tests.support.demo import PROPOSED
from tests.support.inbox import inbox_json, only_pending
from tests.support.memory import active_memories
from tests.support.sessions import chat_session, command_session


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
    npm = await only_pending(log, op="supersede", kind="preference")
    assert npm["statement"].startswith('Instead of "Use pnpm, not npm.":'), npm["statement"]
    timezone = await only_pending(log, op="supersede", kind="fact")
    assert "America/New_York" in timezone["statement"]
    decided = await adoption.adopt(log, npm["id"])
    by_statement = {
        node.statement: node
        for node, _ in await nodes.nodes(log, statuses=("active", "superseded"))
    }
    assert by_statement["Use pnpm, not npm."].status == "superseded"
    assert by_statement["Use npm, not pnpm."].status == "active"
    kinds = {(e.kind, e.source, e.target) for e in await nodes.edges(log)}
    new, old = by_statement["Use npm, not pnpm."], by_statement["Use pnpm, not npm."]
    assert ("supersedes", new.pattern, old.pattern) in kinds
    assert decided.nodes and set(decided.nodes) == {new.id, old.id}


async def test_a_restatement_of_a_memory_joins_it(log: SessionLog) -> None:
    from dreamer.extractors.llm import TOOL_NAME

    for _ in range(2):
        await chat_session(log, "draft the newsletter", "I prefer British spelling")
    pandoc = ("pandoc a.md -o a.pdf", "pdflatex not found. Install pdflatex", 47)
    for _ in range(2):
        await command_session(log, "make a PDF of a.md", [pandoc])
    await dream(log)
    for kind in ("preference", "failure"):
        await adoption.adopt(log, (await only_pending(log, kind=kind, op="add_node"))["id"])
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
    reinforce = await only_pending(log, op="reinforce")
    assert reinforce["statement"] == 'Seen again: "I prefer British spelling." (4 sessions, 2 more)'
    # Its wording of a failure the extractors named by signature is proposed as a merge.
    merged = await only_pending(log, op="merge")
    assert merged["statement"].startswith('Says the same as "`pandoc` fails with: pdflatex')
    await adoption.adopt(log, merged["id"])
    node = next(n for s, n in (await active_memories(log)).items() if s.startswith("`pandoc`"))
    assert node.support == 2  # the larger of the two: never counts a shared session twice
    assert len(await evidence_of(log, Owner.NODE, node.id)) == 4
    patterns = [p for n, p in await nodes.nodes(log, ("failure",)) if n.id == node.id]
    assert len(patterns[0]) == 2  # the node stands for both patterns now


async def test_memories_gone_quiet_are_proposed_for_retirement(log: SessionLog) -> None:
    failing = [("vale sync", "vale: error: unable to download styles (HTTP 503)", 1)]
    for name in ("handbook", "runbook"):
        await command_session(log, f"lint the {name} prose", failing)
    await dream(log)
    await adoption.adopt(log, (await only_pending(log, kind="failure"))["id"])
    for number in range(99):
        await chat_session(log, f"question {number}", workspace="/home/ines/code/ledger-site")
    await dream(log, limit=200)
    assert [p for p in await inbox_json(log) if p["op"] == "retire"] == []
    await chat_session(log, "one more", workspace="/home/ines/code/ledger-site")
    await dream(log)
    retire = await only_pending(log, op="retire")
    assert retire["statement"].startswith('Retire "`vale sync` fails with')
    assert [e["session_id"] for e in retire["evidence"]] == [2]  # where it was seen last
    await adoption.adopt(log, retire["id"])
    assert await nodes.nodes(log, ("failure",)) == []
    # The program it mentions is not retired with it: entities are never proposed, for
    # retirement or otherwise.
    assert [n.statement for n, _ in await nodes.nodes(log, ("entity",))] == ["The program `vale`"]


async def test_a_pattern_that_grows_replaces_its_pending_proposal(demo: SessionLog) -> None:
    while (await dream(demo, limit=4)).sessions_reviewed:
        pass
    pending = await inbox_json(demo)
    assert len(pending) == PROPOSED
    assert all(p["support"] == len({e["session_id"] for e in p["evidence"]}) for p in pending)
    async with demo.connection.execute(
        "SELECT COUNT(*) FROM proposals WHERE status = 'superseded'"
    ) as cursor:
        assert (await cursor.fetchone())[0] > 0


async def test_a_rejected_pattern_returns_only_at_double_support(log: SessionLog) -> None:
    for _ in range(2):
        await chat_session(log, "tidy my notes", "I prefer short answers")
    await dream(log)
    await adoption.reject(log, (await only_pending(log, kind="preference"))["id"])
    await chat_session(log, "plan my week", "I prefer short answers")
    await dream(log)
    assert await inbox_json(log) == []
    await chat_session(log, "plan my trip", "I prefer short answers")
    await dream(log)
    assert (await only_pending(log, kind="preference"))["support"] == 4
    # An undo of the rejection does not put the older proposal beside the newer one.
    await adoption.undo(log)
    assert len([p for p in await inbox_json(log) if p["kind"] == "preference"]) == 1
