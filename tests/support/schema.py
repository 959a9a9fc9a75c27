"""Databases at an older schema, for tests of what a migration does to the rows it finds."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import aiosqlite

from memory_graph.store.db import DATABASE_NAME, migrate
from memory_graph.store.migrations import MIGRATIONS


@asynccontextmanager
async def database_before(home: Path, migration: str) -> AsyncIterator[aiosqlite.Connection]:
    """A new database in `home` with every migration before the one named `migration`, open
    for a test to put in the rows an older Reverie left."""
    before = next(i for i, m in enumerate(MIGRATIONS) if m.name == migration)
    home.mkdir()
    async with aiosqlite.connect(home / DATABASE_NAME, isolation_level=None) as conn:
        await migrate(conn, MIGRATIONS[:before])
        yield conn
