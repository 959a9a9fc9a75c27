"""`reverie forget` asks first: on a terminal it says exactly what will go (the session, its
messages, each memory that goes or loses the session's evidence) and forgets only on "y";
without a terminal it refuses (exit 2) unless `--yes` says so; counts read "1 memory"."""

from __future__ import annotations

import asyncio
import os
import subprocess
from pathlib import Path

from app.cli import main
from memory_graph.store.session_log import SessionLog
from tests.support.demo import DEMO_HISTORY
from tests.support.processes import clean_environment, reverie


async def _rows(home: Path, sql: str) -> list[tuple[object, ...]]:
    async with await SessionLog.open(home) as log, log.connection.execute(sql) as cursor:
        return [tuple(row) for row in await cursor.fetchall()]


def _on_terminal(home: Path, answer: bytes, *argv: str) -> tuple[int, str, str]:
    """Run `reverie` with a terminal for standard input, typing `answer` at it."""
    controller, terminal = os.openpty()
    try:
        process = subprocess.Popen(
            reverie(home, *argv),
            stdin=terminal,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            env=clean_environment(),
        )
        os.close(terminal)
        os.write(controller, answer)
        out, err = process.communicate(timeout=120)
    finally:
        os.close(controller)
    return process.returncode, out.decode(), err.decode()


def _without_terminal(home: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        reverie(home, *argv),
        stdin=subprocess.DEVNULL,
        capture_output=True,
        text=True,
        env=clean_environment(),
    )


def test_forget_says_what_goes_and_asks(home: Path) -> None:
    assert main(["--home", str(home), "import", str(DEMO_HISTORY)]) == 0
    assert main(["--home", str(home), "dream"]) == 0
    [(proposal,)] = asyncio.run(
        _rows(home, "SELECT id FROM proposals WHERE statement LIKE '%timezone%'")
    )
    assert main(["--home", str(home), "adopt", str(proposal)]) == 0
    [(memory,)] = asyncio.run(_rows(home, "SELECT id FROM nodes WHERE statement LIKE '%timez%'"))
    # The session its wording came from last, so that forgetting the other leaves it as is.
    [(second,)] = asyncio.run(
        _rows(
            home,
            "SELECT m.session_id FROM statement_versions v "
            "JOIN messages m ON m.id = v.source_message_id",
        )
    )
    [(first,)] = asyncio.run(
        _rows(home, f"SELECT DISTINCT session_id FROM node_evidence WHERE session_id != {second}")
    )
    [(messages,)] = asyncio.run(
        _rows(home, f"SELECT COUNT(*) FROM messages WHERE session_id = {first}")
    )

    # No terminal to ask on: refused as bad usage, nothing forgotten.
    done = _without_terminal(home, "forget", str(first))
    assert done.returncode == 2 and "pass --yes" in done.stderr and done.stdout == ""

    # Asked, and declined: the prompt names the session, its messages and the memory.
    code, out, err = _on_terminal(home, b"n\n", "forget", str(first))
    assert code == 1 and out == "" and "nothing was forgotten" in err
    assert f"forget session {first} (reverie, " in err
    assert f"{messages} messages and its events go" in err
    assert f"memory {memory} stays, without this session's evidence" in err
    assert '"My timezone is Europe/Lisbon."' in err
    assert "[y/N]" in err
    assert asyncio.run(_rows(home, f"SELECT id FROM sessions WHERE id = {first}")) == [(first,)]

    # Asked, and confirmed.
    code, out, _ = _on_terminal(home, b"y\n", "forget", str(first))
    assert code == 0 and out.startswith(f"forgot session {first}: {messages} messages")
    assert asyncio.run(_rows(home, f"SELECT id FROM sessions WHERE id = {first}")) == []

    # The memory's last evidence: it goes with the session, and the count is singular.
    code, out, err = _on_terminal(home, b"n\n", "forget", str(second))
    assert code == 1 and f"memory {memory} goes, this session was its only evidence" in err
    done = _without_terminal(home, "forget", str(second), "--yes")
    assert done.returncode == 0, done.stderr
    assert ", 1 memory" in done.stdout and "memories" not in done.stdout
    assert asyncio.run(_rows(home, "SELECT id FROM nodes WHERE statement LIKE '%timez%'")) == []
