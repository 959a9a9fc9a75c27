"""Every candidate against the adopted graph and the inbox before it is proposed.

- A pattern that is already memory becomes `reinforce` when it gained support.
- A new statement saying the opposite of a memory (the user changed their mind: "use npm, not
  pnpm", a new timezone) becomes `supersede`, never a silent overwrite.
- A new pattern saying the same as a memory in other words (the model's wording of a failure
  the extractors named, say) becomes `merge` into it.
- A memory of something that comes and goes (a failure, its fix) not seen in the last
  RETIRE_AFTER_SESSIONS sessions becomes `retire`. Preferences, facts and workflows are not
  retired for silence: once remembered, they need not be repeated.
- A failure proposed with its fix (and maybe a workflow) as one (`dreamer.consolidate.together`)
  stays one only while all of them are new: when the failure is memory already, or says the
  same as one, each part is placed on its own (the fix then proposed alone, with its edge to
  the failure).
- Proposal fingerprints make all of it idempotent: a pending one is replaced only when its
  support grew, a rejected one returns only at double the support.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from dreamer.journal import NewProposal
from dreamer.similarity import contradicts, relation, restates
from memory_graph.memory.confidence import support_confidence
from memory_graph.memory.evidence import Evidence
from memory_graph.memory.inbox import CONFLICT, INSTEAD_OF
from memory_graph.memory.nodes import Node
from memory_graph.memory.vocabulary import MemoryKind, NodeStatus, ProposalOp, ProposalStatus

RETIRE_AFTER_SESSIONS = 100
RETIRING_KINDS = tuple(kind for kind in MemoryKind if kind.retires_unseen)


def place(
    candidates: Sequence[NewProposal], nodes: dict[str, Node], memories: Sequence[Node]
) -> list[NewProposal]:
    """What to propose for each candidate, given the nodes its pattern already belongs to and
    the active memories it may restate or contradict."""
    placed = []
    for candidate in candidates:
        proposal = _placed(candidate, nodes.get(candidate.fingerprint), memories)
        together = proposal is candidate and not any(p in nodes for p in candidate.patterns)
        if candidate.parts and not together:
            placed += place(candidate.parts, nodes, memories)
        elif proposal is not None:
            placed.append(proposal)
    return placed


def _placed(
    candidate: NewProposal, node: Node | None, memories: Sequence[Node]
) -> NewProposal | None:
    if node is not None:
        if node.status == NodeStatus.SUPERSEDED:
            return None  # the person decided it is no longer so
        if node.status == NodeStatus.ACTIVE and candidate.support <= node.support:
            return None
        return _reinforce(candidate, node)
    described = candidate.payload.get("node", {})
    for memory in memories:
        if memory.kind != candidate.kind:
            continue
        # Only a statement about the same thing takes a memory back: "use ruff, not black"
        # does not take back "run black and pytest before committing".
        about_it = restates(described, memory.attributes)
        if candidate.kind.stated and about_it and contradicts(described, memory.attributes):
            return _supersede(candidate, memory)
        found = relation(described, memory.attributes)
        if found == "opposite" and candidate.kind.stated:
            return _supersede(candidate, memory)
        if found == "same":
            return _merge(candidate, memory)
    return candidate


def _reinforce(candidate: NewProposal, node: Node) -> NewProposal:
    gained = candidate.support - node.support
    again = "seen again" if node.status == NodeStatus.ACTIVE else "seen again after it was retired"
    statement = f'{again.capitalize()}: "{node.statement}" ({candidate.support} sessions' + (
        f", {gained} more)" if gained > 0 else ")"
    )
    return replace(
        candidate,
        op=ProposalOp.REINFORCE,
        statement=statement,
        fingerprint=f"reinforce:{node.pattern}",
        payload={"target": node.pattern},
    )


def _supersede(candidate: NewProposal, memory: Node) -> NewProposal:
    return replace(
        candidate,
        op=ProposalOp.SUPERSEDE,
        statement=f'Instead of "{memory.statement}": {candidate.statement}',
        fingerprint=f"supersede:{candidate.fingerprint}",
        payload={**candidate.payload, "target": memory.pattern, INSTEAD_OF: memory.statement},
    )


def flag_conflicts(
    proposals: Sequence[NewProposal], last_said: dict[str, int]
) -> list[NewProposal]:
    """Each `supersede` whose memory was still said (`last_said`: the newest session each
    memory's patterns were seen in) after its own first session, flagged `conflict`: the person
    went back and forth, so which replaces which is theirs to say."""
    flagged = []
    for proposal in proposals:
        said = last_said.get(proposal.target)
        first = min((link.session_id for link in proposal.evidence), default=None)
        if proposal.op != ProposalOp.SUPERSEDE or said is None or first is None or said < first:
            flagged.append(proposal)
            continue
        old = proposal.payload[INSTEAD_OF]
        new = proposal.payload["node"]["statement"]
        flagged.append(
            replace(
                proposal,
                statement=f'Which stands? "{new}" (adopt) or "{old}" (reject): you said both',
                payload={**proposal.payload, CONFLICT: True},
            )
        )
    return flagged


def _merge(candidate: NewProposal, memory: Node) -> NewProposal:
    # The sessions the two share are unknown here: the larger support never overcounts.
    support = max(candidate.support, memory.support)
    return replace(
        candidate,
        op=ProposalOp.MERGE,
        statement=f'Says the same as "{memory.statement}": {candidate.statement}',
        support=support,
        confidence=round(support_confidence(support), 3),
        fingerprint=f"merge:{candidate.fingerprint}",
        payload={"target": memory.pattern, "pattern": candidate.fingerprint},
    )


Sighting = tuple[int, int, int, int]
"""The newest observation of a node: session, message, span start and end."""


def retirements(
    memories: Sequence[Node], sightings: dict[int, Sighting], horizon: int | None
) -> list[NewProposal]:
    """`retire` for the memories (of RETIRING_KINDS) last seen before `horizon`, the oldest of
    the last RETIRE_AFTER_SESSIONS sessions (None: fewer sessions than that so far)."""
    if horizon is None:
        return []
    proposals = []
    for memory in memories:
        seen = sightings.get(memory.id)
        if not memory.kind.retires_unseen or seen is None or seen[0] >= horizon:
            continue
        session_id, message_id, start, end = seen
        proposals.append(
            NewProposal(
                op=ProposalOp.RETIRE,
                kind=memory.kind,
                statement=(
                    f'Retire "{memory.statement}"? Not seen in the last '
                    f"{RETIRE_AFTER_SESSIONS} sessions (last in session {session_id})."
                ),
                confidence=0.75,
                support=memory.support,
                fingerprint=f"retire:{memory.pattern}:{session_id}",
                evidence=[Evidence(session_id, message_id, (start, end))],
                payload={"target": memory.pattern},
            )
        )
    return proposals


def unseen(
    proposals: Sequence[NewProposal], states: dict[str, tuple[ProposalStatus, int]]
) -> list[NewProposal]:
    """The proposals the inbox does not hold already: a pending one only when its support grew,
    a rejected one only at double its support."""
    kept = []
    for proposal in proposals:
        status, earlier = states.get(proposal.fingerprint, (None, 0))
        if status == ProposalStatus.PENDING and proposal.support <= earlier:
            continue
        if status == ProposalStatus.REJECTED and proposal.support < 2 * earlier:
            continue
        if status == ProposalStatus.ADOPTED and proposal.op.settles:
            continue  # applied already: the graph holds it (an undo makes it pending again)
        kept.append(proposal)
    return kept
