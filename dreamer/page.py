"""A page a person can judge: a dream proposes at most a page of new memories (`inbox_page`,
counting those already waiting in the inbox), the strongest first. The others are held back
(`dreamer.journal` keeps which, with their strength): their observations stay, and every later
dream tops the page up from them as the person decides. Proposals about adopted memory
(reinforce, merge, supersede, retire) never wait for room: they are few, and what they change is
memory already.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from dreamer.journal import NewProposal
from memory_graph.memory.inbox import Strength, strength

DEFAULT_PAGE = 20


@dataclass(frozen=True)
class Page:
    """What a dream proposes and what it holds back."""

    proposed: list[NewProposal]
    """In the order they were made: the inbox orders them itself, by the same strength."""
    held: list[NewProposal]
    """New memories that found no room, strongest first."""


def _rank(proposal: NewProposal) -> tuple[Strength, str]:
    """Strongest first (`memory_graph.memory.inbox.strength`); ties by pattern, so the same
    inputs always fill the same page."""
    return strength(proposal.confidence, proposal.support), proposal.fingerprint


def paged(proposals: Sequence[NewProposal], room: int, pending: set[str]) -> Page:
    """The proposals that fit `room` new memories, and those held back. A new memory whose
    pattern is pending already (its support grew, or a failure now joined by its fix) replaces
    that proposal and takes no more room."""
    fits: set[int] = set()
    held: list[NewProposal] = []
    for index in sorted(range(len(proposals)), key=lambda i: _rank(proposals[i])):
        proposal = proposals[index]
        if not proposal.op.new_memory or pending.intersection(proposal.patterns):
            fits.add(index)
        elif room > 0:
            room -= 1
            fits.add(index)
        else:
            held.append(proposal)
    return Page([p for i, p in enumerate(proposals) if i in fits], held)
