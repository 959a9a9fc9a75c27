"""Support counts people's sessions: a sub-agent's or a compaction run's session counts toward
the session that spawned it, once, while evidence still points at where it was seen. Lists of
sessions show spawned ones nested under their parent."""

from __future__ import annotations

from pathlib import Path

from textual.widgets import OptionList

from app.config import Config
from app.tui.app import ReverieApp
from app.tui.screens.chat_screen import ChatScreen
from app.tui.widgets.conversation import OtherTurn
from app.tui.widgets.sidebar import SessionsSidebar
from dreamer.dream import dream
from dreamer.journal import horizon
from memory_graph.memory.vocabulary import MemoryKind
from memory_graph.store.session_log import SessionLog
from memory_graph.transcripts.importer import import_paths
from tests.support.claude_code_lines import Transcript
from tests.support.inbox import inbox_json
from tests.support.tui import settle

ROOT = "9c4d2e71-0a1b-4c2d-8e3f-4a5b6c7d8e01"
OTHER = "9c4d2e71-0a1b-4c2d-8e3f-4a5b6c7d8e02"
LATER = "9c4d2e71-0a1b-4c2d-8e3f-4a5b6c7d8e03"
FAILURE = "E   ImportError: cannot import name 'tide_window' from 'harbor.tides'"


def _write(projects: Path, session: str, day: int, *, fails: bool, agent: str | None) -> None:
    main = Transcript(session, day=day)
    main.user(f"get the tide tests green (day {day})")
    if fails:
        main.tool("Bash", "pytest tests/test_tides.py", f"Exit code 1\n{FAILURE}", error=True)
    main.user(
        "This session is being continued from a previous conversation that ran out of "
        "context. Summary: the tide tests were being fixed.",
        isCompactSummary=True,
    )
    main.assistant("Carrying on with the tide tests.")
    main.write(projects / f"{session}.jsonl")
    if agent is not None:
        sub = Transcript(session, agent=agent, day=day)
        sub.user("Run the tide tests and report what fails.")
        sub.tool("Bash", "pytest tests/test_tides.py", f"Exit code 1\n{FAILURE}", error=True)
        sub.assistant("The import of tide_window fails.")
        sub.write(projects / session / "subagents" / f"agent-{agent}.jsonl")


async def _failures(log: SessionLog) -> list[tuple[int, list[int]]]:
    return [
        (item["support"], sorted(e["session_id"] for e in item["evidence"]))
        for item in await inbox_json(log)
        if item["kind"] == MemoryKind.FAILURE
    ]


async def test_a_sub_agents_observations_count_once_with_their_root(
    log: SessionLog, tmp_path: Path
) -> None:
    projects = tmp_path / "projects" / "-home-noor-src-harbor"
    _write(projects, ROOT, 2, fails=True, agent="a7f00d1")
    _write(projects, OTHER, 3, fails=False, agent=None)
    assert (await import_paths(log, [tmp_path / "projects"])).problems == []
    await dream(log)
    # Seen in a session and in its sub-agent: one person's session, an anecdote.
    assert await _failures(log) == []
    _write(projects, LATER, 4, fails=True, agent=None)
    assert (await import_paths(log, [projects / f"{LATER}.jsonl"])).problems == []
    await dream(log)
    ids = {s.external_id: s.id for s in await log.list_sessions()}
    # Two people's sessions; the evidence still cites the sub-agent's own message.
    assert await _failures(log) == [
        (2, sorted([ids[ROOT], ids[f"{ROOT}:agent-a7f00d1"], ids[LATER]]))
    ]


async def test_parent_chains_resolve_to_their_root(log: SessionLog) -> None:
    root = await log.create_session(title="root")
    child = await log.create_session(parent_id=root.id)
    grandchild = await log.create_session(parent_id=child.id)
    other = await log.create_session(title="other")
    assert await log.session_roots() == {child.id: root.id, grandchild.id: root.id}
    assert [s.id for s in await log.list_sessions()] == [
        other.id,
        root.id,
        child.id,
        grandchild.id,
    ]
    # Only people's sessions count toward how long a memory has gone unseen.
    assert await horizon(log, 2) == root.id
    assert await horizon(log, 3) is None


async def test_the_sidebar_nests_spawned_sessions_under_their_parent(
    config: Config, tmp_path: Path
) -> None:
    projects = tmp_path / "projects" / "-home-noor-src-harbor"
    _write(projects, ROOT, 2, fails=True, agent="a7f00d1")
    _write(projects, OTHER, 3, fails=False, agent=None)
    async with await SessionLog.open(config.home) as log:
        await import_paths(log, [tmp_path / "projects"])
        ids = {s.external_id: s.id for s in await log.list_sessions()}
    async with ReverieApp(config).run_test(size=(120, 40)) as pilot:
        screen = pilot.app.screen
        assert isinstance(screen, ChatScreen)
        await settle(pilot)
        sidebar = screen.query_one(SessionsSidebar)
        assert sidebar.listed == [ids[OTHER], ids[ROOT], ids[f"{ROOT}:agent-a7f00d1"]]
        listing = sidebar.query_one("#session-list", OptionList)
        titles = [str(listing.get_option_at_index(i).prompt).split("\n")[0] for i in range(3)]
        # Whole titles: the list cuts each line to its own width.
        assert titles == [
            "get the tide tests green (day 3)",
            "get the tide tests green (day 2)",
            "↳ agent session",
        ]
        await pilot.press("ctrl+f", "down", "down", "enter")
        await settle(pilot)
        # Imported from Claude Code: shown as it is, continued in a new session if typed to.
        assert screen.session_id is None and screen.continues is not None
        assert screen.continues.id == ids[ROOT]
        folded = [str(turn.title) for turn in screen.query(OtherTurn)]
        assert [title.split("  ")[0] for title in folded] == ["harness · compaction summary"]
        assert folded[0].split("  ")[1].startswith("This session is being continued")
