"""A memory learned in one project applies there only, unless it recurs across projects: its
scope is set at adoption from where its sessions worked (a git repository's top level, a
worktree resolved to its main repository), recall and standing memory keep to it, seeing it in
another project makes it apply everywhere, and `reverie context` prints what a new session in a
project starts with."""

from __future__ import annotations

import asyncio
import json
import subprocess
from pathlib import Path

import pytest

from app.cli import main
from app.tui.app import ReverieApp
from app.tui.widgets.list_detail import ListDetail
from dreamer.dream import dream
from memory_graph.memory import adoption
from memory_graph.memory.nodes import nodes
from memory_graph.memory.projects import EVERYWHERE, applies, project_of, scope_of
from memory_graph.memory.recall import recall
from memory_graph.store.session_log import SessionLog
from tests.support.inbox import inbox_json
from tests.support.tui import INBOX_SIZE, offline_config, open_inbox, plain, settle


def _git(*args: str) -> None:
    subprocess.run(["git", *args], check=True, capture_output=True)


def _repository(root: Path) -> Path:
    root.mkdir(parents=True)
    _git("init", "-q", str(root))
    _git("-C", str(root), "-c", "user.name=t", "-c", "user.email=t@t", "commit", "-q",
         "--allow-empty", "-m", "start")  # fmt: skip
    return root


def test_a_project_is_the_repository_a_folder_is_in(tmp_path: Path) -> None:
    loom = _repository(tmp_path / "loom")
    (loom / "src" / "weft").mkdir(parents=True)
    assert project_of(str(loom / "src" / "weft")) == str(loom.resolve())
    # A worktree belongs to its main repository.
    _git("-C", str(loom), "worktree", "add", "-q", str(tmp_path / "loom-fix"))
    assert project_of(str(tmp_path / "loom-fix")) == str(loom.resolve())
    # Outside any repository, the folder itself; one from another machine, as written.
    plain = tmp_path / "notes"
    plain.mkdir()
    assert project_of(str(plain)) == str(plain.resolve())
    assert project_of("/home/someone-else/src/quill") == "/home/someone-else/src/quill"
    assert project_of(None) is None and project_of("") is None


def test_a_scope_is_the_one_project_its_sessions_worked_in() -> None:
    assert scope_of(["/src/loom", "/src/loom", None]) == "/src/loom"
    assert scope_of(["/src/loom", "/src/quill"]) == EVERYWHERE
    assert scope_of([None, None]) == EVERYWHERE
    assert applies(EVERYWHERE, None) and applies(EVERYWHERE, "/src/quill")
    assert applies("/src/loom", "/src/loom") and not applies("/src/loom", "/src/loomwork")
    assert not applies("/src/loom", None)


async def _told(log: SessionLog, folder: str | None, *turns: str) -> None:
    session = await log.create_session(title=turns[0], cwd=folder)
    for turn in turns:
        await log.append_message(session.id, "user", [{"type": "text", "text": turn}])
        await log.append_message(session.id, "assistant", [{"type": "text", "text": "Done."}])


async def _adopt_all(log: SessionLog) -> None:
    await dream(log)
    for proposal in await inbox_json(log):
        await adoption.adopt(log, int(proposal["id"]))


async def test_recall_keeps_a_memory_to_its_project(log: SessionLog, tmp_path: Path) -> None:
    loom, quill = str(tmp_path / "loom"), str(tmp_path / "quill")
    for turn in ("tidy the parser", "fix the lexer"):
        await _told(log, loom, turn, "always use tabs in the loom makefiles")
    for turn in ("draft the intro", "edit chapter two"):
        await _told(log, None, turn, "I prefer oxford commas in prose")
    await _adopt_all(log)
    tabs = next(n for n, _ in await nodes(log) if "tabs" in n.statement)
    assert tabs.attributes["scope"] == str(Path(loom).resolve())
    commas = next(n for n, _ in await nodes(log) if "oxford" in n.statement)
    assert commas.attributes["scope"] == EVERYWHERE

    in_loom = await recall(log, "hello", project=project_of(loom))
    in_quill = await recall(log, "hello", project=project_of(quill))
    assert {tabs.id, commas.id} <= set(in_loom.memories)
    assert tabs.id not in in_quill.memories and commas.id in in_quill.memories
    # Not even when a turn elsewhere is about it.
    about = await recall(log, "tabs in the makefiles", project=project_of(quill))
    assert tabs.id not in about.memories

    # Said again in another project: it applies everywhere.
    for turn in ("set up the build", "port the makefile"):
        await _told(log, quill, turn, "always use tabs in the quill makefiles")
    await _adopt_all(log)
    tabs = next(n for n, _ in await nodes(log) if n.id == tabs.id)
    assert tabs.attributes["scope"] == EVERYWHERE
    assert tabs.id in (await recall(log, "hello", project=project_of(quill))).memories


def _seeded(home: Path, loom: Path) -> None:
    async def seed() -> None:
        async with await SessionLog.open(home) as log:
            for turn in ("tidy the parser", "fix the lexer"):
                await _told(log, str(loom), turn, "always use tabs in the loom makefiles")
                await _told(log, str(loom), turn, "our build server is called kiln")
            await _adopt_all(log)

    asyncio.run(seed())


@pytest.mark.parametrize("as_json", [True, False])
def test_reverie_context_prints_what_a_session_there_starts_with(
    home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str], as_json: bool
) -> None:
    loom = _repository(tmp_path / "loom")
    (loom / "src").mkdir()
    _seeded(home, loom)
    flags = ["--json"] if as_json else []
    assert main(["context", "--home", str(home), "--project", str(loom / "src"), *flags]) == 0
    out = capsys.readouterr().out
    if as_json:
        shown = json.loads(out)
        assert shown["project"] == str(loom.resolve())
        assert [hit["reason"] for hit in shown["standing"]] == ["standing"]
        assert [hit["reason"] for hit in shown["project_memory"]] == ["project"]
        assert "kiln" in shown["project_memory"][0]["statement"]
    else:
        assert out.startswith(f"# What you remember about the user (project {loom.resolve()})")
        assert "tabs" in out and "kiln" in out
    elsewhere = tmp_path / "elsewhere"
    elsewhere.mkdir()
    assert main(["context", "--home", str(home), "--project", str(elsewhere)]) == 0
    assert "Nothing adopted applies here yet." in capsys.readouterr().out
    assert main(["context", "--home", str(home), "--project", str(tmp_path / "nope")]) == 1
    assert "no such folder" in capsys.readouterr().err


def test_p_in_the_inbox_chooses_where_a_memory_applies(
    home: Path, tmp_path: Path, workspace: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    loom = tmp_path / "loom"

    async def seed() -> None:
        async with await SessionLog.open(home) as log:
            for turn in ("tidy the parser", "fix the lexer"):
                await _told(log, str(loom), turn, "always use tabs in the loom makefiles")
            await dream(log)

    asyncio.run(seed())
    assert main(["inbox", "--home", str(home)]) == 0
    assert "[project loom only]" in capsys.readouterr().out

    async def choose() -> None:
        app = ReverieApp(offline_config(home, workspace))
        async with app.run_test(size=INBOX_SIZE) as pilot:
            screen = await open_inbox(pilot)
            assert "Applies: in project loom only" in plain(screen.query_one(ListDetail).detail)
            await pilot.press("p")
            await settle(pilot)
            assert "Applies: everywhere (p: only in project loom" in plain(
                screen.query_one(ListDetail).detail
            )
            await pilot.press("a")
            await settle(pilot)

    asyncio.run(choose())

    async def adopted() -> None:
        async with await SessionLog.open(home) as log:
            [(node, _)] = [item for item in await nodes(log) if item[0].kind == "preference"]
            assert node.attributes["scope"] == EVERYWHERE and node.attributes["scope_chosen"]
            assert node.id in (await recall(log, "hello", project=str(tmp_path))).memories

    asyncio.run(adopted())


def test_p_in_the_memory_browser_changes_where_a_memory_applies(
    home: Path, tmp_path: Path, workspace: Path
) -> None:
    kiln, anvil = tmp_path / "kiln", tmp_path / "anvil"

    async def seed() -> None:
        async with await SessionLog.open(home) as log:
            await _told(log, str(kiln), "glaze the pots", "I prefer metric units in recipes")
            await _told(log, str(anvil), "forge a hook", "I prefer metric units in recipes")
            await _told(log, str(kiln), "fire the kiln", "I prefer metric units in recipes")
            await _adopt_all(log)

    asyncio.run(seed())

    async def browse() -> None:
        from app.tui.screens.memory_screen import MemoryScreen

        app = ReverieApp(offline_config(home, workspace))
        async with app.run_test(size=INBOX_SIZE) as pilot:
            await open_inbox(pilot)
            await pilot.press("ctrl+g")
            await settle(pilot)
            browser = pilot.app.screen
            assert isinstance(browser, MemoryScreen) and browser.current is not None
            detail = browser.query_one(ListDetail).detail
            # Learned in two projects: everywhere, and each press narrows it to the next
            # project it was learned in, the one with most sessions first.
            assert "Applies: everywhere" in plain(detail)
            assert "confidence 0.88" in plain(detail)  # three sessions, none against
            await pilot.press("p")
            await settle(pilot)
            assert "Applies: in project kiln only" in plain(detail)
            assert "project kiln only" in str(browser.listing.get_option_at_index(1).prompt)
            await pilot.press("p")
            await settle(pilot)
            assert "Applies: in project anvil only" in plain(detail)
            await pilot.press("u")
            await settle(pilot)
            assert "Applies: in project kiln only" in plain(detail)

    asyncio.run(browse())

    async def scoped() -> None:
        async with await SessionLog.open(home) as log:
            [(node, _)] = [item for item in await nodes(log) if item[0].kind == "preference"]
            assert node.attributes["scope"] == str(kiln.resolve())
            assert node.id in (await recall(log, "hi", project=str(kiln.resolve()))).memories
            assert node.id not in (await recall(log, "hi", project=str(anvil.resolve()))).memories

    asyncio.run(scoped())
