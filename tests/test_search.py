"""Full-text search of the log: one hit per session, and a busy session hides no other; any query
(quotes, operators, SQL) is safe; the index stays consistent with the messages (system prompts
are not indexed); snippets centre on the first matching word. Recall, which builds on it:
test_recall.py."""

from __future__ import annotations

from memory_graph.store.search import fts_query, snippet
from memory_graph.store.session_log import SessionLog
from tests.support.sessions import text_content


async def test_search_one_hit_per_session_and_hostile_queries(log: SessionLog) -> None:
    for words in ("docker compose fails", "docker build works", "garden tomatoes"):
        session = await log.create_session()
        await log.append_message(session.id, "user", text_content(words))
        await log.append_message(session.id, "assistant", text_content(f"about {words}"))
    assert len(await log.search("docker")) == 2
    assert [hit.session_title for hit in await log.search("tomat")] == ["garden tomatoes"]
    for hostile in ('"', "AND OR NOT", "docker*)(", "NEAR(", "-", "'; DROP TABLE messages; --"):
        await log.search(hostile)
    assert await log.search("   ") == []
    assert fts_query('say "hi" OR') == '"say" AND "hi" AND "OR"*'


async def test_full_text_index_stays_consistent(log: SessionLog) -> None:
    session = await log.create_session()
    await log.append_message(session.id, "system", text_content("You are Reverie, concise"))
    await log.append_message(session.id, "user", text_content("find the invoice"))
    await log.drafts.save(session.id, "assistant", text_content("looking"), {})
    await log.drafts.commit(session.id, "assistant", text_content("found the invoice"), {})
    async with log.transaction() as conn:
        await conn.execute("INSERT INTO messages_fts (messages_fts) VALUES ('integrity-check')")
    assert await log.search("concise") == [], "system prompts are not indexed"
    assert [hit.role for hit in await log.search("invoice")] in (["user"], ["assistant"])


async def test_a_busy_session_cannot_hide_other_matches(log: SessionLog) -> None:
    busy = await log.create_session()
    for _ in range(250):
        await log.append_message(busy.id, "user", text_content("docker docker docker"))
    quiet = await log.create_session()
    await log.append_message(
        quiet.id, "user", text_content("a long note that mentions docker once")
    )
    assert {hit.session_id for hit in await log.search("docker", limit=10)} == {busy.id, quiet.id}


def test_snippets_centre_on_the_first_matching_word() -> None:
    text = "Earlier words. " * 10 + "The Kubernetes ingress\nfailed with a 502 again. " + "x " * 80
    shown = snippet(text, ["ingress", "fail"])
    assert shown.startswith("…") and shown.endswith("…") and "ingress failed" in shown
    assert len(shown) <= 92
    assert snippet("short text", ["nothing"]) == "short text"
