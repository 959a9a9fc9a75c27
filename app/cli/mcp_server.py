"""`reverie mcp`: serve adopted memory to other agents over MCP, on standard input and output,
until the client closes them."""

from __future__ import annotations

import argparse
import gc

from app.cli.parser import config_for
from app.paths import project_at
from memory_graph.store.database import Database
from memory_graph.store.db import BUSY_TIMEOUT_MS


async def serve(args: argparse.Namespace) -> int:
    # Imported here: the SDK costs about half a second, which other commands need not pay.
    from app.mcp_server.memory import ServedMemory
    from app.mcp_server.server import build_server

    config = config_for(args)
    project = project_at(None)
    # As it is: a missing home or a database that needs migrating is one line on standard
    # error (exit 1) before the protocol starts, not a change the agent's program made.
    async with await Database.open_current(config.home, BUSY_TIMEOUT_MS) as log:
        server = build_server(ServedMemory(log, config.recall_budget, project))
        # The SDK and the server live as long as the process: the collector's full passes
        # need not walk them (each took tens of milliseconds from a call waiting on it).
        gc.freeze()
        await server.run_stdio_async()
    return 0
