"""The words memory is made of, in one place: kinds of memory and of edge, what a proposal does,
how a person decides, the states of a proposal and of a memory, why recall brought something
back. Each is a StrEnum, so it is stored, printed and compared as its plain value; the database's
CHECK constraints list the same values (`memory_graph.store.migrations`).

The inbox and the memory browser show kinds in the order they are declared here: what changes
behaviour first, context last.
"""

from __future__ import annotations

from enum import StrEnum


class MemoryKind(StrEnum):
    """What a memory is. Topics and entities are derived (the context memories are about),
    never proposed: adopting a memory makes nodes of those it mentions (`memory.mentions`).
    The others are what a person adopts to change how an agent behaves."""

    WORKFLOW = "workflow"
    FAILURE = "failure"
    FIX = "fix"
    PREFERENCE = "preference"
    """A way the person wants things done; corrections are preferences."""
    FACT = "fact"
    """Something true of the person or of a project (its subject: `FactSubject`)."""
    TOPIC = "topic"
    ENTITY = "entity"

    @property
    def heading(self) -> str:
        """The header of a group of memories of this kind."""
        return _TITLES[self]

    @property
    def derived(self) -> bool:
        """Found from the names in sessions, never worded by a model: a topic or an entity."""
        return self in (MemoryKind.TOPIC, MemoryKind.ENTITY)

    @property
    def stated(self) -> bool:
        """A sentence the person said of how things are or should be (a preference, a fact):
        grouped with others that say the same in other words, and superseded, never silently
        overwritten, by a later one that says the opposite (the person changed their mind)."""
        return self in (MemoryKind.PREFERENCE, MemoryKind.FACT)

    @property
    def retires_unseen(self) -> bool:
        """Something that comes and goes (a failure, its fix): proposed for retirement when not
        seen for a long while. Preferences, facts and workflows, once remembered, need not be
        repeated; topics and entities are never proposed, for retirement or otherwise: they stay
        as the context of the memories that named them (a person may retire one by hand)."""
        return self in (MemoryKind.FAILURE, MemoryKind.FIX)


_TITLES = {
    MemoryKind.WORKFLOW: "Workflows",
    MemoryKind.FAILURE: "Failures",
    MemoryKind.FIX: "Fixes",
    MemoryKind.PREFERENCE: "Preferences",
    MemoryKind.FACT: "Facts",
    MemoryKind.TOPIC: "Topics",
    MemoryKind.ENTITY: "Entities",
}

PROPOSED_KINDS = tuple(kind for kind in MemoryKind if not kind.derived)
DERIVED_KINDS = tuple(kind for kind in MemoryKind if kind.derived)
"""Topics and entities: what adoption links memories to."""
"""The kinds a dream (or a model) may propose: derived kinds come from adoption alone."""


class FactSubject(StrEnum):
    """Whom a fact is about: the person, wherever they work, or one project."""

    PERSON = "person"
    PROJECT = "project"


class EdgeKind(StrEnum):
    """How two memories relate."""

    RESOLVED_BY = "resolved_by"
    """failure → the fix that resolved it."""
    ABOUT = "about"
    """memory → the topic or entity it concerns."""
    OCCURS_WITH = "occurs_with"
    """topic or entity ↔ another seen in the same sessions."""
    SUPERSEDES = "supersedes"
    """the memory that took the place of an earlier one → that one."""
    CONTRADICTS = "contradicts"


class ProposalOp(StrEnum):
    """What adopting a proposal does to memory."""

    ADD_NODE = "add_node"
    """A new memory (a failure with its fix adds both and the edge between them)."""
    ADD_EDGE = "add_edge"
    REINFORCE = "reinforce"
    """The same memory, seen in more sessions."""
    UPDATE_STATEMENT = "update_statement"
    MERGE = "merge"
    """Another pattern that says the same as a memory joins it."""
    SUPERSEDE = "supersede"
    """A new memory that says the opposite of one: it takes its place."""
    RETIRE = "retire"

    @property
    def settles(self) -> bool:
        """Once adopted, the pattern is memory (or out of it) for good: the dreamer proposes it
        again only as a reinforcement."""
        return self in (
            ProposalOp.ADD_NODE,
            ProposalOp.RETIRE,
            ProposalOp.SUPERSEDE,
            ProposalOp.MERGE,
        )

    @property
    def new_memory(self) -> bool:
        """Proposes a memory that is not one yet: it takes a place on the inbox's page (a dream
        proposes at most a page of them). Proposals about adopted memory never wait for room."""
        return self == ProposalOp.ADD_NODE


DREAM_SOURCE = "dream"
"""Where a proposal a dream made comes from (the `source` of the proposals table)."""
MCP_SOURCE_PREFIX = "mcp:"
"""How the source of an agent's suggestion over MCP begins: `mcp:<client name>`. It has no
dream, and its only evidence is the reason the agent gave, unverified."""


def suggested(source: str) -> bool:
    """Whether a proposal of this source is an agent's suggestion rather than a dream's."""
    return source != DREAM_SOURCE


class Verdict(StrEnum):
    """What a person decided, as the decisions table records it. An edit is an adoption with
    the person's wording."""

    ADOPTED = "adopted"
    REJECTED = "rejected"
    RETIRED_BY_HAND = "retired by hand"
    """A memory retired from the memory browser: a decision with no proposal."""
    RESCOPED_BY_HAND = "rescoped by hand"
    """A memory's scope changed from the memory browser: a decision with no proposal."""


class Outcome(StrEnum):
    """What one decision did, as the person who made it is told."""

    ADOPTED = "adopted"
    REJECTED = "rejected"
    STALE = "stale"
    """Not applied: what the proposal edits changed since it was made."""
    RETIRED = "retired"
    RESCOPED = "rescoped"
    UNDONE = "undone"


class ProposalStatus(StrEnum):
    """Where a proposal stands."""

    PENDING = "pending"
    ADOPTED = "adopted"
    REJECTED = "rejected"
    SUPERSEDED = "superseded"
    """A newer proposal of the same pattern took its place in the inbox."""
    STALE = "stale"
    """What it edits changed before it was decided: a later dream proposes it again."""


class LeftInbox(StrEnum):
    """Why a proposal left the inbox without a person deciding it (its `reason`, beside the
    status `superseded`)."""

    NEWER_PROPOSAL = "a newer proposal of the same pattern took its place"
    ENTITIES_NOT_PROPOSED = (
        "topics and entities are no longer proposed: adopting a memory links it to those it "
        "mentions"
    )
    """Said by migration 011 of the topics and entities that were waiting."""


class NodeStatus(StrEnum):
    """Where an adopted memory stands; only active memories are recalled."""

    ACTIVE = "active"
    RETIRED = "retired"
    SUPERSEDED = "superseded"


class RecallReason(StrEnum):
    """Why recall brought something back."""

    STANDING = "standing"
    """Memory every session starts with, whatever is asked."""
    MATCHED = "matched"
    """The words of the request match the memory's."""
    RELATED = "related"
    """An edge leads to it from a memory that matched."""
    EPISODE = "episode"
    """A message of an earlier session, not a memory."""
    PROJECT = "project"
    """Memory learned in the project a session starts in (`reverie context`)."""
