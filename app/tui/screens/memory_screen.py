"""The memory browser: adopted memories by kind, searchable, each with its neighbours in the
graph and the evidence that justifies it ("why do you believe this?"); retire one by hand."""

from __future__ import annotations

import asyncio
from datetime import datetime
from typing import TYPE_CHECKING

from textual import events, on, work
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.screen import Screen
from textual.widgets import Input, Label, OptionList
from textual.widgets.option_list import Option

from app.errors import UserError
from app.files import private_file
from app.terminal import one_line, plural, visible, when
from app.tui.core import app_of
from app.tui.messages import DatabaseChanged
from app.tui.presentation import LINE_WIDTH, group_title
from app.tui.widgets.keys_footer import KeysFooter
from app.tui.widgets.list_detail import ListDetail, evidence_lines
from memory_graph.memory.adoption import learned_in
from memory_graph.memory.confidence import confidence, contradicted
from memory_graph.memory.evidence import Owner, evidence_of
from memory_graph.memory.projects import EVERYWHERE, scope_name
from memory_graph.memory.vocabulary import MemoryKind, NodeStatus
from memory_graph.store.errors import StoreError
from memory_graph.store.session_log import SessionLog

if TYPE_CHECKING:
    from memory_graph.memory.graph_view import MemoryGraph

SEARCH_DEBOUNCE_S = 0.15


def _applies(scope: str) -> str:
    if scope:
        return f"Applies: in {scope_name(scope)} only (p: elsewhere too)"
    return "Applies: everywhere (p: only in a project it was learned in)"


class MemoryScreen(Screen[None]):
    """Browse what Reverie remembers."""

    BINDINGS = [
        Binding("/", "search", "Search"),
        Binding("x", "retire", "Retire"),
        Binding("p", "scope", "Scope"),
        Binding("u", "undo", "Undo"),
        Binding("ctrl+e", "export", "Export"),
        Binding("escape", "close", "Back"),
    ]

    def __init__(self, session_log: SessionLog, view: MemoryGraph) -> None:
        super().__init__()
        self.session_log = session_log
        self.view = view
        self.query_text = ""

    def compose(self) -> ComposeResult:
        yield Label("", id="memory-title", classes="screen-title")
        yield Input(placeholder="Search memories…  (/)", id="memory-search")
        yield ListDetail(id="memories")
        yield KeysFooter()

    @property
    def listing(self) -> OptionList:
        """The memories shown."""
        return self.query_one(ListDetail).listing

    @property
    def current(self) -> int | None:
        """The highlighted memory's id."""
        return self.query_one(ListDetail).highlighted_id()

    async def on_mount(self) -> None:
        self.listing.focus()
        await self.show()

    async def show(self) -> None:
        """List the active memories that match the search, grouped by kind."""
        words = self.query_text.lower().split()
        active = [
            (node_id, data)
            for node_id, data in self.view.graph.nodes(data=True)
            if data["status"] == NodeStatus.ACTIVE
            and all(word in str(data["statement"]).lower() for word in words)
        ]
        order = list(MemoryKind)
        active.sort(key=lambda item: (order.index(item[1]["kind"]), -item[1]["support"]))
        listing = self.listing
        keep = listing.highlighted_option.id if listing.highlighted_option else None
        listing.clear_options()
        group = None
        for node_id, data in active:
            if data["kind"] != group:
                group = data["kind"]
                listing.add_option(Option(group_title(MemoryKind(group)), disabled=True))
            head = f"#{node_id} · {data['support']} sessions"
            if data["scope"]:
                head += f" · {scope_name(data['scope'])} only"
            line = one_line(str(data["statement"]), LINE_WIDTH)
            listing.add_option(Option(Content.assemble((head, "dim"), "\n", line), id=str(node_id)))
        self.query_one(ListDetail).highlight(keep)
        total = sum(
            1 for _, data in self.view.graph.nodes(data=True) if data["status"] == NodeStatus.ACTIVE
        )
        self.query_one("#memory-title", Label).update(
            Content(
                f"Memory: {total} active memories" + (f", {len(active)} shown" if words else "")
            )
        )
        await self._detail()
        self.refresh_bindings()

    @on(OptionList.OptionHighlighted, "#memories OptionList")
    async def _highlighted(self) -> None:
        await self._detail()
        self.refresh_bindings()

    async def _detail(self) -> None:
        text = self.query_one(ListDetail).detail
        node_id = self.current
        if node_id is None:
            text.update(Content(self._nothing_shown()))
            return
        data = self.view.graph.nodes[node_id]
        against = (await contradicted(self.session_log, [node_id])).get(node_id, 0)
        sure = f"confidence {confidence(int(data['support']), against):.2f}"
        if against:
            sure += f", contradicted in {plural(against, 'session')} (see the inbox)"
        lines = [
            Content.styled(visible(str(data["statement"])), "bold"),
            Content(""),
            Content(
                f"{data['kind']} · {data['support']} sessions · first seen "
                f"{when(str(data['first_seen']), None)} · last seen "
                f"{when(str(data['last_seen']), None)} · adopted {when(str(data['adopted']), None)}"
            ),
            Content(sure),
            Content(_applies(str(data["scope"]))),
        ]
        neighbours = self.view.neighbours(node_id)
        if neighbours:
            lines += [Content(""), Content.styled("Related:", "bold")]
            for other, kind, way, weight in neighbours[:12]:
                statement = one_line(str(self.view.graph.nodes[other]["statement"]), 60)
                arrow = f"{kind} →" if way == "out" else f"← {kind}"
                lines.append(Content.assemble((f"{arrow} ({weight:g})", "dim"), f" {statement}"))
        lines += [Content(""), Content.styled("Why do you believe this?", "bold")]
        lines += evidence_lines(await evidence_of(self.session_log, Owner.NODE, node_id))
        text.update(Content("\n").join(lines))

    def _nothing_shown(self) -> str:
        """Why the list is empty: a search that matches nothing, or no memory at all yet."""
        if self.query_text.strip() and any(
            data["status"] == NodeStatus.ACTIVE for _, data in self.view.graph.nodes(data=True)
        ):
            return (
                f"No memory matches “{one_line(self.query_text, 40)}”. "
                "Fewer words find more; escape goes back."
            )
        return (
            "No memory here yet. Adopt what the dreamer proposes in the inbox (ctrl+r); "
            "ctrl+p → Dream now fills it from new sessions."
        )

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Retire and scope need a highlighted memory (dimmed in the footer without one)."""
        if action in ("retire", "scope"):
            return True if self.current is not None else None
        return True

    def action_search(self) -> None:
        """Type to filter memories by their words."""
        self.query_one("#memory-search", Input).focus()

    @on(Input.Changed, "#memory-search")
    def _search_changed(self, event: Input.Changed) -> None:
        self.query_text = event.value
        self._search()

    @on(Input.Submitted, "#memory-search")
    def _search_done(self) -> None:
        self.listing.focus()

    def on_key(self, event: events.Key) -> None:
        # Down from the search box moves into the list, as in the sessions' search: the next
        # key (x, p) acts on a memory instead of being typed into the query.
        if event.key == "down" and self.focused is self.query_one("#memory-search", Input):
            self.listing.focus()
            event.stop()

    @work(exclusive=True, group="memory-search", exit_on_error=False)
    async def _search(self) -> None:
        await asyncio.sleep(SEARCH_DEBOUNCE_S)
        await self.show()

    async def action_retire(self) -> None:
        """Retire the highlighted memory: it leaves recall and keeps its history."""
        node_id = self.current
        if node_id is None:
            return
        try:
            decided = await (await app_of(self).decisions()).retire(node_id)
        except StoreError as error:
            self.notify(str(error), severity="error", markup=False)
            return
        await self.show()
        self.notify(f"{decided.message} (u undoes it)", markup=False)

    async def action_scope(self) -> None:
        """Let the highlighted memory apply everywhere, or only in one of the projects its
        sessions worked in: each press goes to the next."""
        node_id = self.current
        if node_id is None:
            return
        projects = await learned_in(self.session_log, node_id)
        if not projects:
            self.notify("Learned outside any project: it applies everywhere", markup=False)
            return
        choices = [EVERYWHERE, *projects]
        now = str(self.view.graph.nodes[node_id]["scope"])
        scope = choices[(choices.index(now) + 1) % len(choices)] if now in choices else EVERYWHERE
        try:
            decided = await (await app_of(self).decisions()).rescope(node_id, scope)
        except StoreError as error:
            self.notify(str(error), severity="error", markup=False)
            return
        await self.show()
        self.notify(f"{decided.message} (u undoes it)", markup=False)

    async def action_undo(self) -> None:
        """Revert the newest decision not yet undone (here or in the inbox)."""
        if await app_of(self).undo():
            await self.show()

    async def action_export(self) -> None:
        """Write the whole graph as GraphML into the home's exports folder."""
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        folder = app_of(self).config.home / "exports"
        path = folder / f"memory-{stamp}.graphml"
        try:
            folder.mkdir(mode=0o700, exist_ok=True)
            with private_file(path) as handle:
                handle.write(self.view.export(path))
        except (OSError, UserError) as error:
            self.notify(f"Export failed: {error}", severity="error", markup=False)
            return
        self.notify(f"Exported the memory graph to {path}", markup=False)

    def action_close(self) -> None:
        """Back to where the browser was opened from."""
        self.dismiss()

    async def on_database_changed(self, _: DatabaseChanged) -> None:
        """Another process decided (or dreamt): read the graph again."""
        self.view = await app_of(self).memory(fresh=True)
        await self.show()
