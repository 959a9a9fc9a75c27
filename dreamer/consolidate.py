"""From observations to proposals: support across sessions, one proposal per pattern.

Support counts distinct sessions over all of history (stored observations plus this batch); a
pattern seen in fewer than `min_support` sessions is an anecdote and waits. A pending pattern
whose support grew is proposed again with its new evidence (the older proposal is superseded,
so the inbox holds one per pattern); a rejected one returns only when its support has at least
doubled; an adopted one waits for the graph's `reinforce` (next issue).
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Iterable, Sequence

from memory_graph.inbox import Evidence, NewProposal, Observation
from memory_graph.redact import redact

EVIDENCE_PER_PROPOSAL = 12
STATEMENT_QUOTE = 120


def _quote(text: str) -> str:
    text = redact(" ".join(text.split()))
    return text if len(text) <= STATEMENT_QUOTE else text[: STATEMENT_QUOTE - 1] + "…"


def _most_common(values: Iterable[str]) -> str:
    # Ties go to the alphabetically first, so the same inputs always give the same statement.
    counts = Counter(values)
    return min(counts, key=lambda value: (-counts[value], value)) if counts else ""


def support_confidence(support: int) -> float:
    """How sure a pattern is from its support alone: 2 sessions 0.75, 3 0.88, 4 0.94."""
    return 1 - 0.5**support


def consolidate(
    observations: Sequence[Observation],
    states: dict[str, tuple[str, int]],
    min_support: int,
) -> list[NewProposal]:
    """Proposals for the patterns these observations (new and historical) now support."""
    groups: dict[str, dict[int, Observation]] = defaultdict(dict)
    for observation in observations:
        groups[observation.fingerprint].setdefault(observation.message_id, observation)
    failure_support = {
        fingerprint: len({o.session_id for o in items.values()})
        for fingerprint, items in groups.items()
        if next(iter(items.values())).kind == "failure"
    }
    proposals: list[NewProposal] = []
    for fingerprint in sorted(groups):
        items = sorted(groups[fingerprint].values(), key=lambda o: (o.session_id, o.message_id))
        sessions = sorted({o.session_id for o in items})
        support = len(sessions)
        if support < min_support:
            continue
        status, earlier = states.get(fingerprint, ("", 0))
        if (
            status in ("adopted", "stale")
            or (status == "pending" and support <= earlier)
            or (status == "rejected" and support < 2 * earlier)
        ):
            continue
        first_per_session = {o.session_id: o for o in reversed(items)}
        evidence = [
            Evidence(o.session_id, o.message_id, o.span)
            for o in sorted(first_per_session.values(), key=lambda o: o.session_id)
        ][:EVIDENCE_PER_PROPOSAL]
        kind = items[0].kind
        line = _quote(_most_common(str(o.detail.get("line", "")) for o in items))
        head = _most_common(str(o.detail.get("head", "")) for o in items)
        if kind == "failure":
            statement = f"`{head}` fails with: {line}"
            confidence = support_confidence(support)
            payload = {"node": {"kind": "failure", "signature": items[0].detail.get("signature")}}
        else:
            key = _most_common(str(o.detail.get("key", "")) for o in items)
            commands = Counter(str(o.detail.get("command", "")) for o in items)
            example = _most_common(commands.elements())
            # The whole command when most sessions ran exactly it, else what they had in common.
            shown = _quote(example) if commands[example] * 2 > len(items) else key
            failure = str(items[0].detail.get("resolves", ""))
            failed_in = max(failure_support.get(failure, support), support)
            statement = f"When `{head}` fails with {line!r}, `{shown}` fixed it."
            # A fix that followed only some occurrences of its failure is less certain.
            confidence = support_confidence(support) * support / failed_in
            payload = {
                "node": {"kind": "fix", "command": shown, "example": _quote(example)},
                "edge": {"kind": "resolved_by", "failure": failure},
            }
        proposals.append(
            NewProposal(
                op="add_node",
                kind=kind,
                statement=statement,
                confidence=round(confidence, 3),
                support=support,
                fingerprint=fingerprint,
                evidence=evidence,
                payload=payload,
            )
        )
    return proposals
