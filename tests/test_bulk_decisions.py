"""A bulk decision is one decision for undo, on both surfaces: `reverie adopt 3 4 5` (or
`--all`) and the inbox's selection then `a` or `r` are taken back by one `undo` (one `u`),
every proposal of it pending again and every memory it made gone; a decision made alone is
still undone alone, and the inbox shows how many are selected while selecting."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from textual.widgets import Label

from app.cli import main
from app.tui.app import ReverieApp
from memory_graph.memory.decisions import Decision, Decisions
from memory_graph.store.session_log import SessionLog
from tests.support.demo import PROPOSED
from tests.support.inbox import inbox_json
from tests.support.memory import active_memories, memories_at
from tests.support.tui import INBOX_SIZE, offline_config, open_inbox, settle


async def _statuses(home: Path, ids: list[int]) -> list[str]:
    async with await SessionLog.open(home) as log:
        rows = await log.connection.execute_fetchall(
            f"SELECT id, status FROM proposals WHERE id IN ({', '.join('?' * len(ids))})", ids
        )
    by_id = {int(row[0]): str(row[1]) for row in rows}
    return [by_id[i] for i in ids]


async def test_one_undo_reverts_every_decision_of_one_call(dreamt: Path) -> None:
    async with await SessionLog.open(dreamt) as log:
        waiting = [p["id"] for p in await inbox_json(log)]
        decisions = Decisions(log)
        alone = await decisions.decide(Decision.REJECT, [waiting[0]])
        assert alone[0].message == f"rejected proposal {waiting[0]}"
        three = waiting[1:4]
        made = await decisions.decide(Decision.ADOPT, three)
        assert len(made) == 3 and len(await active_memories(log)) >= 3
        undone = await decisions.undo()
        assert undone is not None and sorted(undone.proposals) == sorted(three)
        assert undone.message.startswith("undid the adoption of 3 proposals: ")
        assert await active_memories(log) == {}
        assert [p["id"] for p in await inbox_json(log)] == waiting[1:]
        # The decision made alone before the batch is the next undo, alone.
        again = await decisions.undo()
        assert again is not None and again.proposals == (waiting[0],)
        assert again.message == f"undid the rejection of {waiting[0]}"
        assert await decisions.undo() is None
        assert not await decisions.undoable()


def test_bulk_adopt_from_the_command_line_is_one_undo(
    capsys: pytest.CaptureFixture[str], dreamt: Path
) -> None:
    def run(*argv: str) -> tuple[int, str]:
        code = main(["--home", str(dreamt), *argv])
        out, _ = capsys.readouterr()
        return code, out

    waiting = [p["id"] for p in json.loads(run("inbox", "--json")[1])["proposals"]]
    assert run("adopt", *map(str, waiting[:3]))[0] == 0
    assert run("reject", str(waiting[3]))[0] == 0
    code, out = run("undo")
    assert code == 0 and out.strip() == f"undid the rejection of {waiting[3]}"
    code, out = run("undo")
    assert code == 0 and out.strip().startswith("undid the adoption of 3 proposals")
    assert [p["id"] for p in json.loads(run("inbox", "--json")[1])["proposals"]] == waiting
    # --all too: everything adopted at once comes back with one undo.
    assert run("adopt", "--all")[0] == 0
    assert json.loads(run("inbox", "--json")[1])["proposals"] == []
    assert run("undo")[0] == 0
    assert len(json.loads(run("inbox", "--json")[1])["proposals"]) == len(waiting)
    code, _ = run("undo")
    assert code == 1


async def test_the_inbox_counts_the_selection_and_one_u_undoes_the_bulk_decision(
    dreamt: Path, workspace: Path
) -> None:
    app = ReverieApp(offline_config(dreamt, workspace))
    async with app.run_test(size=INBOX_SIZE) as pilot:
        inbox = await open_inbox(pilot)
        title = inbox.query_one("#inbox-title", Label)
        chosen = []
        for count in range(1, 4):
            item = inbox.current
            assert item is not None
            chosen.append(item.id)
            await pilot.press("space", "down")
            await settle(pilot)
            assert f"{count} selected" in str(title.render())
        await pilot.press("up", "space")  # and the last one unselected again
        await settle(pilot)
        assert "2 selected" in str(title.render())
        chosen.pop()
        await pilot.press("r")
        await settle(pilot)
        assert await _statuses(dreamt, chosen) == ["rejected", "rejected"]
        assert "selected" not in str(title.render())
        assert any("rejected 2 proposals" in str(n.message) for n in app._notifications)
        await pilot.press("u")
        await settle(pilot)
        assert await _statuses(dreamt, chosen) == ["pending", "pending"]
        assert len(inbox.items) == PROPOSED
        assert not inbox.can_undo  # nothing else was decided: one u took both back
        # Adopting a selection, the same: one u and no memory is left.
        for _ in range(3):
            await pilot.press("space", "down")
        await pilot.press("a")
        await settle(pilot)
        assert len(await memories_at(dreamt)) >= 3
        await pilot.press("u")
        await settle(pilot)
        assert await memories_at(dreamt) == {}
        assert len(inbox.items) == PROPOSED
