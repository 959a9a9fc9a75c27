"""`hook_session_start_ms`: Claude Code's SessionStart hook (`reverie hook claude-code`) as
Claude Code runs it, a fresh process with the hook's JSON on standard input, over a history of
10,000 sessions and 1,000 adopted memories (half standing, the rest in five projects, each
with evidence in the sessions)."""

from __future__ import annotations

import json
import random
import sqlite3
import subprocess
import sys
import time
from contextlib import closing
from pathlib import Path
from typing import Any

from bench.memory import add_evidence
from bench.seed import TextSource, seeded_home, working_copy
from bench.stats import percentile
from memory_graph.store.db import DATABASE_NAME

SESSIONS = 10_000
MESSAGES_PER_SESSION = 50
MEMORIES = 1_000
PROJECTS = 5
EVIDENCE_PER_MEMORY = 3


def _adopted(home: Path, projects: list[str]) -> None:
    """MEMORIES active memories, as adoption leaves them: preferences and facts about the
    person everywhere, the others scoped to a project."""
    rng = random.Random(11)
    text = TextSource(seed=29)
    rows = []
    for node in range(1, MEMORIES + 1):
        standing = node % 2 == 0
        kind = rng.choice(("preference", "fact")) if standing else rng.choice(("workflow", "fix"))
        attributes: dict[str, Any] = {"scope": "" if standing else rng.choice(projects)}
        if kind == "fact":
            attributes["subject"] = "person"
        rows.append(
            (
                node,
                f"hook{node}",
                kind,
                " ".join(text.words(rng.randint(6, 14))).capitalize() + ".",
                json.dumps(attributes),
                rng.randint(2, 30),
                "2025-01-01T00:00:00.000Z",
                f"2025-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}T00:00:00.000Z",
                "2025-12-31T00:00:00.000Z",
                "2025-12-31T00:00:00.000Z",
            )
        )
    with closing(sqlite3.connect(home / DATABASE_NAME, isolation_level=None)) as conn:
        conn.execute("BEGIN IMMEDIATE")
        conn.executemany(
            "INSERT INTO nodes (id, pattern, kind, statement, attributes, support, first_seen, "
            "last_seen, adopted, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            rows,
        )
        conn.executemany(
            "INSERT INTO node_patterns (fingerprint, node_id) VALUES (?, ?)",
            ((row[1], row[0]) for row in rows),
        )
        add_evidence(conn, rng, MEMORIES, EVIDENCE_PER_MEMORY)
        conn.execute("COMMIT")


def _run(home: Path, cwd: str) -> tuple[float, str]:
    payload = {"hook_event_name": "SessionStart", "cwd": cwd, "source": "startup"}
    began = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "app", "--home", str(home), "hook", "claude-code"],
        input=json.dumps(payload),
        capture_output=True,
        text=True,
        check=True,
    )
    elapsed = (time.perf_counter() - began) * 1000
    if done.stderr or not done.stdout:
        raise RuntimeError(f"the hook failed: {done.stderr.strip()}")
    return elapsed, done.stdout


def _write(home: Path, sql: str) -> None:
    with closing(sqlite3.connect(home / DATABASE_NAME, isolation_level=None)) as conn:
        conn.execute(sql)


def run_hook(work: Path, runs: int = 30, cold_runs: int = 5) -> dict[str, Any]:
    """Wall times of the SessionStart hook: `runs` starts served from the snapshot the first
    one left; `runs` more, each after a session is imported (as Claude Code's Stop hook or
    `reverie watch` does), which changes no memory; and `cold_runs` right after a change to
    memory with nothing running to compute the context again (the TUI and the deciding
    commands do: `refresh_handed`), so the hook computes it by recall."""
    cached, seeding_s = seeded_home(
        f"s{SESSIONS}-m{MESSAGES_PER_SESSION}", SESSIONS, MESSAGES_PER_SESSION
    )
    home = working_copy(cached, work / "hook")
    projects = [str(work / f"project{n}") for n in range(PROJECTS)]
    for project in projects:
        Path(project, ".git").mkdir(parents=True)
    _adopted(home, projects)
    cwd = str(Path(projects[0], "src"))
    _, output = _run(home, cwd)  # computes and keeps the snapshot
    context = json.loads(output)["hookSpecificOutput"]["additionalContext"]
    warm = [_run(home, cwd)[0] for _ in range(runs)]
    imported = []
    for n in range(runs):
        _write(
            home,
            "INSERT INTO sessions (source, external_id, title, started) "
            f"VALUES ('claude-code', 'bench-import-{n}', 'imported', '2026-01-01T00:00:00.000Z')",
        )
        imported.append(_run(home, cwd)[0])
    cold = []
    for _ in range(cold_runs):
        _write(home, "UPDATE nodes SET support = support + 1 WHERE id = 2")
        cold.append(_run(home, cwd)[0])
    return {
        "p95_ms": round(percentile(warm + imported, 95), 1),
        "median_ms": round(percentile(warm + imported, 50), 1),
        "max_ms": round(max(warm + imported), 1),
        "runs": 2 * runs,
        "after_an_import_p95_ms": round(percentile(imported, 95), 1),
        "after_a_memory_change_p95_ms": round(percentile(cold, 95), 1),
        "after_a_memory_change_runs": cold_runs,
        "context_lines": len(context.splitlines()),
        "context_bytes": len(context.encode()),
        "seeding_s": round(seeding_s, 1),
        "database": f"{SESSIONS} sessions x {MESSAGES_PER_SESSION} messages, {MEMORIES} memories",
    }


if __name__ == "__main__":
    import tempfile

    with tempfile.TemporaryDirectory(prefix="reverie-bench-hook-") as folder:
        print(json.dumps(run_hook(Path(folder)), indent=2))
