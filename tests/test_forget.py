"""reverie forget: the session and everything derived only from it leave the database, and with
--vacuum the file; memories that other sessions justify stay."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from app.cli import main
from memory_graph.store.db import DATABASE_NAME
from memory_graph.store.session_log import SessionLog
from tests.support.demo import DEMO_HISTORY
from tests.support.memory import memories_at


async def _rows(home: Path, sql: str, *args: object) -> list[Any]:
    async with await SessionLog.open(home) as log, log.connection.execute(sql, args) as cursor:
        return [tuple(row) for row in await cursor.fetchall()]


def _one(home: Path, sql: str, *args: object) -> Any:
    return asyncio.run(_rows(home, sql, *args))[0][0]


def test_forget_removes_the_session_and_what_only_it_justified(
    capsys: pytest.CaptureFixture[str], home: Path
) -> None:
    def run(*argv: str) -> int:
        return main(["--home", str(home), *argv])

    def session(external_id: str) -> int:
        return int(_one(home, "SELECT id FROM sessions WHERE external_id = ?", external_id))

    assert run("import", str(DEMO_HISTORY)) == 0 and run("dream") == 0
    # Adopt everything but the bullet-points preference, which stays in the inbox.
    chosen = asyncio.run(
        _rows(home, "SELECT id FROM proposals WHERE statement NOT LIKE '%bullet points%'")
    )
    assert run("adopt", *(str(row[0]) for row in chosen)) == 0
    pdf, coworking, porto = session("demo-012"), session("demo-011"), session("demo-024")
    before = asyncio.run(memories_at(home))
    capsys.readouterr()

    assert run("forget", str(pdf), "--reason", "asked to", "--yes") == 0
    assert capsys.readouterr().out.startswith(f"forgot session {pdf}: ")
    # The PDF memories had other sessions behind them: they stay, with one session less.
    after = asyncio.run(memories_at(home))
    workflow = next(s for s in before if s.startswith("Requests like"))
    assert after[workflow].support == before[workflow].support - 1
    for table in ("messages", "events", "observations", "proposal_evidence", "node_evidence"):
        count = _one(home, f"SELECT COUNT(*) FROM {table} WHERE session_id = ?", pdf)
        assert count == 0, table
    assert _one(home, "SELECT COUNT(*) FROM forget_log WHERE session_id = ?", pdf) == 1

    # The bullet-points proposal cites two sessions; forgetting one removes the proposal.
    bullets = "SELECT COUNT(*) FROM proposals WHERE statement LIKE '%bullet%'"
    assert _one(home, bullets) == 1
    assert run("forget", str(coworking), "--yes") == 0
    assert _one(home, bullets) == 0
    assert run("forget", str(porto), "--vacuum", "--yes") == 0
    # Nothing of the Porto weekend is left in the file, the write-ahead log included.
    raw = b"".join(p.read_bytes() for p in home.iterdir() if p.name.startswith(DATABASE_NAME))
    assert "Bolhão".encode() not in raw and b"3 places to eat near" not in raw
    capsys.readouterr()
    assert run("forget", str(porto), "--yes") == 1
    assert "no session" in capsys.readouterr().err


def test_a_memory_whose_only_evidence_is_forgotten_goes_with_it(home: Path) -> None:
    def run(*argv: str) -> int:
        return main(["--home", str(home), *argv])

    assert run("import", str(DEMO_HISTORY)) == 0 and run("dream") == 0
    proposal = _one(home, "SELECT id FROM proposals WHERE statement LIKE '%timezone%'")
    assert run("adopt", str(proposal)) == 0
    sessions = asyncio.run(
        _rows(home, "SELECT DISTINCT session_id FROM node_evidence ORDER BY session_id")
    )
    assert len(sessions) == 2
    for (session_id,) in sessions:
        assert run("forget", str(session_id), "--yes") == 0
    assert asyncio.run(memories_at(home)) == {}
    assert _one(home, "SELECT COUNT(*) FROM nodes_fts WHERE nodes_fts MATCH 'Lisbon'") == 0
