"""What screens may ask of the app, and the one typed way they reach it.

`ReverieCore` holds the session log, the memory view and the decisions that keep it current;
`ReverieApp` (app.py) adds the screens, dreams and the database watcher on top. Screens import
this module, never app.py, so nothing imports in a circle, at run time or when type-checking."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from textual.app import App
from textual.dom import DOMNode

from app.config import Config
from memory_graph.store.session_log import SessionLog

if TYPE_CHECKING:
    from memory_graph.memory.decisions import Decisions
    from memory_graph.memory.graph_view import MemoryGraph


class ReverieCore(App[None]):
    """The app as its screens see it: the configuration, the session log (opened on first use),
    the memory graph's view, and the one way to decide (`Decisions`), which keeps it current."""

    def __init__(self, config: Config, *, inbox_first: bool = False) -> None:
        super().__init__()
        self.config = config
        self.inbox_first = inbox_first
        """Open the inbox once the log is open (`reverie demo`)."""
        self._memory: MemoryGraph | None = None
        self._decisions: Decisions | None = None
        self.session_log: SessionLog | None = None
        self._opening = asyncio.Lock()

    async def open_log(self) -> SessionLog:
        """The session log, opened on first use and closed when the app exits."""
        async with self._opening:
            if self.session_log is None:
                self.session_log = await SessionLog.open(self.config.home)
        return self.session_log

    async def memory(self, fresh: bool = False) -> MemoryGraph:
        """The memory graph's view: loaded on first use (or again, `fresh`), then kept up to
        date decision by decision."""
        if self._memory is None or fresh:
            from memory_graph.memory.graph_view import MemoryGraph

            self._memory = await MemoryGraph.load(await self.open_log())
            (await self.decisions()).view = self._memory
        return self._memory

    async def decisions(self) -> Decisions:
        """Adopt, reject, retire and undo, as the command line does them; each decision is
        applied to the memory view, once it is loaded."""
        if self._decisions is None:
            from memory_graph.memory.decisions import Decisions

            self._decisions = Decisions(await self.open_log())
            self._decisions.view = self._memory
        return self._decisions

    async def undo(self) -> bool:
        """Revert the newest decision not yet undone (the inbox's or the memory browser's) and
        say what was undone, or that nothing was; False when the database refused it (said
        too), so the screen has nothing to redraw."""
        from memory_graph.store.errors import StoreError

        try:
            decided = await (await self.decisions()).undo()
        except StoreError as error:
            self.notify(str(error), severity="error", markup=False)
            return False
        self.notify(decided.message if decided else "There is nothing to undo.", markup=False)
        return True


def app_of(node: DOMNode) -> ReverieCore:
    """The Reverie app a screen or widget runs in, typed."""
    app = node.app
    if not isinstance(app, ReverieCore):
        raise TypeError(f"{type(node).__name__} runs only inside Reverie, not {type(app).__name__}")
    return app
