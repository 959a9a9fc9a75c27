"""Recall over a large adopted graph (100,000 nodes, 500,000 edges), and adoption in the TUI:
keypress to decision written and inbox redrawn."""

from __future__ import annotations

import asyncio
import json
import random
import shutil
import sqlite3
import statistics
import tempfile
import time
from pathlib import Path
from typing import Any

from app.config import load_config
from app.paths import demo_history
from app.tui.app import ReverieApp
from app.tui.screens.inbox_screen import InboxScreen
from bench.seed import CACHE_DIR, TextSource, seeded_home, working_copy
from bench.stats import percentile
from dreamer.dream import dream
from memory_graph.memory.recall import recall
from memory_graph.store.db import DATABASE_NAME
from memory_graph.store.migrations import SCHEMA_VERSION
from memory_graph.store.session_log import SessionLog
from memory_graph.transcripts.importer import import_paths

GRAPH_SEED_VERSION = 1
KINDS = ("preference", "fact", "failure", "fix", "workflow", "topic", "entity")
EDGE_KINDS = ("about", "occurs_with", "resolved_by")
QUERIES = 300
EVIDENCE_PER_NODE = 3


def _marker(nodes: int, edges: int) -> dict[str, int]:
    return {"schema": SCHEMA_VERSION, "seed": GRAPH_SEED_VERSION, "nodes": nodes, "edges": edges}


def add_evidence(conn: sqlite3.Connection, rng: random.Random, nodes: int, each: int) -> None:
    """Give nodes 1..`nodes` `each` pieces of evidence, messages drawn at random."""
    messages = conn.execute("SELECT MAX(id) FROM messages").fetchone()[0]
    conn.executemany(
        "INSERT OR IGNORE INTO node_evidence (node_id, session_id, message_id, span_start, "
        "span_end) SELECT ?, session_id, id, 0, 80 FROM messages WHERE id = ?",
        ((i, rng.randint(1, messages)) for i in range(1, nodes + 1) for _ in range(each)),
    )


def graph_home(nodes: int, edges: int) -> tuple[Path, float]:
    """A cached home with 1,000 sessions of 50 messages and an adopted graph of `nodes` nodes
    and `edges` edges (hubs included: targets drawn with a preference for low ids), each node
    with evidence in the sessions. Seeded now if missing or stale."""
    home = CACHE_DIR / f"graph-{nodes}-{edges}"
    marker = home / "graph.json"
    if marker.is_file() and json.loads(marker.read_text()) == _marker(nodes, edges):
        return home, 0.0
    began = time.perf_counter()
    base, _ = seeded_home("s1000-m50", 1000, 50)
    if home.exists():
        shutil.rmtree(home)
    working_copy(base, home)
    rng = random.Random(5)
    text = TextSource(seed=23)
    conn = sqlite3.connect(home / DATABASE_NAME, isolation_level=None)
    try:
        conn.execute("PRAGMA synchronous = OFF")
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(
            "INSERT INTO nodes (id, pattern, kind, statement, support, first_seen, last_seen, "
            "adopted, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                (
                    i,
                    f"p{i}",
                    rng.choice(KINDS),
                    " ".join(text.words(rng.randint(6, 14))),
                    rng.randint(2, 40),
                    "2025-01-01T00:00:00.000Z",
                    f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T00:00:00.000Z",
                    "2025-12-31T00:00:00.000Z",
                    "2025-12-31T00:00:00.000Z",
                )
                for i in range(1, nodes + 1)
            ),
        )
        conn.executemany(
            "INSERT INTO node_patterns (fingerprint, node_id) VALUES (?, ?)",
            ((f"p{i}", i) for i in range(1, nodes + 1)),
        )
        pairs: set[tuple[int, int, str]] = set()
        while len(pairs) < edges:
            source = rng.randint(1, nodes)
            target = min(int(rng.paretovariate(0.6)), nodes)  # a few hubs, a long tail
            if target == source:
                continue
            pairs.add((source, target, rng.choice(EDGE_KINDS)))
        conn.executemany(
            "INSERT INTO edges (source, target, kind, weight) VALUES (?, ?, ?, ?)",
            ((f"p{s}", f"p{t}", k, float(rng.randint(1, 9))) for s, t, k in pairs),
        )
        add_evidence(conn, rng, nodes, EVIDENCE_PER_NODE)
        conn.execute("COMMIT")
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        statements = [row[0] for row in conn.execute("SELECT statement FROM nodes LIMIT 5000")]
    finally:
        conn.close()
    (home / "queries.json").write_text(json.dumps(_queries(statements, rng)))
    marker.write_text(json.dumps(_marker(nodes, edges)))
    return home, time.perf_counter() - began


def _queries(statements: list[str], rng: random.Random) -> list[str]:
    """Questions a person might type: a few words of some memory, among other words."""
    filler = ["how", "do", "I", "what", "about", "the", "can", "you", "please", "again", "my"]
    queries = []
    for _ in range(QUERIES):
        words = rng.choice(statements).split()
        picked = rng.sample(words, min(len(words), rng.randint(2, 4)))
        queries.append(" ".join(rng.sample(filler, 2) + picked))
    return queries


async def _recall_times(home: Path) -> dict[str, Any]:
    queries = json.loads((home / "queries.json").read_text())
    async with await SessionLog.open(home) as log:
        for query in queries[:20]:  # warm the page cache and SQLite's
            await recall(log, query)
        times = []
        hits = []
        for query in queries:
            began = time.perf_counter()
            found = await recall(log, query)
            times.append((time.perf_counter() - began) * 1000)
            hits.append(len(found.hits))
    return {
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(percentile(times, 95), 2),
        "max_ms": round(max(times), 2),
        "queries": len(times),
        "mean_hits": round(statistics.mean(hits), 1),
    }


def run_recall(nodes: int, edges: int, work: Path) -> dict[str, Any]:
    """recall() latency over a graph of this size (the default k and budget)."""
    cached, seeding = graph_home(nodes, edges)
    home = working_copy(cached, work / "recall-home")
    shutil.copy2(cached / "queries.json", home / "queries.json")
    result = asyncio.run(_recall_times(home))
    result["seeding_s"] = round(seeding, 1)
    return result


async def _adopt_times(home: Path) -> list[float]:
    async with await SessionLog.open(home) as log:
        with demo_history() as history:
            await import_paths(log, [history])
        await dream(log)
    times: list[float] = []
    with tempfile.TemporaryDirectory(prefix="reverie-bench-ws-") as workspace:
        config = load_config(home, env={}, overrides={"workspace": workspace, "idle_after": 0})
        app = ReverieApp(config, inbox_first=True)
        async with app.run_test(size=(120, 40)) as pilot:
            while not isinstance(app.screen, InboxScreen):
                await pilot.pause(0.05)
            inbox = app.screen
            await pilot.pause()
            while inbox.items:
                before = len(inbox.items)
                rendered = asyncio.Event()
                began = time.perf_counter()
                # What the `a` binding runs; then the frame that shows the inbox without it.
                # (Pilot's press adds tens of milliseconds of its own waiting.)
                await inbox.run_action("adopt")
                inbox.call_after_refresh(rendered.set)
                await rendered.wait()
                times.append((time.perf_counter() - began) * 1000)
                if len(inbox.items) != before - 1:
                    raise RuntimeError("a keypress did not adopt exactly one proposal")
    return times


def run_adopt(work: Path) -> dict[str, Any]:
    """Milliseconds from the inbox's adopt action (what `a` runs) to the proposal adopted,
    written and the inbox redrawn on screen, for every proposal of the demo."""
    times = asyncio.run(_adopt_times(work / "adopt-home"))
    return {
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(percentile(times, 95), 2),
        "max_ms": round(max(times), 2),
        "adoptions": len(times),
    }
