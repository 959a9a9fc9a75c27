"""A word in a thousand statements or messages ranks by its rarer neighbours in the query only:
recall stays quick on a large history, finds what the rare words name first, and still
searches by common words when a query has nothing rarer, among their newest matches."""

from __future__ import annotations

from memory_graph.memory.recall import recall
from memory_graph.memory.recall.common import Search, holding, searched
from memory_graph.memory.recall.tuning import COMMON_WORD
from memory_graph.store.session_log import SessionLog
from tests.support.sessions import chat_session

WHEN = "2026-03-01T00:00:00.000Z"


async def _memories(log: SessionLog, statements: list[str]) -> None:
    async with log.transaction() as conn:
        await conn.executemany(
            "INSERT INTO nodes (id, pattern, kind, statement, support, first_seen, last_seen, "
            "adopted, updated) VALUES (?, ?, 'fix', ?, 3, ?, ?, ?, ?)",
            [(n, f"c{n}", text, WHEN, WHEN, WHEN, WHEN) for n, text in enumerate(statements, 1)],
        )


async def test_common_words_rank_nothing_when_the_query_has_rarer_ones(log: SessionLog) -> None:
    # Made up for this test: a workshop whose notes all say "spindle", a few of them more.
    filler = [f"spindle note {n}: oil the spindle bearing weekly" for n in range(COMMON_WORD + 50)]
    rare = [
        "the spindle lathe chatters when the tailstock quill is loose: lock the quill first",
        "a loose tailstock quill chatters on long boring passes",
        "order a tailstock quill gib from the supplier in spring",
    ]
    await _memories(log, filler + rare)
    found = await recall(log, "why does the spindle chatter on the tailstock quill", k=5)
    statements = [hit.statement for hit in found.hits if hit.node_id is not None]
    # The rare words' statements first, the one that also says "spindle" among them.
    assert statements[:3] and set(statements[:3]) <= set(rare)
    assert rare[0] in statements[:3]
    # How: "spindle" is counted as common (up to the cap), and only the rarer words rank.
    held = await holding(log, "nodes_fts", ["spindle", "quill", "gib"])
    assert held == {"spindle": COMMON_WORD, "quill": 3, "gib": 1}
    assert searched(["spindle", "quill", "gib"], held) == Search(("quill", "gib"), common=False)
    assert searched(["spindle"], held) == Search(("spindle",), common=True)
    # A rarer word found nowhere ranks nothing: the common word is searched after all.
    held = await holding(log, "nodes_fts", ["spindle", "xyzzyq"])
    assert held == {"spindle": COMMON_WORD, "xyzzyq": 0}
    assert searched(["spindle", "xyzzyq"], held) == Search(("spindle", "xyzzyq"), common=True)
    assert [hit for hit in (await recall(log, "spindle xyzzyq", k=5)).hits if hit.node_id]
    # A query of common words alone still finds what they name.
    only_common = await recall(log, "the spindle bearing", k=5)
    assert [hit for hit in only_common.hits if hit.node_id is not None]


async def test_earlier_messages_are_ranked_by_the_rarer_words_too(log: SessionLog) -> None:
    for n in range(COMMON_WORD + 20):
        await log.append_message(
            (await log.create_session(title=f"kettle {n}")).id,
            "user",
            [{"type": "text", "text": f"the kettle log for day {n} is fine"}],
        )
    await chat_session(log, "the kettle descaler brand is Limewash, keep it under the sink")
    found = await recall(log, "which descaler for the kettle", k=5)
    episodes = [hit.statement for hit in found.hits if hit.node_id is None]
    assert episodes and "Limewash" in episodes[0]
    # Nothing rarer in the query: the common word is searched.
    assert [hit for hit in (await recall(log, "kettle", k=5)).hits if hit.node_id is None]


async def test_a_query_of_common_words_alone_ranks_only_their_newest_matches(
    log: SessionLog,
) -> None:
    # The oldest statement and message are the shortest, so BM25 alone would put them first;
    # past COMMON_WORD matches, only the newest are ranked.
    await _memories(
        log,
        ["trellis"] + [f"trellis {n} needs tying in before the wind picks up" for n in range(1100)],
    )
    for n, said in enumerate(
        ["trellis"] + [f"tied the trellis {n}, it holds" for n in range(1100)]
    ):
        session = await log.create_session(title=f"garden {n}")
        await log.append_message(session.id, "user", [{"type": "text", "text": said}])
    found = await recall(log, "the trellis", k=10)
    memories = [hit for hit in found.hits if hit.node_id is not None]
    quoted = [hit for hit in found.hits if hit.node_id is None]
    assert memories and quoted
    assert all((hit.node_id or 0) > 1101 - COMMON_WORD for hit in memories)
    assert "user: trellis" not in [hit.statement for hit in quoted]
