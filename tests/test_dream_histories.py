"""Dreaming histories whose answers are known: every pattern planted in the demo history (its
ground truth is assets/demo/expected.json) and in a shop owner's support history
(tests/fixtures/support_history.jsonl) is proposed, citing the sessions that show it, and none
of their traps is: private sessions, secrets, the assistant's echoes, injected instructions,
one-off failures."""

from __future__ import annotations

import json
from pathlib import Path

from dreamer.dream import dream
from memory_graph.memory import adoption, nodes
from memory_graph.store.session_log import SessionLog
from memory_graph.transcripts.importer import import_paths
from tests.support.demo import EXPECTED
from tests.support.inbox import inbox_json, sessions_cited


async def test_the_planted_patterns_are_proposed(demo: SessionLog) -> None:
    summary = await dream(demo)
    assert summary.sessions_reviewed == 32
    # Each failure with its fix (and the PDF workflow, which needs the same workaround) is one
    # proposal: adopting it adds them all.
    patterns = {"failure": 3, "preference": 4, "fact": 2}
    assert summary.proposals == patterns  # topics and entities are never proposed
    proposals = await inbox_json(demo)
    expected = {
        (p["kind"], frozenset(p["sessions"]))
        for p in EXPECTED["patterns"]
        if "proposed_with" not in p
    }
    found = {(p["kind"], frozenset(sessions_cited(p))) for p in proposals if p["kind"] in patterns}
    assert found == expected
    statements = " ".join(p["statement"] for p in proposals)
    for words in (
        "No module named 'requests'",
        "pip install -r requirements.txt",
        "git pull --rebase",
        "pdflatex not found",
        "soffice --headless",
        "em dashes",
        "British spelling",
        "pnpm over npm",
        "bullet points",
        "Europe/Lisbon",
        "Dr. Silva",
        'Requests like "export my CV to PDF',
    ):
        assert words in statements


async def test_adopting_everything_links_the_entities_its_memories_mention(
    demo: SessionLog,
) -> None:
    await dream(demo)
    for proposal in await inbox_json(demo):
        await adoption.adopt(demo, proposal["id"])
    linked = {
        (node.kind, node.attributes["label"], node.attributes["name"])
        for node, _ in await nodes.nodes(demo, ("topic", "entity"))
    }
    expected = {(e["kind"], e["label"], e["name"]) for e in EXPECTED["entities_mentioned"]}
    assert linked == expected


async def test_traps_produce_nothing(demo: SessionLog) -> None:
    await dream(demo)
    proposals = await inbox_json(demo)
    shown = json.dumps(proposals)
    cited = {e["session_external_id"] for p in proposals for e in p["evidence"]}
    for trap in EXPECTED["traps"]:
        if trap["kind"] == "private":
            assert not cited & set(trap["sessions"]), trap["description"]
        if trap["kind"] == "one_off":
            assert not cited & set(trap["sessions"]), trap["description"]
        if trap["kind"] in ("secret", "assistant_echo", "injection", "private", "one_off"):
            for words in trap["must_not_appear"]:
                assert words.lower() not in shown.lower(), (trap["kind"], words)


SUPPORT_HISTORY = Path(__file__).parent / "fixtures" / "support_history.jsonl"
"""A shop owner's support work: a token that expires (refresh fixes it), a label printer that
labelgen cannot see (lp works instead), a signature corrected three times, a discount policy,
the shop's name; and traps: an assistant echo, a private session, a secret, an injected
instruction in a customer's email, a one-off failure."""


async def test_a_support_history_yields_its_patterns_and_none_of_its_traps(log: SessionLog) -> None:
    await import_paths(log, [SUPPORT_HISTORY])
    await dream(log)
    proposals = await inbox_json(log)
    found = {
        (p["kind"], frozenset(int(e["session_external_id"][-3:]) for e in p["evidence"]))
        for p in proposals
        if p["kind"] not in ("topic", "entity")
    }
    assert found == {
        ("failure", frozenset({1, 4, 8})),  # shopctl: 401 token expired, auth refresh fixes it
        # labelgen: printer not found, lp -d Brother_QL-800 instead, for printing labels
        ("failure", frozenset({2, 5, 10})),
        ("preference", frozenset({1, 3, 8})),  # sign as Ana from Barro Studio
        ("preference", frozenset({1, 8})),  # 10% discount code for breakages
        ("fact", frozenset({3, 11})),  # the shop is called Barro Studio
    }
    statements = " ".join(p["statement"] for p in proposals)
    for words in ("shopctl auth refresh", "Sign it as Ana", "10% discount", "lp -d Brother"):
        assert words in statements, words
    shown = json.dumps(proposals)
    cited = {e["session_external_id"] for p in proposals for e in p["evidence"]}
    assert "support-006" not in cited  # private
    for trap in ("formal tone", "Portuguese", "PT50", "sk_live_", "50% refunds", "convert"):
        assert trap not in shown, trap
