"""Recall matches words by their stem in earlier messages as it does in memories: "installing
the dependencies" is found by "install a dependency". A database from before migration 016
gets its message index rebuilt with the stemming tokenizer, every message it held included."""

from __future__ import annotations

from pathlib import Path

from memory_graph.memory.recall import recall
from memory_graph.store.session_log import SessionLog
from tests.support.schema import database_before
from tests.support.sessions import chat_session


async def test_an_earlier_message_is_found_by_the_stems_of_its_words(log: SessionLog) -> None:
    await chat_session(log, "installing the dependencies of the herbarium site failed twice")
    found = await recall(log, "install a dependency")
    assert any("herbarium" in hit.statement for hit in found.hits)


async def test_the_migration_indexes_what_an_older_database_held(home: Path) -> None:
    async with database_before(home, "016_stemmed_messages") as conn:
        await conn.execute(
            "INSERT INTO sessions (id, source, external_id, title, started) "
            "VALUES (1, 'reverie', 'old', 'old', '2026-01-01T00:00:00.000Z')"
        )
        await conn.execute(
            "INSERT INTO messages (id, session_id, seq, role, content, text, created) "
            "VALUES (1, 1, 0, 'user', '[]', 'the kilns were firing unevenly', "
            "'2026-01-01T00:00:00.000Z')"
        )
        await conn.execute("INSERT INTO messages_fts (rowid, text) SELECT id, text FROM messages")
    async with await SessionLog.open(home) as log:
        found = await recall(log, "kiln fired")
        assert any("unevenly" in hit.statement for hit in found.hits)
