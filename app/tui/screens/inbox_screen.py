"""The inbox: pending proposals grouped by kind, a detail pane with the evidence, and one key
per decision. Decisions are written before the list changes on screen."""

from __future__ import annotations

from collections import Counter

from textual import on
from textual.app import ComposeResult
from textual.binding import Binding
from textual.content import Content
from textual.css.query import NoMatches
from textual.message import Message
from textual.screen import Screen
from textual.widgets import Label, OptionList
from textual.widgets.option_list import Option

from app.terminal import one_line, visible, when
from app.tui.core import app_of
from app.tui.messages import DatabaseChanged
from app.tui.presentation import LINE_WIDTH, group_title
from app.tui.screens.edit_screen import EditScreen
from app.tui.widgets.keys_footer import KeysFooter
from app.tui.widgets.list_detail import ListDetail, evidence_lines
from memory_graph.memory.decisions import Decision
from memory_graph.memory.evidence import Evidence, Owner, evidence_of
from memory_graph.memory.inbox import InboxItem, choose_scope, pending, replaced_evidence
from memory_graph.memory.projects import EVERYWHERE, scope_name
from memory_graph.memory.vocabulary import Outcome, ProposalOp, suggested
from memory_graph.store.errors import StoreError
from memory_graph.store.session_log import SessionLog

NOTHING_WAITING = (
    "Nothing waiting. A dream reviews new sessions and proposes what to remember here: "
    "ctrl+p → Dream now starts one (Reverie also dreams when left idle). Sessions come from "
    "chatting, or from `reverie import`. Escape goes back."
)


def demo_welcome(home: str) -> str:
    """What `reverie demo` opens on: what this is, the first key, and the home to come back to."""
    return (
        "Welcome to the demo. The dreamer read its sessions and proposes what to remember: "
        "a adopts the highlighted proposal, enter opens the session behind it, escape goes to "
        f"the chat, F1 explains every key. This demo's home is {home}: "
        f"`reverie --home {home}` opens it again."
    )


class InboxScreen(Screen[None]):
    """Judge what the dreamer proposes: a adopt, r reject, e edit then adopt, u undo, space
    select for a bulk decision, enter open the evidence in its session."""

    CSS_PATH = "inbox_screen.tcss"
    # At 80 columns the footer holds these and the app's Memory, Help and Quit: space and p
    # are said on screen instead (the title, the detail), and every key in the help (F1).
    BINDINGS = [
        Binding("a", "adopt", "Adopt"),
        Binding("r", "reject", "Reject"),
        Binding("e", "edit", "Edit"),
        Binding("u", "undo", "Undo"),
        Binding("space", "select", "Select", show=False),
        Binding("p", "scope", "Scope", show=False),
        # A priority: the list would take enter first, and the footer would not show it.
        Binding("enter", "open_evidence", "Open", priority=True),
        Binding("escape", "close", "Back"),
    ]

    class OpenSession(Message):
        """Show this session (the evidence of a proposal) on the chat screen."""

        def __init__(self, session_id: int) -> None:
            super().__init__()
            self.session_id = session_id

    def __init__(self, log: SessionLog, welcome: str = "") -> None:
        super().__init__()
        self.session_log = log
        self.welcome = welcome
        """A word of welcome above the list (the demo's)."""
        self.items: dict[int, InboxItem] = {}
        self.selected: set[int] = set()
        self.can_undo = False
        self._evidence: list[Evidence] = []
        self._keys: tuple[bool, ...] = ()

    def compose(self) -> ComposeResult:
        yield Label("", id="inbox-title", classes="screen-title")
        if self.welcome:
            yield Label(Content(self.welcome), id="inbox-welcome")
        yield ListDetail(id="proposals")
        yield KeysFooter(show_command_palette=False)

    @property
    def listing(self) -> OptionList:
        """The list of proposals."""
        return self.query_one(ListDetail).listing

    @property
    def current(self) -> InboxItem | None:
        """The highlighted proposal (none while the screen is still being put together: a key
        pressed in that instant finds nothing to act on)."""
        # query_one, not query: check_action asks for this for every key at every refresh,
        # and a query walks the whole screen each time, where query_one's answer is cached.
        try:
            # Either may be missing while mounting: the ListDetail, or its list inside it.
            proposal_id = self.query_one(ListDetail).highlighted_id()
        except NoMatches:
            return None
        return self.items.get(proposal_id) if proposal_id is not None else None

    async def on_mount(self) -> None:
        self.listing.focus()
        await self.reload()

    async def reload(self) -> None:
        """Read the inbox again (after a dream, or another process's decision)."""
        items = await pending(self.session_log)
        shown = self.items
        self.items = {item.id: item for item in items}
        self.selected &= set(self.items)
        self.can_undo = await (await app_of(self).decisions()).undoable()
        remaining = [item for item in shown.values() if item.id in self.items]
        # The list, the detail and the keys change in one frame: a frame drawn between them
        # (while the detail's evidence is read, a read that never waits on a writer) would
        # show a half-updated inbox and hold the event loop meanwhile.
        with self.app.batch_update():
            if remaining == items and len(items) < len(shown):
                self._drop(set(shown) - set(self.items), items)
            else:
                self._fill(items)
            await self._show_detail()
            self._refresh_keys()

    def _drop(self, gone: set[int], items: list[InboxItem]) -> None:
        """Take decided proposals out of the list, the rest as it was: redrawing every entry
        would cost a frame of its own."""
        listing = self.listing
        position = listing.highlighted or 0
        for proposal_id in gone:
            listing.remove_option(str(proposal_id))
        counts = Counter(item.group for item in items)
        for index in reversed(range(listing.option_count)):
            option = listing.get_option_at_index(index)
            if option.id is None:
                following = (
                    listing.get_option_at_index(index + 1)
                    if index + 1 < listing.option_count
                    else None
                )
                group = self.items[int(following.id)].group if following and following.id else None
                if group is None:
                    listing.remove_option_at_index(index)  # a group left empty
                else:
                    listing.replace_option_prompt_at_index(index, group_title(group, counts[group]))
        self.query_one(ListDetail).highlight(None, position)
        self._title(len(items))

    def _refresh_keys(self) -> None:
        # Only when a key's availability changed: each refresh_bindings has every binding
        # checked again and the footer repainted, even when KeysFooter need not rebuild.
        keys = tuple(
            bool(self.check_action(action, ()))
            for action in ("adopt", "edit", "reject", "select", "open_evidence", "undo")
        )
        if keys != self._keys:
            self._keys = keys
            self.refresh_bindings()

    def _fill(self, items: list[InboxItem]) -> None:
        listing = self.listing
        keep = listing.highlighted_option.id if listing.highlighted_option else None
        position = listing.highlighted or 0
        listing.clear_options()
        group = None
        for item in items:
            if item.group != group:
                group = item.group
                count = sum(1 for other in items if other.group == group)
                listing.add_option(Option(group_title(group, count), disabled=True))
            listing.add_option(self._entry(item))
        self.query_one(ListDetail).highlight(keep, position)
        self._title(len(items))

    def _title(self, waiting: int | None = None) -> None:
        waiting = len(self.items) if waiting is None else waiting
        title = f"Inbox: {waiting} proposals waiting" if waiting else "Inbox: nothing waiting"
        if self.selected:
            title += f" · {len(self.selected)} selected: a adopts, r rejects them all"
        elif waiting > 1:
            title += " · space selects several"
        self.query_one("#inbox-title", Label).update(Content(title))

    def _entry(self, item: InboxItem) -> Option:
        mark = "●" if item.id in self.selected else " "
        stale = (" STALE" if item.stale else "") + (" ⚠ " + item.flag if item.flag else "")
        op = "" if item.op == ProposalOp.ADD_NODE else f"{item.op} · "
        if suggested(item.source):
            op = f"{item.kind} · {op}"
        head = f"{mark} {item.confidence:.2f} · {item.support} sessions · {op}#{item.id}{stale}"
        prompt = Content.assemble((head, "dim"), "\n", "  " + one_line(item.statement, LINE_WIDTH))
        return Option(prompt, id=str(item.id))

    @on(OptionList.OptionSelected, "#proposals OptionList")
    def _selected(self) -> None:
        # The list takes enter before the screen's binding does.
        self.action_open_evidence()

    @on(OptionList.OptionHighlighted, "#proposals OptionList")
    async def _highlighted(self) -> None:
        await self._show_detail()
        self._refresh_keys()

    async def _show_detail(self) -> None:
        item = self.current
        text = self.query_one(ListDetail).detail
        if item is None:
            self._evidence = []
            text.update(Content(NOTHING_WAITING))
            return
        self._evidence = await evidence_of(self.session_log, Owner.PROPOSAL, item.id)
        lines = [
            Content.styled(visible(item.statement), "bold"),
            Content(""),
            Content(
                f"Adds to memory: {visible(item.memory)}"
                if item.op == ProposalOp.ADD_NODE
                else f"Edit: {item.op}"
            ),
            *(Content(f"And: {visible(also)}") for also in item.also),
            Content(_applies(item)),
            _why(item),
        ]
        if item.flag:
            lines.append(
                Content.styled(
                    f"Careful: some of its words {item.flag} (a prompt injection, or a person "
                    "changing their mind). Adopt it only if it is really what you want.",
                    "bold $warning",
                )
            )
        if item.conflict:
            lines.append(
                Content.styled(
                    "Conflict: you said both, in turn. Adopt if the new one stands, reject if "
                    f'"{visible(item.instead_of)}" still does.',
                    "bold $warning",
                )
            )
        if item.stale:
            lines.append(
                Content.styled(
                    "Stale: the memory it edits changed since it was made. It cannot be adopted; "
                    "the next dream proposes it again if it still holds.",
                    "bold $warning",
                )
            )
        lines += [Content(""), Content.styled("Evidence (enter opens the first session):", "bold")]
        lines += evidence_lines(self._evidence)
        if item.replaces is not None:
            lines += [
                Content(""),
                Content.styled(f"Instead of: {visible(item.instead_of)}, which rests on:", "bold"),
            ]
            lines += evidence_lines(await replaced_evidence(self.session_log, item))
        text.update(Content("\n").join(lines))

    def check_action(self, action: str, parameters: tuple[object, ...]) -> bool | None:
        """Keys act only where they apply: nothing to decide on an empty or stale entry. A key
        that does not apply stays in the footer, dimmed (None), so the footer keeps its shape."""
        item = self.current
        if action in ("adopt", "edit"):
            applies = item is not None and not item.stale
        elif action in ("reject", "select"):
            applies = item is not None
        elif action == "scope":
            applies = item is not None and item.op == ProposalOp.ADD_NODE and bool(item.learned_in)
        elif action == "open_evidence":
            applies = item is not None and bool(self._evidence)
        elif action == "undo":
            applies = self.can_undo
        else:
            return True
        return True if applies else None

    def _chosen(self) -> list[int]:
        item = self.current
        if self.selected:
            return sorted(self.selected)
        return [item.id] if item is not None else []

    async def action_scope(self) -> None:
        """Let the highlighted proposal's memory apply everywhere, or only in the project its
        sessions worked in."""
        item = self.current
        if item is None or not item.learned_in:
            return
        scope = EVERYWHERE if item.scope else item.learned_in
        await choose_scope(self.session_log, item.id, scope)
        self.notify(f"#{item.id} will apply {scope_name(scope)}" + (" only" if scope else ""))
        await self.reload()

    async def action_adopt(self) -> None:
        """Adopt the highlighted proposal (or every selected one)."""
        await self._decide(Decision.ADOPT, self._chosen())

    async def action_reject(self) -> None:
        """Reject the highlighted proposal (or every selected one)."""
        await self._decide(Decision.REJECT, self._chosen())

    def action_edit(self) -> None:
        """Edit the memory the highlighted proposal adds, then adopt it."""
        item = self.current
        if item is None:
            return

        async def edited(text: str | None) -> None:
            if text is not None:
                await self._decide(Decision.ADOPT, [item.id], text)

        self.app.push_screen(EditScreen(item.memory), edited)

    async def _decide(
        self, decision: Decision, ids: list[int], statement: str | None = None
    ) -> None:
        made = []
        try:
            for decided in await (await app_of(self).decisions()).decide(decision, ids, statement):
                if decided.outcome is Outcome.STALE:
                    self.notify(decided.message, severity="warning", markup=False)
                else:
                    made.append(decided.message)
        except StoreError as error:
            self.notify(str(error), severity="error", markup=False)
        self.selected.clear()
        await self.reload()
        if len(made) == 1:
            self.notify(made[0], markup=False)
        elif made:
            # One decision for undo: the batch goes back with one key.
            done = "adopted" if decision is Decision.ADOPT else "rejected"
            self.notify(f"{done} {len(made)} proposals (u undoes all {len(made)})", markup=False)

    async def action_undo(self) -> None:
        """Revert the newest decision not yet undone."""
        if await app_of(self).undo():
            await self.reload()

    def action_select(self) -> None:
        """Mark or unmark the highlighted proposal for a bulk decision."""
        item = self.current
        if item is None:
            return
        self.selected ^= {item.id}
        listing = self.listing
        index = listing.highlighted
        if index is not None:
            listing.replace_option_prompt_at_index(index, self._entry(item).prompt)
        self._title()

    def action_open_evidence(self) -> None:
        """Open the first evidence session on the chat screen."""
        if self._evidence:
            self.post_message(self.OpenSession(self._evidence[0].session_id))

    def action_close(self) -> None:
        """Back to the chat."""
        self.dismiss()

    async def on_database_changed(self, _: DatabaseChanged) -> None:
        """Proposals from a dream, or decisions made elsewhere, appear as they land."""
        await self.reload()


def _applies(item: InboxItem) -> str:
    """Where a proposal's memory would apply, and what `p` would make of it."""
    if item.scope:
        return f"Applies: in {scope_name(item.scope)} only, where it was learned (p: everywhere)"
    if item.learned_in:
        return (
            f"Applies: everywhere (p: only in {scope_name(item.learned_in)}, where it was learned)"
        )
    return "Applies: everywhere"


def _why(item: InboxItem) -> Content:
    """What a proposal rests on: a dream's sessions, or an agent's word."""
    if suggested(item.source):
        return Content.styled(
            f"Why: suggested by {item.source}, not found by a dream. Its reason, unverified: "
            f"{visible(item.reason)}",
            "$warning",
        )
    return Content(
        f"Why: {item.support} sessions, confidence {item.confidence:.2f}, "
        f"first seen {when(item.first_seen, None)}, last seen {when(item.last_seen, None)}"
        f" (dream {item.dream_id})"
    )
