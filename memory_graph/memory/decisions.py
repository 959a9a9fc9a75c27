"""The one way a person changes memory, for `reverie adopt/reject/undo` and the screens alike:
the proposals named are checked first, each decision is written (`adoption`), and the memory
graph's view, when one is kept, takes it in before the next."""

from __future__ import annotations

from collections.abc import Sequence
from enum import StrEnum
from typing import TYPE_CHECKING

from memory_graph.memory import adoption
from memory_graph.memory.adoption import Decided
from memory_graph.memory.inbox import pending_ids
from memory_graph.store.database import Database
from memory_graph.store.errors import InboxError

if TYPE_CHECKING:
    from memory_graph.memory.graph_view import MemoryGraph


class Decision(StrEnum):
    """What a person can decide on a pending proposal (an edit is an adoption with their
    wording)."""

    ADOPT = "adopt"
    REJECT = "reject"


class Decisions:
    """Decisions on one session log, keeping a memory graph's view up to date when asked to."""

    def __init__(self, log: Database) -> None:
        self.log = log
        self.view: MemoryGraph | None = None
        """The view every decision is applied to as it is made (the memory browser's)."""

    async def decide(
        self, decision: Decision, ids: Sequence[int], statement: str | None = None
    ) -> list[Decided]:
        """Adopt or reject these proposals, in order. Every one is checked first, so a proposal
        not waiting in the inbox (a typo, one decided elsewhere) decides nothing rather than
        half of the list; `statement` rewords the one proposal adopted. The decisions of one
        call are one batch: a single `undo` reverts them all."""
        if statement is not None and (decision is not Decision.ADOPT or len(ids) != 1):
            raise InboxError("an edited wording adopts exactly one proposal")
        waiting = set(await pending_ids(self.log))
        for proposal_id in ids:
            if proposal_id not in waiting:
                raise InboxError(f"proposal {proposal_id} is not in the inbox: `reverie inbox`")
        made = []
        # Decided together, undone together: one `undo` reverts the whole list.
        batch = adoption.Batch() if len(ids) > 1 else None
        for proposal_id in ids:
            if decision is Decision.ADOPT:
                decided = await adoption.adopt(self.log, proposal_id, statement, batch)
            else:
                decided = await adoption.reject(self.log, proposal_id, batch)
            await self._taken_in(decided)
            made.append(decided)
        return made

    async def retire(self, node_id: int) -> Decided:
        """Retire a memory by hand (the memory browser): `undo` brings it back."""
        decided = await adoption.retire_by_hand(self.log, node_id)
        await self._taken_in(decided)
        return decided

    async def rescope(self, node_id: int, scope: str) -> Decided:
        """Set where a memory applies (the memory browser): `undo` brings the old scope back."""
        decided = await adoption.rescope_by_hand(self.log, node_id, scope)
        await self._taken_in(decided)
        return decided

    async def undo(self) -> Decided | None:
        """Revert the newest decision not yet undone, wherever it was made, with the rest of
        its batch (`decide` on many proposals); None when there is none."""
        decided = await adoption.undo(self.log)
        if decided is not None:
            await self._taken_in(decided)
        return decided

    async def undoable(self) -> bool:
        """Whether some decision is not yet undone."""
        return await adoption.undoable(self.log)

    async def _taken_in(self, decided: Decided) -> None:
        if self.view is not None:
            await self.view.apply(self.log, decided)
