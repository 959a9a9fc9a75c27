"""The context Claude Code's SessionStart hook last handed each project, kept beside the
database so the next start of Claude Code prints it without loading recall.

Claude Code waits on the hook at every start, and a Python process that loads the event loop,
the database layer and recall takes longer than that wait should (docs/claude-code.md). So the
hook computes the context with the same code as `reverie context` (`handed.py`) and keeps it
here with a fingerprint of what it was computed from: the database (its inode), its schema
version and memory clock (which every change to memory moves, and an import does not:
migration 021_memory_clock), and the config file. Any change to memory or settings makes it
stale, and a stale one is never served: the hook computes it again. Time alone changes
nothing: a memory's weight halves with its age, and every memory ages alike, so the order they
are handed in holds from one day to the next.

Reading the memory clock loads `sqlite3`, about as long as the rest of a start; so the
fingerprint also keeps the files as they were (inode, size, modification time of the database,
its write-ahead log and the config file), and when a start finds the clock unchanged after a
write (an import) it notes the files as they are then (`SEEN_NAME`): while none of them
changed, nothing was written and the clock is not read. Only the standard library is imported
here.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

SNAPSHOT_NAME = "handed-context.json"
SEEN_NAME = "handed-context.seen.json"
"""When the snapshot was last found current, and how the files looked then: no memory in it, so
a write of it racing a `forget` can never put forgotten words back on disk."""
DATABASE_FILE = "reverie.db"
"""`memory_graph.store.db.DATABASE_NAME` (not imported: that module loads aiosqlite)."""
CONFIG_FILE = "config.toml"
"""`app.paths.CONFIG_NAME`."""
FORMAT = 2
"""Bump when what is kept, or how it is worded, changes: older snapshots are then stale."""
WAIT_MS = 100
"""How long reading the memory clock waits on a writer that holds the database (a checkpoint):
a reader of a write-ahead log otherwise never waits."""

Fingerprint = dict[str, Any]
"""What a snapshot was computed from: `format`, `memory` (database inode, schema version and
memory clock) and `config` decide whether it is current; `files` whether that must be read."""


def _stat(path: Path) -> list[int] | None:
    try:
        found = os.stat(path)
    except OSError:
        return None
    return [found.st_ino, found.st_size, found.st_mtime_ns]


def _files(home: Path) -> list[list[int] | None]:
    return [_stat(home / name) for name in (DATABASE_FILE, f"{DATABASE_FILE}-wal", CONFIG_FILE)]


def _memory(database: Path) -> list[int] | None:
    """The schema version and memory clock of `database`; None when they cannot be read (no
    database, an older schema, a locked file): then no snapshot matches, and the hook computes
    the context, which says what is wrong."""
    import sqlite3  # here: a start whose files did not change never needs it

    try:
        # mode=rw: a database that is not there is never created.
        uri = f"{database.resolve().as_uri()}?mode=rw"  # escaped: a `#` or `?` in a path
        conn = sqlite3.connect(uri, uri=True, timeout=WAIT_MS / 1000)
    except sqlite3.Error:
        return None
    try:
        version = int(conn.execute("PRAGMA user_version").fetchone()[0])
        clock = int(conn.execute("SELECT value FROM memory_clock").fetchone()[0])
    except (sqlite3.Error, TypeError):
        return None
    finally:
        conn.close()
    return [version, clock]


def fingerprint(home: Path) -> Fingerprint | None:
    """What the home looks like now, as far as a snapshot depends on it; None when that cannot
    be told (then nothing is served or kept)."""
    files = _files(home)  # before the clock: a write after it shows in the files next time
    database = files[0]
    memory = _memory(home / DATABASE_FILE) if database is not None else None
    if database is None or memory is None:
        return None
    return {"format": FORMAT, "memory": [database[0], *memory], "config": files[2], "files": files}


def _same(kept: object, now: object) -> bool:
    """Whether a snapshot taken at `kept` is current at `now`."""
    return (
        isinstance(kept, dict)
        and isinstance(now, dict)
        and all(kept.get(part) == now[part] for part in ("format", "memory", "config"))
    )


def _key(project: str | None) -> str:
    return project or ""


def _read(home: Path, name: str = SNAPSHOT_NAME) -> dict[str, Any]:
    try:
        data = json.loads((home / name).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    return data if isinstance(data, dict) else {}


def _untouched(data: dict[str, Any], home: Path) -> bool:
    """Nothing was written to the home since the snapshot was computed, or last found current:
    its files look as they did then."""
    kept = data.get("fingerprint")
    if not isinstance(kept, dict) or kept.get("format") != FORMAT:
        return False
    files = _files(home)
    if kept.get("files") == files:
        return True
    seen = _read(home, SEEN_NAME)
    return seen.get("files") == files and _same(kept, seen.get("fingerprint"))


def cached(home: Path, project: str | None) -> str | None:
    """The context kept for `project`, if memory and settings have not changed since it was
    computed."""
    data = _read(home)
    contexts = data.get("contexts")
    text = contexts.get(_key(project)) if isinstance(contexts, dict) else None
    if not isinstance(text, str):
        return None
    if _untouched(data, home):
        return text
    now = fingerprint(home)
    if not _same(data.get("fingerprint"), now):
        return None
    # Written to (an import), memory unchanged: how the files look now, so the next start is
    # told so without reading the clock.
    assert now is not None  # _same holds it
    _write(home, SEEN_NAME, {"files": now["files"], "fingerprint": now})
    return text


def kept_projects(home: Path) -> list[str | None]:
    """The projects a context is kept for, current or not (None: outside any project)."""
    contexts = _read(home).get("contexts")
    return [key or None for key in contexts] if isinstance(contexts, dict) else []


def current(home: Path) -> bool:
    """Whether what is kept was computed from memory as it is now."""
    data = _read(home)
    return _untouched(data, home) or _same(data.get("fingerprint"), fingerprint(home))


def keep(home: Path, taken: Fingerprint | None, project: str | None, text: str) -> bool:
    """Keep `text` for `project`, computed while the home looked like `taken`, if it still
    does (else nothing is kept: it may already be stale). Returns whether it was kept."""
    now = fingerprint(home)
    if not _same(taken, now):
        return False
    assert now is not None  # _same holds it
    data = _read(home)
    contexts = data.get("contexts") if _same(data.get("fingerprint"), now) else None
    kept = dict(contexts) if isinstance(contexts, dict) else {}
    kept[_key(project)] = text
    if not _write(home, SNAPSHOT_NAME, {"fingerprint": now, "contexts": kept}):
        return False
    if not _same(now, fingerprint(home)):
        # Memory changed while it was written (a session forgotten, whose words it may
        # quote, and the snapshot made anew): none of it may stay.
        discard(home)
        return False
    return True


def _write(home: Path, name: str, data: dict[str, Any]) -> bool:
    content = json.dumps(data, ensure_ascii=False)
    try:
        # Private (0600) like the database: it holds memories. Renamed into place whole.
        fd, temporary = tempfile.mkstemp(prefix=f".{name}.", dir=home)
    except OSError:
        return False
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as handle:
            handle.write(content)
        os.replace(temporary, home / name)
    except OSError:
        with contextlib.suppress(OSError):
            os.unlink(temporary)
        return False
    return True


def discard(home: Path) -> None:
    """Remove the snapshot (a session forgotten or made private: none of it may stay)."""
    for name in (SNAPSHOT_NAME, SEEN_NAME):
        with contextlib.suppress(FileNotFoundError):
            (home / name).unlink()
