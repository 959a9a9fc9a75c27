"""The chat screen's footer keeps its keys in place: its start-up (the screen pushed, the prompt
focused, the app focused) changed the bindings four or five times before the first frame, and
Textual's footer rebuilt every key each time, tens of milliseconds apiece."""

from __future__ import annotations

from pathlib import Path

import pytest
from textual.widgets import Footer

from app.tui.app import ReverieApp
from app.tui.widgets.keys_footer import FooterKey, KeysFooter
from tests.support.tui import SIZE, chat_ready, offline_config, settle


async def test_start_up_builds_the_keys_once(
    home: Path, workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    rebuilt: list[int] = []
    recompose = Footer.recompose

    async def counted(footer: Footer) -> None:
        rebuilt.append(len(footer.query(FooterKey)))
        await recompose(footer)

    monkeypatch.setattr(Footer, "recompose", counted)
    app = ReverieApp(offline_config(home, workspace))
    async with app.run_test(size=SIZE) as pilot:
        chat = await chat_ready(pilot)
        assert len(rebuilt) == 1, rebuilt
        footer = chat.query_one(KeysFooter)
        shown = [key.action for key in footer.query(FooterKey)]
        assert shown  # the keys are there, built once
        # Bindings asked for again and again before a frame: the same keys, nothing rebuilt.
        for _ in range(3):
            chat.refresh_bindings()
        await settle(pilot)
        assert len(rebuilt) == 1, rebuilt
        assert [key.action for key in footer.query(FooterKey)] == shown
