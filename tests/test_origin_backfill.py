"""Origins in the store: messages logged before origins were kept get theirs from their text when
the database is migrated; origin rows are as append-only as messages and leave with a forgotten
session."""

from __future__ import annotations

import sqlite3
from pathlib import Path

import pytest

from memory_graph.memory.forget import forget, vacuum
from memory_graph.store.db import DATABASE_NAME
from memory_graph.store.records import MessageOrigin, OriginReason, Provenance
from memory_graph.store.session_log import SessionLog
from tests.support.schema import database_before

STARTED = "2026-02-03T09:00:00.000Z"

# What an import stored before origins: Claude Code's harness lines as `user` messages (its
# `isMeta` lines were dropped), an interruption flagged in meta, a sub-agent session whose
# first user message is its parent agent's prompt.
OLD_ROWS: list[tuple[str, str, str, str]] = [
    # (session external id, role, text, meta)
    ("root", "user", "why does the nightly export time out?", "{}"),
    ("root", "assistant", "Let me look at the job.", "{}"),
    (
        "root",
        "user",
        "<command-name>/compact</command-name>\n<command-message>compact</command-message>\n"
        "<command-args></command-args>",
        "{}",
    ),
    (
        "root",
        "user",
        "This session is being continued from a previous conversation that ran out of "
        "context. The user prefers tabs over spaces.",
        "{}",
    ),
    ("root", "user", "[Request interrupted by user for tool use]", '{"signal":"interrupted"}'),
    (
        "root",
        "user",
        "<system-reminder>\nUserPromptSubmit hook additional context: on call this week\n"
        "</system-reminder>\nand retry it with a longer timeout",
        "{}",
    ),
    ("root", "tool", "Exit code 1\nTimeoutError: export took 301 s", "{}"),
    ("root:agent-a1", "user", "Find where the export's timeout is set.", "{}"),
    ("root:agent-a1", "assistant", "It is set in jobs/export.py.", "{}"),
]


async def _old_database(home: Path) -> None:
    """A database at the schema before origins, holding rows as imports left them."""
    async with database_before(home, "010_message_origins") as conn:
        await conn.execute(
            "INSERT INTO sessions (id, source, external_id, started) "
            "VALUES (1, 'claude-code', 'root', ?)",
            (STARTED,),
        )
        await conn.execute(
            "INSERT INTO sessions (id, source, external_id, started, parent_id, "
            "parent_external_id) VALUES (2, 'claude-code', 'root:agent-a1', ?, 1, 'root')",
            (STARTED,),
        )
        ids = {"root": 1, "root:agent-a1": 2}
        for seq, (session, role, text, meta) in enumerate(OLD_ROWS, 1):
            await conn.execute(
                "INSERT INTO messages (session_id, seq, role, content, text, meta, created) "
                "VALUES (?, ?, ?, '[]', ?, ?, ?)",
                (ids[session], seq, role, text, meta, STARTED),
            )
        # The store indexes what it appends; so did it then.
        await conn.execute("INSERT INTO messages_fts (rowid, text) SELECT id, text FROM messages")


async def test_messages_stored_before_origins_get_theirs_from_their_text(home: Path) -> None:
    await _old_database(home)
    async with await SessionLog.open(home) as log:
        found = [
            (m.text[:30], m.origin, m.origin_reason)
            for session_id in (1, 2)
            for m in await log.messages(session_id)
        ]
        assert (await log.get_session(1)).cwd is None  # not in the rows: not recovered
    assert found == [
        ("why does the nightly export ti", MessageOrigin.PERSON, None),
        ("Let me look at the job.", MessageOrigin.AGENT, None),
        ("<command-name>/compact</comman", MessageOrigin.HARNESS, "slash-command echo"),
        ("This session is being continue", MessageOrigin.HARNESS, "compaction summary"),
        ("[Request interrupted by user f", MessageOrigin.SIGNAL, "interruption"),
        # Typed words beside a reminder: the person's turn (the dreamer reads it without it).
        ("<system-reminder>\nUserPromptSu", MessageOrigin.PERSON, None),
        ("Exit code 1\nTimeoutError: expo", MessageOrigin.HARNESS, None),
        ("Find where the export's timeou", MessageOrigin.AGENT, "sub-agent prompt"),
        ("It is set in jobs/export.py.", MessageOrigin.AGENT, None),
    ]


async def test_only_origins_other_than_the_roles_are_stored(log: SessionLog) -> None:
    session = await log.create_session()
    await log.append_message(session.id, "user", [{"type": "text", "text": "hello"}])
    await log.append_message(session.id, "assistant", [{"type": "text", "text": "hi"}])
    harness = Provenance(MessageOrigin.HARNESS, OriginReason.HOOK_CONTEXT)
    await log.append_message(
        session.id, "user", [{"type": "text", "text": "team context"}], provenance=harness
    )
    rows = await log.connection.execute_fetchall("SELECT origin, reason FROM message_origins")
    assert [tuple(row) for row in rows] == [("harness", "hook context")]
    assert [m.origin for m in await log.messages(session.id)] == ["person", "agent", "harness"]


async def test_origins_are_append_only_and_leave_with_a_forgotten_session(home: Path) -> None:
    await _old_database(home)
    async with await SessionLog.open(home) as log:
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            await log.connection.execute("UPDATE message_origins SET origin = 'person'")
        with pytest.raises(sqlite3.IntegrityError, match="append-only"):
            await log.connection.execute("DELETE FROM message_origins")
        kept = await log.connection.execute_fetchall(
            "SELECT COUNT(*) FROM message_origins WHERE message_id IN "
            "(SELECT id FROM messages WHERE session_id = 2)"
        )
        await forget(log, 1)
        await vacuum(log)
        rows = await log.connection.execute_fetchall(
            "SELECT o.message_id, m.session_id FROM message_origins o "
            "LEFT JOIN messages m ON m.id = o.message_id"
        )
        # The sub-agent session stays (now a session of its own), with its origins.
        assert [row[1] for row in rows] == [2] * kept[0][0]
    raw = b"".join(p.read_bytes() for p in home.iterdir() if p.name.startswith(DATABASE_NAME))
    assert b"nightly export" not in raw and b"tabs over spaces" not in raw
