"""`reverie mcp` under load: one `recall` tool call over stdio, as an agent makes it (the SDK's
own client, a real server subprocess), on the graph of 100,000 memories and 500,000 edges the
recall benchmark uses (`bench.memory.graph_home`). What it adds to recall itself is the
protocol: JSON-RPC framing both ways, the SDK's validation, the answer's JSON."""

from __future__ import annotations

import json
import shutil
import statistics
import sys
import time
from pathlib import Path
from typing import Any

import anyio
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client

from bench.memory import graph_home
from bench.seed import working_copy
from bench.stats import percentile

WARM = 20
"""Calls before timing: the page cache, SQLite's, and the server's first imports."""


async def _call_times(home: Path, queries: list[str]) -> tuple[list[float], int]:
    server = StdioServerParameters(
        command=sys.executable, args=["-m", "app", "--home", str(home), "mcp"]
    )
    times: list[float] = []
    hits = 0
    async with (
        stdio_client(server) as (read, write),
        ClientSession(read, write) as session,
    ):
        await session.initialize()
        for query in queries[:WARM]:
            await session.call_tool("recall", {"query": query})
        for query in queries:
            began = time.perf_counter()
            result = await session.call_tool("recall", {"query": query})
            times.append((time.perf_counter() - began) * 1000)
            if result.is_error:
                raise RuntimeError(f"recall over MCP failed: {result.content}")
            hits += len((result.structured_content or {}).get("hits", []))
    return times, hits


def run_mcp_recall(nodes: int, edges: int, work: Path) -> dict[str, Any]:
    """Milliseconds of one `recall` call over stdio (the default k), client to client."""
    cached, seeding = graph_home(nodes, edges)
    home = working_copy(cached, work / "mcp-home")
    shutil.copy2(cached / "queries.json", home / "queries.json")
    queries: list[str] = json.loads((home / "queries.json").read_text())
    times, hits = anyio.run(_call_times, home, queries)
    return {
        "p50_ms": round(statistics.median(times), 2),
        "p95_ms": round(percentile(times, 95), 2),
        "max_ms": round(max(times), 2),
        "calls": len(times),
        "mean_hits": round(hits / len(times), 1),
        "seeding_s": round(seeding, 1),
    }
