"""What `reverie mcp`'s tools answer, from the database, with their arguments checked: a bad
argument is a UserError whose one line the agent reads. No SDK here: `server.py` speaks the
protocol."""

from __future__ import annotations

from dataclasses import dataclass

from app.errors import UserError
from app.paths import project_at
from dreamer.suggestion import Suggested, Suggestion, suggest
from memory_graph.memory.recall import Recalled, recall
from memory_graph.memory.recall.context import starting_context
from memory_graph.memory.recall.served import Explanation, Listing, adopted, explain
from memory_graph.memory.vocabulary import PROPOSED_KINDS, MemoryKind
from memory_graph.store.database import Database

MAX_K = 100
"""The most hits one recall returns: what fits in a turn is far fewer."""


def memory_kind(value: str, allowed: tuple[MemoryKind, ...] = tuple(MemoryKind)) -> MemoryKind:
    """A kind an agent named, or UserError listing the kinds there are."""
    if value not in allowed:
        raise UserError(f"unknown kind {value!r}: one of {', '.join(allowed)}")
    return MemoryKind(value)


@dataclass(frozen=True)
class ServedMemory:
    """Adopted memory, as `reverie mcp` serves it from one database. `project` is the project
    of the folder the server runs in (an agent starts it in the folder it works in), what
    `reverie recall` and `reverie context` assume too when not told another."""

    log: Database
    budget: int
    project: str | None

    async def recall(self, query: str, k: int) -> Recalled:
        """What `reverie recall QUERY --k K --json` prints, in the server's project."""
        if not query.strip():
            raise UserError("the query is empty: give the text to recall memory for")
        if not 1 <= k <= MAX_K:
            raise UserError(f"k is from 1 to {MAX_K}, not {k}")
        return await recall(self.log, query, k=k, budget=self.budget, project=self.project)

    async def memories(self, kind: str | None, project: str | None) -> Listing:
        """The active memories (of `kind`): those that apply in the project of the folder
        `project`, or, without one, all of them."""
        kinds = (memory_kind(kind),) if kind else PROPOSED_KINDS
        if project is not None and not project.strip():
            raise UserError("the project is empty: give a folder, or leave it out")
        where = project_at(project) if project else None
        return await adopted(self.log, kinds, where, everywhere=project is None)

    async def why(self, memory_id: int) -> Explanation:
        """A memory's evidence, or UserError when there is no such memory to serve."""
        explained = await explain(self.log, memory_id) if memory_id > 0 else None
        if explained is None:
            raise UserError(f"there is no memory {memory_id}: `memories` lists them")
        return explained

    async def propose(self, statement: str, kind: str, reason: str, client: str) -> Suggested:
        """Put an agent's suggestion in the inbox, for the person to judge."""
        chosen = memory_kind(kind, PROPOSED_KINDS)
        return await suggest(self.log, Suggestion(statement, chosen, reason, client))

    async def standing_markdown(self) -> str:
        """What a new session in the server's project starts with, as `reverie context`
        prints it."""
        # The agent's wording of memory, shared with `reverie context` and the chat's prompt.
        from app.agent.prompt import context_markdown

        return context_markdown(await starting_context(self.log, self.project, self.budget))
