"""Recurring requests: what the user asks for at the start of a session, tied to the failure it
ran into and what was done instead ("requests to export PDF fail first and need LibreOffice").

A session's request is the first turn the person typed (a sub-agent's has none: its prompt is
the parent agent's). Each failure met while serving it becomes a
`workflow` observation on that turn, keyed by the failure's signature, with the request's words
and how the session got past the failure: repaired (the same command passed later), a
workaround (another command succeeded instead), or not at all. Consolidation proposes a
workflow only when the requests themselves recur (they share words across sessions) and a
workaround was needed: a repaired failure is already told by its failure and fix.
"""

from __future__ import annotations

import hashlib

from dreamer.extractors.statements import flagged
from dreamer.journal import Observation
from dreamer.observation import SessionView, person_words
from memory_graph.memory.vocabulary import MemoryKind
from memory_graph.store.injection import reads_like_injection
from memory_graph.store.records import Message
from memory_graph.store.text import key_words

VERSION = "requests-3"
REQUEST_CHARACTERS = 400
"""How much of the opening turn is read as the request (a pasted document is not a request)."""


def opening_request(view: SessionView) -> Message | None:
    """The first turn the person typed."""
    return next((m for m in view.person_turns if person_words(m).strip()), None)


def extract(view: SessionView, failures: list[Observation]) -> list[Observation]:
    """Workflow observations of one session: its opening request once per distinct failure
    (`failures` are the failure and fix observations the failures extractor found in it)."""
    request = opening_request(view)
    if request is None:
        return []
    typed = person_words(request)
    # From the first word typed: a reminder before it is blanked, not part of the request.
    start = len(typed) - len(typed.lstrip())
    text = typed[start : start + REQUEST_CHARACTERS]
    words = key_words(text)
    if not words:
        return []
    fixes = {o.detail.get("resolves"): o for o in failures if o.kind == MemoryKind.FIX}
    found: dict[str, Observation] = {}
    for failure in failures:
        if failure.kind != MemoryKind.FAILURE or failure.message_id < request.id:
            continue
        signature = str(failure.detail.get("signature", ""))
        fingerprint = hashlib.sha256(f"workflow\x1f{signature}".encode()).hexdigest()[:20]
        if fingerprint in found:
            continue
        fix = fixes.get(failure.fingerprint)
        outcome, workaround = "unresolved", ""
        if fix is not None:
            outcome = "workaround" if fix.detail.get("workaround") else "repaired"
            workaround = str(fix.detail.get("key", "")) if outcome == "workaround" else ""
        found[fingerprint] = Observation(
            fingerprint,
            MemoryKind.WORKFLOW,
            view.session.id,
            request.id,
            (start, start + len(text)),
            {
                "request": text,
                "words": sorted(words),
                "signature": signature,
                "failure": failure.fingerprint,
                "line": failure.detail.get("line", ""),
                "head": failure.detail.get("head", ""),
                "outcome": outcome,
                "workaround": workaround,
            },
        )
    if reads_like_injection(typed):
        return [flagged(observation) for observation in found.values()]
    return list(found.values())
