"""The context Claude Code's SessionStart hook last handed each project, kept beside the
database so the next start of Claude Code prints it without opening the database.

Claude Code waits on the hook at every start, and a Python process that loads the event loop,
the database layer and recall takes longer than that wait should (docs/claude-code.md). So the
hook computes the context with the same code as `reverie context` (`handed.py`) and keeps it
here with a fingerprint of the home taken when it was computed: the database, its write-ahead
log and the config file as they were (inode, size, modification time), and the day. Any write
to the database, a change of settings or a new day makes it stale, and a stale one is never
served: the hook computes it again. Only the standard library is imported here.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
import time
from pathlib import Path
from typing import Any

SNAPSHOT_NAME = "handed-context.json"
DATABASE_FILE = "reverie.db"
"""`memory_graph.store.db.DATABASE_NAME` (not imported: that module loads aiosqlite)."""
CONFIG_FILE = "config.toml"
"""`app.paths.CONFIG_NAME`."""
FORMAT = 1
"""Bump when what is kept, or how it is worded, changes: older snapshots are then stale."""

Fingerprint = list[Any]


def fingerprint(home: Path) -> Fingerprint:
    """What the home looks like now, as far as a snapshot depends on it."""
    parts: Fingerprint = [FORMAT, time.strftime("%Y-%m-%d", time.gmtime())]
    for name in (DATABASE_FILE, f"{DATABASE_FILE}-wal", CONFIG_FILE):
        try:
            found = os.stat(home / name)
        except FileNotFoundError:
            parts.append(None)
        else:
            parts.append([found.st_ino, found.st_size, found.st_mtime_ns])
    return parts


def _key(project: str | None) -> str:
    return project or ""


def _read(home: Path) -> dict[str, Any]:
    try:
        data = json.loads((home / SNAPSHOT_NAME).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def cached(home: Path, project: str | None) -> str | None:
    """The context kept for `project`, if the home has not changed since it was computed."""
    data = _read(home)
    if data.get("fingerprint") != fingerprint(home):
        return None
    contexts = data.get("contexts")
    text = contexts.get(_key(project)) if isinstance(contexts, dict) else None
    return text if isinstance(text, str) else None


def keep(home: Path, taken: Fingerprint, project: str | None, text: str) -> bool:
    """Keep `text` for `project`, computed while the home looked like `taken`, if it still
    does (else nothing is kept: it may already be stale). Returns whether it was kept."""
    if fingerprint(home) != taken:
        return False
    data = _read(home)
    contexts = data.get("contexts") if data.get("fingerprint") == taken else None
    kept = dict(contexts) if isinstance(contexts, dict) else {}
    kept[_key(project)] = text
    content = json.dumps({"fingerprint": taken, "contexts": kept}, ensure_ascii=False)
    try:
        # Private (0600) like the database: it holds memories. Renamed into place whole.
        fd, name = tempfile.mkstemp(prefix=f".{SNAPSHOT_NAME}.", dir=home)
    except OSError:
        return False
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(content)
        os.replace(name, home / SNAPSHOT_NAME)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(name)
        return False
    return True


def discard(home: Path) -> None:
    """Remove the snapshot (a session forgotten or made private: none of it may stay)."""
    with contextlib.suppress(FileNotFoundError):
        (home / SNAPSHOT_NAME).unlink()
