"""The inbox screen driven by Pilot: one key per decision (a adopts, r rejects, e edits then
adopts, u undoes, space selects for a bulk decision), each written before the list changes;
keys that do not apply dimmed in place; a stale proposal shown so and never adopted; Enter
opens a proposal's evidence; the demo opens on it; what the user wrote shown as text, never as
markup. The same inbox, in the same order, as `reverie inbox`: test_inbox_order.py."""

from __future__ import annotations

from pathlib import Path

from app.tui.app import ReverieApp
from app.tui.screens.chat_screen import ChatScreen
from app.tui.screens.edit_screen import EditScreen
from app.tui.screens.inbox_screen import InboxScreen
from app.tui.widgets.list_detail import ListDetail
from dreamer.dream import dream
from memory_graph.memory import adoption, nodes
from memory_graph.store.session_log import SessionLog
from tests.support.demo import PROPOSED
from tests.support.inbox import inbox_json
from tests.support.memory import memories_at
from tests.support.sessions import proposals_against
from tests.support.tui import INBOX_SIZE, offline_config, open_inbox, settle


async def _status(home: Path, proposal_id: int) -> str:
    async with (
        await SessionLog.open(home) as log,
        log.connection.execute(
            "SELECT status FROM proposals WHERE id = ?", (proposal_id,)
        ) as cursor,
    ):
        row = await cursor.fetchone()
    return str(row[0])


async def test_a_adopts_r_rejects_u_undoes(dreamt: Path, workspace: Path) -> None:
    app = ReverieApp(offline_config(dreamt, workspace))
    async with app.run_test(size=INBOX_SIZE) as pilot:
        chat = pilot.app.screen
        assert isinstance(chat, ChatScreen)
        await settle(pilot)
        assert chat.status_line.inbox == PROPOSED
        inbox = await open_inbox(pilot)
        assert len(inbox.items) == PROPOSED
        # Grouped by kind, the surest first: the missing `requests` module and its fix.
        first = inbox.current
        assert first is not None and first.kind == "failure"
        await pilot.press("a")
        assert await _status(dreamt, first.id) == "adopted"
        assert first.id not in inbox.items and len(inbox.items) == PROPOSED - 1
        adopted = list(await memories_at(dreamt))
        assert len(adopted) == 2 and "pip install -r requirements.txt" in adopted[1]
        second = inbox.current
        assert second is not None and second.id != first.id
        await pilot.press("r")
        assert await _status(dreamt, second.id) == "rejected"
        await pilot.press("u")
        assert await _status(dreamt, second.id) == "pending"
        await pilot.press("u")
        assert await _status(dreamt, first.id) == "pending"
        assert await memories_at(dreamt) == {}
        await pilot.press("r")  # the failure again, highlighted where it was
        await pilot.press("escape")
        await settle(pilot)
        assert pilot.app.screen is chat and chat.status_line.inbox == PROPOSED - 1
    # A rejected proposal does not come back when the same sessions are dreamt again.
    async with await SessionLog.open(dreamt) as log:
        await dream(log)
        assert len(await inbox_json(log)) == PROPOSED - 1


async def test_keys_that_do_not_apply_are_dimmed_in_place(dreamt: Path, workspace: Path) -> None:
    from app.tui.widgets.keys_footer import FooterKey

    def keys(inbox: InboxScreen) -> dict[str, FooterKey]:
        return {key.action: key for key in inbox.query(FooterKey)}

    app = ReverieApp(offline_config(dreamt, workspace))
    async with app.run_test(size=INBOX_SIZE) as pilot:
        inbox = await open_inbox(pilot)
        before = keys(inbox)
        assert before["undo"].has_class("-disabled") and not before["adopt"].has_class("-disabled")
        await pilot.press("u")  # nothing to undo: the key does not run its action
        await settle(pilot)
        assert not any("nothing to undo" in str(n.message) for n in app._notifications)
        await pilot.press("a")
        await settle(pilot)
        # The same key widgets, the undo key lit: the footer was not rebuilt.
        after = keys(inbox)
        assert all(after[action] is key for action, key in before.items())
        assert not after["undo"].has_class("-disabled")
        await pilot.press("u")
        await settle(pilot)
        assert len(inbox.items) == PROPOSED and keys(inbox)["undo"].has_class("-disabled")


async def test_e_edits_the_memory_then_adopts_it(dreamt: Path, workspace: Path) -> None:
    app = ReverieApp(offline_config(dreamt, workspace))
    async with app.run_test(size=INBOX_SIZE) as pilot:
        inbox = await open_inbox(pilot)
        item = inbox.current
        assert item is not None
        await pilot.press("e")
        await settle(pilot)
        editor = pilot.app.screen
        assert isinstance(editor, EditScreen)
        field = editor.query_one("#statement")
        field.value = "A fresh venv lacks `requests` until `pip install -r requirements.txt`"  # type: ignore[attr-defined]
        await pilot.press("enter")
        await settle(pilot)
        assert pilot.app.screen is inbox
        assert await _status(dreamt, item.id) == "adopted"
    # The person's wording is the failure's; its fix, adopted with it, keeps the dream's.
    memories = list(await memories_at(dreamt))
    assert memories[0] == "A fresh venv lacks `requests` until `pip install -r requirements.txt`"
    assert len(memories) == 2 and memories[1].startswith("When `pytest` fails")


async def test_space_selects_for_a_bulk_decision_and_enter_opens_the_evidence(
    dreamt: Path, workspace: Path
) -> None:
    app = ReverieApp(offline_config(dreamt, workspace))
    async with app.run_test(size=INBOX_SIZE) as pilot:
        inbox = await open_inbox(pilot)
        chosen = []
        for _ in range(2):
            item = inbox.current
            assert item is not None
            chosen.append(item.id)
            await pilot.press("space", "down")
        await pilot.press("a")
        assert [await _status(dreamt, i) for i in chosen] == ["adopted", "adopted"]
        evidence = inbox.current
        assert evidence is not None
        await pilot.press("enter")
        await settle(pilot)
        chat = pilot.app.screen
        # The demo's sessions are Reverie's own (its export format): they go on in place.
        assert isinstance(chat, ChatScreen) and chat.continues is None
        assert chat.session_id == inbox._evidence[0].session_id


async def test_a_stale_proposal_is_shown_so_and_cannot_be_adopted(
    dreamt: Path, workspace: Path
) -> None:
    async with await SessionLog.open(dreamt) as log:
        preference = next(p for p in await inbox_json(log) if p["kind"] == "preference")
        await adoption.adopt(log, preference["id"])
        node = next(n for n, _ in await nodes.nodes(log, ("preference",)))
        await proposals_against(log, node, "retire", "reinforce")
        retire = next(p for p in await inbox_json(log) if p["op"] == "retire")
        await adoption.adopt(log, retire["id"])
    app = ReverieApp(offline_config(dreamt, workspace))
    async with app.run_test(size=INBOX_SIZE) as pilot:
        inbox = await open_inbox(pilot)
        stale = next(item for item in inbox.items.values() if item.op == "reinforce")
        assert stale.stale
        index = next(i for i, o in enumerate(inbox.listing.options) if o.id == str(stale.id))
        inbox.listing.highlighted = index
        await settle(pilot)
        assert "STALE" in str(inbox.listing.get_option_at_index(index).prompt)
        assert not inbox.check_action("adopt", ()) and inbox.check_action("reject", ())
        await pilot.press("a")
        assert await _status(dreamt, stale.id) == "pending"


async def test_the_demo_opens_on_the_inbox_and_one_key_adopts_a_memory(
    dreamt: Path, workspace: Path
) -> None:
    app = ReverieApp(offline_config(dreamt, workspace), inbox_first=True)
    async with app.run_test(size=INBOX_SIZE) as pilot:
        await settle(pilot)
        # The inbox is pushed once the log is open; its list fills as it mounts.
        for _ in range(100):
            screen = pilot.app.screen
            if isinstance(screen, InboxScreen) and screen.current is not None:
                break
            await pilot.pause(0.05)
        assert isinstance(pilot.app.screen, InboxScreen)
        await pilot.press("a")
    assert len(await memories_at(dreamt)) == 2  # a failure and its fix


async def test_markup_in_what_the_user_wrote_is_shown_as_text(home: Path, workspace: Path) -> None:
    from tests.support.sessions import chat_session

    tricky = "I prefer [bold]tabs[/bold] and [@click=app.quit]this[/] \x1b[31mred"
    async with await SessionLog.open(home) as log:
        for _ in range(2):
            await chat_session(log, "format my file", tricky)
        await dream(log)
    app = ReverieApp(offline_config(home, workspace), inbox_first=True)
    async with app.run_test(size=INBOX_SIZE) as pilot:
        await settle(pilot)
        inbox = pilot.app.screen
        assert isinstance(inbox, InboxScreen)
        entry = str(inbox.listing.get_option_at_index(1).prompt)
        detail = str(inbox.query_one(ListDetail).detail.render())
        assert "[bold]tabs[/bold] and [@click=ap" in entry  # cut to one line, still literal
        assert "[bold]tabs[/bold] and [@click=app.quit]this[/] \\x1b[31mred" in detail
        await pilot.click(ListDetail)  # a click on the text runs no action in it
        await pilot.press("a", "ctrl+g")
        await settle(pilot)
        assert pilot.app.is_running
        memory = str(pilot.app.screen.query_one(ListDetail).detail.render())
        assert "[@click=app.quit]this[/]" in memory
