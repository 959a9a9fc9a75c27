"""A memory's neighbours, as recall's graph walk reads them: over every pattern the memory holds
(a merged memory keeps the edges of each), strongest first, at most NEIGHBOURS, and only the
memories recall may bring back."""

from __future__ import annotations

from memory_graph.memory.recall.memories import _neighbours
from memory_graph.memory.recall.tuning import NEIGHBOURS
from memory_graph.store.session_log import SessionLog

_WHEN = "2026-03-04T05:06:07.000Z"


async def _memory(log: SessionLog, node_id: int, *patterns: str, status: str = "active") -> None:
    async with log.transaction() as conn:
        await conn.execute(
            "INSERT INTO nodes (id, pattern, kind, statement, support, first_seen, last_seen, "
            "adopted, updated, status) VALUES (?, ?, 'fact', ?, 2, ?, ?, ?, ?, ?)",
            (node_id, patterns[0], f"memory {node_id}", _WHEN, _WHEN, _WHEN, _WHEN, status),
        )
        for pattern in patterns:
            await conn.execute(
                "INSERT INTO node_patterns (fingerprint, node_id) VALUES (?, ?)",
                (pattern, node_id),
            )


async def _edge(log: SessionLog, source: str, target: str, weight: float) -> None:
    async with log.transaction() as conn:
        await conn.execute(
            "INSERT INTO edges (source, target, kind, weight) VALUES (?, ?, 'about', ?)",
            (source, target, weight),
        )


async def test_a_merged_memory_walks_the_edges_of_every_pattern(log: SessionLog) -> None:
    await _memory(log, 1, "kiln-firing", "kiln-schedule")
    await _memory(log, 2, "cone-six")
    await _memory(log, 3, "bisque-temperature")
    await _memory(log, 4, "glaze-recipes")
    await _edge(log, "kiln-firing", "cone-six", 2.0)  # out of the first pattern
    await _edge(log, "bisque-temperature", "kiln-schedule", 5.0)  # into the second
    await _edge(log, "kiln-schedule", "glaze-recipes", 3.0)  # out of the second
    found = await _neighbours(log, [1, 4])
    assert found[1] == ((3, 5.0), (4, 3.0), (2, 2.0))
    assert found[4] == ((1, 3.0),)


async def test_the_strongest_edges_only_and_never_a_memory_recall_leaves_out(
    log: SessionLog,
) -> None:
    await _memory(log, 1, "hub-a", "hub-b")
    await _memory(log, 2, "retired-one", status="retired")
    await _edge(log, "hub-a", "retired-one", 99.0)
    # More than NEIGHBOURS each way, out of one pattern and into the other, their weights
    # interleaved: the strongest are read from both.
    spokes = 2 * (NEIGHBOURS + 8)
    for spoke in range(spokes):
        await _memory(log, 10 + spoke, f"spoke-{spoke}")
        if spoke % 2:
            await _edge(log, f"spoke-{spoke}", "hub-b", float(spoke))
        else:
            await _edge(log, "hub-a", f"spoke-{spoke}", float(spoke))
    [(node, near)] = (await _neighbours(log, [1])).items()
    assert node == 1
    strongest = range(spokes - 1, spokes - 1 - NEIGHBOURS, -1)
    assert near == tuple((10 + spoke, float(spoke)) for spoke in strongest)


async def test_a_memory_without_edges_has_no_neighbours(log: SessionLog) -> None:
    await _memory(log, 1, "lonely-fact")
    assert await _neighbours(log, [1, 99]) == {1: (), 99: ()}
