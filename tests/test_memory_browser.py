"""The memory browser (Ctrl+G): adopted memories listed by kind, kept up to date decision by
decision; each shown with its evidence ("Why do you believe this?") and its related memories;
x retires one and u undoes it; / searches; Ctrl+E exports the graph to a private file."""

from __future__ import annotations

from pathlib import Path

from app.tui.app import ReverieApp
from app.tui.widgets.list_detail import ListDetail
from tests.support.tui import INBOX_SIZE, offline_config, open_inbox, settle


async def test_an_adopted_memory_shows_in_the_memory_browser(dreamt: Path, workspace: Path) -> None:
    from app.tui.screens.memory_screen import MemoryScreen

    app = ReverieApp(offline_config(dreamt, workspace))
    async with app.run_test(size=INBOX_SIZE) as pilot:
        inbox = await open_inbox(pilot)
        await pilot.press("ctrl+g")
        await settle(pilot)
        browser = pilot.app.screen
        assert isinstance(browser, MemoryScreen) and browser.current is None
        await pilot.press("escape")
        await settle(pilot)
        # The view is loaded now: the next adoptions reach it decision by decision.
        # The PDF export, third of the failures: it adds the failure, its fix and the workflow.
        await pilot.press("down", "down", "a")
        await pilot.press("ctrl+g")
        await settle(pilot)
        browser = pilot.app.screen
        assert isinstance(browser, MemoryScreen)
        shown = [o.id for o in browser.listing.options if o.id]
        # The three memories, and the two programs they name (pandoc, soffice), listed last.
        assert len(shown) == 5
        kinds = [browser.view.graph.nodes[int(node)]["kind"] for node in shown]
        assert kinds[-2:] == ["entity", "entity"]
        workflow = browser.current
        assert workflow is not None
        assert "export my CV to PDF" in str(browser.view.graph.nodes[workflow]["statement"])
        detail = str(browser.query_one(ListDetail).detail.render())
        assert "Why do you believe this?" in detail and "demo-017" in detail
        assert "Related:" in detail  # the workflow is about the failure adopted with it
        await pilot.press("x")
        assert browser.current != workflow
        assert len([o for o in browser.listing.options if o.id]) == 4
        await pilot.press("u")
        assert len([o for o in browser.listing.options if o.id]) == 5
        await pilot.press("/")
        for key in "pdflatex":
            await pilot.press(key)
        await pilot.pause(0.3)
        await settle(pilot)
        assert len([o for o in browser.listing.options if o.id]) == 3
        assert inbox is not browser
        await pilot.press("escape", "ctrl+g", "ctrl+e")
        await settle(pilot)
        exported = list((dreamt / "exports").glob("memory-*.graphml"))
        assert len(exported) == 1 and exported[0].stat().st_mode & 0o777 == 0o600
