"""Recall's tuning: every number that decides what a turn carries, in one place."""

from __future__ import annotations

from memory_graph.memory.vocabulary import MemoryKind

DEFAULT_BUDGET = 1500
"""Tokens of recalled memory in a system prompt."""
DEFAULT_K = 10
"""Contextual hits recalled at most."""
STANDING_SHARE = 0.5
"""The share of the budget standing memory may take; contextual memory has the rest and what
standing memory leaves."""
STANDING_CANDIDATES = 64
"""Memories of each standing kind weighed, the strongest by support: more than its share of the
budget holds (about 35 statements of twenty words)."""
SEEDS = 50
"""Nodes whose statements match the query that the spread starts from."""
COMMON_WORD = 1000
"""Statements (or messages) a query word is counted in at most: a word in that many is common
in any graph, its rarity weighed as that of a word in exactly that many, and a search ranks by
it only when the query has no rarer word (`common`)."""
BM25_SHARE = 0.1
"""How far BM25 (word frequency, statement length) moves a seed's score, at most: it breaks
near ties between memories naming words of the same rarity."""
ALPHA = 0.5
"""The share of relevance a node keeps at each push; the rest flows to its neighbours."""
ROUNDS = 2
"""Rounds of pushes from the seeds."""
CANDIDATES = 200
"""Nodes weighted by support and recency, the best by relevance: weights move a score by a
bounded factor."""
FRONTIER = 16
"""Nodes pushed per round: two queries read the neighbourhood of up to 32 nodes."""
NEIGHBOURS = 32
"""Neighbours read per push, strongest first: a hub cannot make a query slow."""
HALF_LIFE_DAYS = 180.0
"""Days since a memory was last seen that halve its weight."""
KIND_WEIGHT = {MemoryKind.TOPIC: 0.3, MemoryKind.ENTITY: 0.3}
"""Topics and entities are context, not knowledge: a name in the question should not crowd out
what is known about it."""
EVIDENCE_PER_HIT = 3
"""Evidence messages a memory hit shows (the rest is a keypress away in the memory browser)."""
EPISODE_CHARACTERS = 300
"""The length an earlier message is cut to when recall quotes it."""
EPISODE_CANDIDATES = 100
"""Messages matching the query read per recall: enough to rank them with their context."""
NEIGHBOUR_SHARE = 0.5
"""The share of the relevance of the messages just before and after a message that counts for
it: an answer rarely repeats the words of the question it answers."""
NEIGHBOURHOOD = {step: NEIGHBOUR_SHARE * 0.5 ** (abs(step) - 1) for step in (-2, -1, 1, 2)}
"""The turns around a message whose relevance counts for it, and how much: the next ones
NEIGHBOUR_SHARE, the ones after half that (an aside often comes between a question and its
answer). On LoCoMo: 0.756 -> 0.766 evidence recall@10."""
SESSION_SHARE = 0.5
"""How much the relevance of a message's whole session counts for it (as a share of the best
message's): a conversation that is about the query makes its messages likelier answers."""
SPEAKER_BOOST = 1.5
"""A message by the one the query names counts this much more."""
NAMED = 20
"""Messages a name must occur in to be taken for one side's name."""
NAMED_ODDS = 10.0
"""How much more often than its share of the messages the other side must say a name."""
NAMES_TRIED = 3
"""Capitalized words of a query tried as names, the first ones: a pasted log has hundreds."""
FUSION_K = 60
"""Reciprocal rank fusion's constant: how much the top ranks dominate."""
DATE_BOOST = 3.0
"""A message said in the period the query names (`dates`) counts this much more: "what did
Maria do in July 2023" asks about what was said then."""
DATE_AFTERWARDS_DAYS = 7
"""Days after a period named by a query that still count as said then: what happened is told
in the days that follow ("last weekend we went camping")."""
