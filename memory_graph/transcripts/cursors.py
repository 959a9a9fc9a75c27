"""Import cursors: how far each transcript file was read, and digests of what it looked like
then, so a file that only grew is read from where it stopped and one that changed is read again.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path

from memory_graph.store.records import now_iso
from memory_graph.store.session_log import SessionLog

DIGEST_BYTES = 1024
"""How much of a file's start (and of what precedes its cursor) identifies it."""


@dataclass(frozen=True)
class Cursor:
    """How far a file was read, and what it looked like then."""

    path: str
    format: str
    size: int
    mtime_ns: int
    offset: int
    lines: int
    head: str
    tail: str


def file_digests(path: Path, offset: int) -> tuple[str, str]:
    """Digests of a file's first bytes and of the bytes just before `offset` (at most
    DIGEST_BYTES each, never past `offset`): a file whose read part changed in any of them is
    read again from the start."""
    with path.open("rb") as handle:
        head = handle.read(min(DIGEST_BYTES, offset))
        start = max(0, offset - DIGEST_BYTES)
        handle.seek(start)
        tail = handle.read(offset - start)
    return hashlib.sha256(head).hexdigest(), hashlib.sha256(tail).hexdigest()


async def get_cursor(log: SessionLog, path: Path) -> Cursor | None:
    """The saved read position of a file, if it was imported before."""
    # One trip to the database's thread, not three (execute, fetch, close): asked per file.
    rows = await log.connection.execute_fetchall(
        "SELECT path, format, size, mtime_ns, offset, lines, head, tail FROM import_cursors "
        "WHERE path = ?",
        (str(path),),
    )
    return next((Cursor(*row) for row in rows), None)


async def save_cursor(log: SessionLog, cursor: Cursor) -> None:
    """Remember how far a file was read."""
    async with log.transaction() as conn:
        await conn.execute(
            "INSERT INTO import_cursors (path, format, size, mtime_ns, offset, lines, head, "
            "tail, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (path) DO UPDATE SET "
            "format = excluded.format, size = excluded.size, mtime_ns = excluded.mtime_ns, "
            "offset = excluded.offset, lines = excluded.lines, head = excluded.head, "
            "tail = excluded.tail, updated = excluded.updated",
            (
                cursor.path,
                cursor.format,
                cursor.size,
                cursor.mtime_ns,
                cursor.offset,
                cursor.lines,
                cursor.head,
                cursor.tail,
                now_iso(),
            ),
        )
