"""forget --vacuum leaves no copy of a session's words in the file, WAL included: recall logs
what it handed the model by reference, a memory worded from the session is retired and a
re-wording from its remaining evidence waits in the inbox, and prompts logged with recalled
text before that rule are scrubbed."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from app.agent.loop import Agent, TurnObserver
from app.agent.prompt import prompt_seen
from app.cli.privacy import forgot_line
from app.config import Config
from dreamer.dream import dream
from memory_graph.memory import adoption
from memory_graph.memory.forget import UNWORDED, forget, vacuum
from memory_graph.memory.recall import Recalled, RecallHit, recall
from memory_graph.store.db import DATABASE_NAME
from memory_graph.store.session_log import SessionLog
from tests.support.fake_api import FakeMessagesAPI, text
from tests.support.inbox import inbox_json
from tests.support.sessions import chat_session

SECRETIVE = "quetzalcoatl"
"""A word only the forgotten session ever said."""


def _file_bytes(home: Path) -> bytes:
    """The database as it lies on disk: the file and its write-ahead log."""
    found = b""
    for suffix in ("", "-wal"):
        path = home / (DATABASE_NAME + suffix)
        if path.exists():
            found += path.read_bytes()
    return found


async def _said(log: SessionLog, *turns: str) -> tuple[int, list[int]]:
    session = await log.create_session()
    ids = []
    for turn in turns:
        message = await log.append_message(session.id, "user", [{"type": "text", "text": turn}])
        ids.append(message.id)
        await log.append_message(session.id, "assistant", [{"type": "text", "text": "Sure."}])
    return session.id, ids


async def _memory_worded_by(
    log: SessionLog, wording: str, source: int, evidence: list[tuple[int, int]]
) -> int:
    """A preference adopted from a proposal quoting `source`, backed by `evidence`."""
    async with log.transaction() as conn:
        await conn.execute(
            "INSERT INTO dreams (trigger, started, finished, seconds, sessions, extractors, "
            "counts) VALUES ('manual', '2026-01-01', '2026-01-01', 0, '[]', '{}', '{}')"
        )
        cursor = await conn.execute(
            "INSERT INTO proposals (dream_id, op, kind, statement, payload, confidence, support, "
            "fingerprint, graph_hash, created) VALUES (1, 'add_node', 'preference', ?, ?, 0.9, "
            "?, 'fp-thermos', 'absent', '2026-01-01') RETURNING id",
            (
                f'The user said: "{wording}"',
                json.dumps({"node": {"statement": wording, "source_message": source}}),
                len(evidence),
            ),
        )
        proposal = (await cursor.fetchone())[0]
        await cursor.close()
        await conn.executemany(
            "INSERT INTO proposal_evidence (proposal_id, session_id, message_id, span_start, "
            "span_end) VALUES (?, ?, ?, 0, 60)",
            [(proposal, session, message) for session, message in evidence],
        )
    decided = await adoption.adopt(log, proposal)
    return decided.nodes[0]


async def test_a_memory_worded_by_a_forgotten_session_is_retired_and_reworded(
    log: SessionLog, home: Path
) -> None:
    wording = f"I always pack the {SECRETIVE} thermos for hikes"
    gone, (gone_message,) = await _said(log, wording + ".")
    kept, (kept_message,) = await _said(log, "I always pack a thermos for hikes, the green one.")
    node = await _memory_worded_by(
        log, wording, gone_message, [(gone, gone_message), (kept, kept_message)]
    )
    assert any(hit.node_id == node for hit in _recalled(await recall(log, "thermos hikes")))

    forgotten = await forget(log, gone, "asked to")
    await vacuum(log)
    assert forgotten.reworded == (node,)
    # The wording of what forget did moved to the command line (`app.cli.privacy`).
    assert "1 memory to re-word" in forgot_line(forgotten)
    assert not [hit for hit in _recalled(await recall(log, "thermos hikes")) if hit.node_id == node]
    rows = await log.connection.execute_fetchall(
        "SELECT statement, status FROM nodes WHERE id = ?", (node,)
    )
    assert list(rows[0]) == [UNWORDED, "retired"]
    # The new wording comes from what remains, waits for a person, and brings the memory back.
    pending = [item for item in await inbox_json(log) if item["op"] == "update_statement"]
    assert len(pending) == 1 and "green one" in pending[0]["statement"]
    assert {e["session_id"] for e in pending[0]["evidence"]} == {kept}
    await adoption.adopt(log, pending[0]["id"])
    hits = [hit for hit in _recalled(await recall(log, "thermos hikes")) if hit.node_id == node]
    assert hits and "green one" in hits[0].statement
    await log.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert SECRETIVE.encode() not in _file_bytes(home)


async def test_recall_logs_by_reference_so_forget_leaves_no_copy_in_other_sessions(
    log: SessionLog, home: Path, config: Config, fake_api: FakeMessagesAPI
) -> None:
    gone, _ = await _said(log, f"the {SECRETIVE} lantern festival starts at the harbour")
    fake_api.add(text("It starts at the harbour."))
    asking = await log.create_session()
    await Agent(log, config).run_turn(
        asking.id, "where does the lantern festival start", TurnObserver()
    )
    assert SECRETIVE in fake_api.requests[0]["system"], "recalled for the model"
    prompt = next(m for m in await log.messages(asking.id) if m.role == "system")
    assert SECRETIVE not in prompt.text and prompt.meta["recalled"]["episodes"]
    assert SECRETIVE in await prompt_seen(log, prompt)

    await forget(log, gone)
    await vacuum(log)
    assert SECRETIVE not in await prompt_seen(log, prompt)
    assert SECRETIVE.encode() not in _file_bytes(home)


async def test_prompts_logged_with_recalled_text_before_are_scrubbed(
    log: SessionLog, home: Path
) -> None:
    gone, (message,) = await _said(log, f"my {SECRETIVE} password manager vault is on the nas")
    other = await log.create_session()
    legacy = (
        "You are Reverie.\n\n"
        "From earlier sessions (what was said then, not memories):\n"
        f"- [session {gone}, message {message}] user: my {SECRETIVE} vault is on the nas\n"
        "- [session 999, message 5] user: unrelated and kept"
    )
    await log.append_message(other.id, "system", [{"type": "text", "text": legacy}])
    await forget(log, gone)
    await vacuum(log)
    prompt = next(m for m in await log.messages(other.id) if m.role == "system")
    assert SECRETIVE not in prompt.text and "unrelated and kept" in prompt.text
    scrubs = await log.connection.execute_fetchall("SELECT message_id, open FROM prompt_scrubs")
    assert [tuple(row) for row in scrubs] == [(prompt.id, 0)]
    assert SECRETIVE.encode() not in _file_bytes(home)


async def test_messages_stay_append_only_outside_a_scrub(log: SessionLog) -> None:
    session = await log.create_session()
    prompt = await log.append_message(session.id, "system", [{"type": "text", "text": "hi"}])
    for sql in (
        "UPDATE messages SET text = 'changed' WHERE id = ?",
        "UPDATE messages SET role = 'user' WHERE id = ?",
    ):
        try:
            async with log.transaction() as conn:
                await conn.execute(sql, (prompt.id,))
        except Exception as error:
            assert "append-only" in str(error)
        else:
            raise AssertionError("a logged message was changed outside forget")


async def _dreamt_preference(log: SessionLog) -> tuple[int, int]:
    """Three sessions saying one preference, one of them with a word only it says, dreamt
    for real; the proposal's id and the session with the word."""
    await chat_session(log, "I always want the metric system in recipes.")
    gone = await chat_session(log, f"I always want the metric system in recipes, {SECRETIVE}.")
    await chat_session(log, "Recipes: I always want the metric system.")
    await dream(log)
    (proposal,) = [p for p in await inbox_json(log) if "metric" in p["statement"]]
    return proposal["id"], gone


@pytest.mark.parametrize("edited", [False, True])
async def test_a_dreamt_memory_keeps_nothing_of_a_forgotten_session(
    log: SessionLog, home: Path, edited: bool
) -> None:
    proposal, gone = await _dreamt_preference(log)
    # The person's own wording (which holds nothing of the session) or the dream's.
    wording = "Metric units in every recipe" if edited else None
    await adoption.adopt(log, proposal, wording)
    await forget(log, gone)
    await vacuum(log)
    await log.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    assert SECRETIVE.encode() not in _file_bytes(home)


async def test_undoing_after_forget_never_brings_back_an_empty_memory(log: SessionLog) -> None:
    gone, (gone_message,) = await _said(log, f"I always pack the {SECRETIVE} thermos for hikes.")
    kept, (kept_message,) = await _said(log, "I always pack a thermos for hikes, the blue one.")
    node = await _memory_worded_by(
        log,
        f"I always pack the {SECRETIVE} thermos for hikes",
        gone_message,
        [(gone, gone_message), (kept, kept_message)],
    )
    await adoption.retire_by_hand(log, node)
    await forget(log, gone)
    # Retired by hand, it stays retired: no re-wording brings it back.
    assert not [p for p in await inbox_json(log) if p["op"] == "update_statement"]
    await adoption.undo(log)  # the retiring: back it comes, but with no words it stays retired
    rows = await log.connection.execute_fetchall(
        "SELECT statement, status FROM nodes WHERE id = ?", (node,)
    )
    assert list(rows[0]) == [UNWORDED, "retired"]
    assert not [hit for hit in _recalled(await recall(log, "thermos hikes")) if hit.node_id == node]


def _recalled(found: Recalled) -> list[RecallHit]:
    """Every hit a turn would carry, standing memory first."""
    return [*found.standing, *found.hits]
