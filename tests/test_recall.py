"""Recall: adopted memories relevant to a text, spread over the graph, within a budget; raw
messages when memory has nothing; and the next chat's system prompt carrying them."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.agent.loop import Agent
from app.agent.prompt import prompt_seen
from app.cli import main
from app.config import Config
from dreamer.dream import dream
from memory_graph.memory import adoption
from memory_graph.memory.recall import Recalled, recall, tokens
from memory_graph.memory.recall.memories import seeds
from memory_graph.memory.vocabulary import RecallReason
from memory_graph.store.session_log import SessionLog
from memory_graph.store.text import any_of, terms
from memory_graph.transcripts.importer import import_paths
from tests.support.demo import DEMO_HISTORY
from tests.support.fake_api import FakeMessagesAPI, text
from tests.support.inbox import inbox_json
from tests.support.recorder import Recorder


@pytest.fixture
async def remembered(log: SessionLog) -> SessionLog:
    """The demo, dreamt, with every proposal adopted except the em-dash preference (rejected)."""
    await import_paths(log, [DEMO_HISTORY])
    await dream(log)
    for proposal in await inbox_json(log):
        if "em dashes" in proposal["statement"]:
            await adoption.reject(log, proposal["id"])
        else:
            await adoption.adopt(log, proposal["id"])
    return log


async def test_memories_and_episodes_fused_and_the_graph_brings_neighbours(
    remembered: SessionLog,
) -> None:
    found = await recall(remembered, "export the essay to PDF", k=10)
    memories = [hit for hit in found.hits if hit.node_id is not None]
    workflow = next(hit for hit in memories if hit.kind == "workflow")
    assert "PDF" in workflow.statement and found.hits[0].node_id is not None
    episodes = [hit for hit in found.hits if hit.node_id is None]
    # The two rankings alternate: a memory first, then the best raw message, and so on.
    assert [hit.node_id is not None for hit in found.hits[:4]] == [True, False, True, False]
    # Knowledge alternates with raw messages; topics and entities (context) come after both.
    assert len(memories) + len(episodes) == 10 and len(memories) >= 3
    assert all(hit.kind not in ("topic", "entity") for hit in memories[:3])
    statements = " ".join(hit.statement for hit in memories)
    # The fix that works instead comes with them.
    assert "soffice --headless --convert-to" in statements
    # Why it came back: its own words (tests/test_mentions.py follows an edge).
    assert workflow.reason is RecallReason.MATCHED
    # The evidence shown is what bears on the question most: three requests that say "export"
    # and "PDF" (not demo-023's "give me a PDF"); the rest is in the memory browser.
    evidence = workflow.evidence
    assert {e.session_external_id for e in evidence} == {"demo-012", "demo-017", "demo-032"}
    assert set(evidence[0].to_json()) == {
        "session_id",
        "session_external_id",
        "message_id",
        "message_external_id",
    }
    assert episodes[0].evidence[0].session_external_id.startswith("demo-")


async def test_rejected_and_retired_memories_never_come_back(remembered: SessionLog) -> None:
    assert not [h for h in (await recall(remembered, "em dashes")).hits if h.node_id]
    # A preference stands: every turn carries it, whatever is asked.
    found = (await recall(remembered, "answer in bullet points")).standing
    bullets = next(hit for hit in found if "bullet points" in hit.statement)
    assert bullets.kind == "preference"
    assert all("em dash" not in hit.statement for hit in found)
    async with remembered.transaction() as conn:
        # Retired by hand, as the memory browser does: recall drops it at once.
        await conn.execute("UPDATE nodes SET status = 'retired' WHERE id = ?", (bullets.node_id,))
    assert bullets.node_id not in (await recall(remembered, "answer in bullet points")).memories


async def test_episodes_fill_in_when_memory_has_nothing(remembered: SessionLog) -> None:
    found = await recall(remembered, "chestnut carts in the rain", k=3)
    assert [hit.reason for hit in found.hits] == ["episode"] * len(found.hits) and found.hits
    assert all(hit.kind is None and hit.node_id is None for hit in found.hits)
    assert "chestnut" in found.hits[0].statement
    assert found.hits[0].evidence[0].session_external_id == "demo-015"
    # Private sessions are never recalled, as memory or as episode.
    assert (await recall(remembered, "my salary")).hits == []


async def test_the_budget_bounds_what_is_recalled(remembered: SessionLog) -> None:
    everything = await recall(remembered, "ledger pytest pandoc git export", k=20, budget=10_000)
    assert len(everything.hits) > 5
    small = await recall(remembered, "ledger pytest pandoc git export", k=20, budget=120)
    assert 0 < len(small.hits) < len(everything.hits)
    assert sum(tokens(hit.statement) for hit in small.hits) <= 120
    assert (await recall(remembered, "ledger", budget=0)).hits == []


async def test_the_next_chat_carries_adopted_memory_in_its_system_prompt(
    remembered: SessionLog, config: Config, fake_api: FakeMessagesAPI
) -> None:
    fake_api.add(text("Here is the PDF plan."))
    agent = Agent(remembered, config)
    session = await remembered.create_session()
    await agent.run_turn(session.id, "please export my notes to PDF", Recorder())
    system = fake_api.requests[0]["system"]
    assert "What you remember about the user" in system
    assert "soffice --headless --convert-to" in system
    assert "em dashes" not in system  # rejected
    events = [e for e in await remembered.events(session.id) if e.kind == "recall"]
    assert len(events) == 1 and events[0].data["memories"]
    # The prompt is logged with the session, as every prompt is: what recall added, by
    # reference (no copy of another session's words), rebuilt word for word.
    logged = [m for m in await remembered.messages(session.id) if m.role == "system"]
    assert "soffice" not in logged[-1].text and logged[-1].meta["recalled"]["memories"]
    assert await prompt_seen(remembered, logged[-1]) == system


def test_recall_from_the_command_line(
    capsys: pytest.CaptureFixture[str], home: Path, tmp_path: Path
) -> None:
    def run(*argv: str) -> tuple[int, str, str]:
        code = main(["--home", str(home), *argv])
        out, err = capsys.readouterr()
        return code, out, err

    run("import", str(DEMO_HISTORY))
    run("dream")
    run("adopt", "--all")
    code, out, _ = run("recall", "export to PDF", "--k", "3", "--json")
    result = json.loads(out)
    assert code == 0 and result["query"] == "export to PDF" and len(result["hits"]) == 3
    assert set(result["hits"][0]) == {"node_id", "kind", "reason", "statement", "score", "evidence"}
    batch = tmp_path / "queries.jsonl"
    batch.write_text('{"query": "ledger"}\nnot json\n{"query": "chestnut carts"}\n')
    code, out, err = run("recall", "--batch", str(batch))
    lines = [json.loads(line) for line in out.splitlines()]
    assert code == 1 and "line 2: not JSON" in err
    assert [line["query"] for line in lines] == ["ledger", None, "chestnut carts"]
    assert lines[2]["hits"][0]["kind"] == "episode"
    # Neither a query nor --batch is bad usage (test_cli_usage.py runs it as a process).
    with pytest.raises(SystemExit) as exit_info:
        run("recall")
    assert exit_info.value.code == 2


async def _conversation(log: SessionLog, *turns: tuple[str, str]) -> None:
    session = await log.create_session()
    for role, said in turns:
        await log.append_message(session.id, role, [{"type": "text", "text": said}])


def _episodes(found: Recalled) -> list[str]:
    return [hit.statement for hit in found.hits if hit.reason is RecallReason.EPISODE]


async def test_an_answer_is_found_through_the_question_before_it(log: SessionLog) -> None:
    await _conversation(
        log,
        ("user", "Where did we leave the spare key for the cabin?"),
        ("assistant", "Under the blue flowerpot by the back door."),
        ("user", "Thanks. Unrelated: what's a good bread recipe?"),
        ("assistant", "Flour, water, salt and yeast; knead ten minutes."),
    )
    await _conversation(log, ("user", "the cabin needs a new roof"), ("assistant", "Noted."))
    shown = _episodes(await recall(log, "spare key cabin"))
    # The answer shares no word with the query; its question does.
    assert "assistant: Under the blue flowerpot by the back door." in shown
    assert shown.index("assistant: Under the blue flowerpot by the back door.") < 3


async def test_a_query_naming_one_side_prefers_what_that_side_said(log: SessionLog) -> None:
    # The assistant calls the user Maya, often enough to be told from a word both use.
    for day in range(24):
        await _conversation(
            log,
            ("user", f"day {day}: tell me about the weather"),
            ("assistant", f"Sunny today, Maya. Day {day} looks fine."),
        )
    await _conversation(log, ("user", "I started pottery classes"), ("assistant", "Nice."))
    await _conversation(
        log, ("user", "what should I cook?"), ("assistant", "Pottery is lovely, Maya!")
    )
    # Alone, BM25 puts the assistant's line first: it has both words.
    shown = _episodes(await recall(log, "Maya pottery"))
    assert shown[0] == "assistant: Pottery is lovely, Maya!"
    shown = _episodes(await recall(log, "What did Maya say about pottery?"))
    assert shown[0] == "user: I started pottery classes"


async def test_a_memory_naming_more_of_the_turns_words_is_not_outranked_in_a_small_graph(
    log: SessionLog,
) -> None:
    # Seven memories: "kiln", "glaze" and "bisque" are each in three of them, so FTS5's BM25
    # weighs them at almost nothing, and one rare word would win alone.
    statements = [
        "When the kiln glaze crawls on bisque, wipe the bisque with a damp sponge first",
        "the kiln vents need a clean every month",
        "bisque firings run on cone 04",
        "glaze buckets stay sealed overnight",
        "the kiln controller beeps at the end of a bisque load",
        "glaze recipes live in the green notebook",
        "porcelain orders ship on fridays",
    ]
    when = "2026-01-01T00:00:00.000Z"
    async with log.transaction() as conn:
        await conn.executemany(
            "INSERT INTO nodes (id, pattern, kind, statement, support, first_seen, last_seen, "
            "adopted, updated) VALUES (?, ?, 'fix', ?, 2, ?, ?, ?, ?)",
            [(n, f"p{n}", s, when, when, when, when) for n, s in enumerate(statements, 1)],
        )
    words = terms("glaze on the bisque in the kiln, as for porcelain")
    by_bm25 = await log.connection.execute_fetchall(
        "SELECT rowid FROM nodes_fts WHERE nodes_fts MATCH ? ORDER BY bm25(nodes_fts) LIMIT 1",
        (any_of(words),),
    )
    assert [row[0] for row in by_bm25] == [7]
    seeded = await seeds(log, words, await log.memo())
    assert max(seeded, key=lambda node: seeded[node]) == 1
    assert abs(sum(seeded.values()) - 1) < 1e-9
