"""One dream: review the sessions changed since the watermark, extract, consolidate, and write
the proposals together with the dream's audit row in one transaction.

Extraction is CPU work and runs in a thread, so a running TUI never stalls. Private sessions
are reviewed (the watermark passes them) but never read for evidence.
"""

from __future__ import annotations

import asyncio
import hashlib
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, replace
from typing import Any

from dreamer import feedback, match, page
from dreamer.consolidate import assign_patterns, consolidate
from dreamer.extractors import entities, failures, llm, requests, statements
from dreamer.extractors.signature import failure_opening
from dreamer.journal import (
    DreamRecord,
    ModelCallRecord,
    NewProposal,
    Observation,
    commit_dream,
    count_held,
    failure_leaders,
    held_with,
    horizon,
    latest_sightings,
    leaders,
    observations_of,
    pending_new,
    proposal_states,
    record_failed_dream,
    release_held,
    sessions_after,
    strongest_held,
    watermark,
)
from dreamer.observation import SessionView
from memory_graph.memory import nodes
from memory_graph.memory.vocabulary import MemoryKind, ProposalOp, ProposalStatus
from memory_graph.store.records import dumps, now_iso
from memory_graph.store.session_log import SessionLog

DEFAULT_LIMIT = 100
UNASKED_TRIGGERS = ("idle", "schedule")
STEP_SESSIONS = 5
"""Sessions extracted between two chances to pause: a step takes a few milliseconds."""
DEFAULT_MIN_SUPPORT = 2
EXTRACTORS = {
    "entities": entities.VERSION,
    "failures": failures.VERSION,
    "requests": requests.VERSION,
    "statements": statements.VERSION,
}


@dataclass(frozen=True)
class DreamSummary:
    """What a dream did, in the `reverie dream --json` shape."""

    dream_id: int
    sessions_reviewed: int
    proposals: dict[str, int]
    seconds: float
    held_back: int = 0
    """New memories that wait for room on the inbox's page (`dreamer.page`)."""

    def to_json(self) -> dict[str, Any]:
        """The contract scripts rely on."""
        return {
            "dream_id": self.dream_id,
            "sessions_reviewed": self.sessions_reviewed,
            "proposals": self.proposals,
            "seconds": round(self.seconds, 3),
            "held_back": self.held_back,
        }


def _content_hash(view: SessionView) -> str:
    digest = hashlib.sha256()
    for message in view.messages:
        digest.update(dumps([message.seq, message.role, message.content]).encode())
    return digest.hexdigest()[:16]


def _extract(views: Sequence[SessionView]) -> tuple[list[Observation], list[tuple[int, str]]]:
    found: list[Observation] = []
    for view in views:
        if not view.session.private:
            failed = failures.extract(view)
            found.extend(failed)
            found.extend(requests.extract(view, failed))
            found.extend(entities.extract(view))
            found.extend(statements.extract(view))
    return found, [(view.session.id, _content_hash(view)) for view in views]


def rooted(observations: Sequence[Observation], roots: dict[int, int]) -> list[Observation]:
    """Observations with the people's sessions they count toward (`roots`: a spawned session's
    root, resolved once a dream from the parent links as they are now, so a sub-agent imported
    before its parent counts with it once the parent arrives)."""
    return [
        replace(o, root_id=roots[o.session_id]) if o.session_id in roots else o
        for o in observations
    ]


async def _matched(
    log: SessionLog, candidates: list[NewProposal], min_support: int, seen: list[Observation]
) -> tuple[list[NewProposal], set[str]]:
    """The candidates matched against the adopted graph and the inbox, the memories gone
    quiet, each with the state of what it edits; and which of their patterns are pending
    (`seen`: this dream's observations, not yet written)."""
    # A failure proposed with its fix stands for both: either may be memory already.
    each = [part for candidate in candidates for part in (candidate, *candidate.parts)]
    known = await nodes.nodes_of(log, [part.fingerprint for part in each])
    kinds = sorted({c.kind for c in each if c.fingerprint not in known})
    adopted = await nodes.nodes(log, kinds) if kinds else []
    proposals = match.place(candidates, known, [node for node, _ in adopted])
    # A change of mind the person went back on is theirs to settle: when was each memory
    # taken back last said?
    targets = {p.target for p in proposals if p.op == ProposalOp.SUPERSEDE}
    taken_back = [(node, patterns) for node, patterns in adopted if node.pattern in targets]
    if taken_back:
        said = {
            node: sighting[0]
            for node, sighting in (await latest_sightings(log, taken_back)).items()
        }
        now: dict[str, int] = {}
        for observation in seen:
            now[observation.group] = max(now.get(observation.group, 0), observation.session_id)
        last_said = {
            node.pattern: max([said.get(node.id, 0), *(now.get(p, 0) for p in patterns)])
            for node, patterns in taken_back
        }
        proposals = match.flag_conflicts(proposals, last_said)
    # Replies marked bad after a memory was recalled count against it.
    proposals += await feedback.marked_against(log, min_support)
    retiring = await nodes.nodes(log, match.RETIRING_KINDS)
    if retiring:
        sightings = await latest_sightings(log, retiring)
        last = await horizon(log, match.RETIRE_AFTER_SESSIONS)
        proposals += match.retirements([node for node, _ in retiring], sightings, last)
    states = await proposal_states(log, [p for proposal in proposals for p in proposal.patterns])
    proposals = match.unseen(proposals, states)
    hashes = await nodes.state_hashes(log, [proposal.target for proposal in proposals])
    pending = {p for p, (status, _) in states.items() if status == ProposalStatus.PENDING}
    return [replace(p, graph_hash=hashes[p.target]) for p in proposals], pending


Progress = Callable[[int, int], None]


def _call_record(model: str, exchange: llm.ModelExchange) -> ModelCallRecord:
    return ModelCallRecord(
        model,
        exchange.request,
        exchange.answer,
        exchange.rejected_citations,
        exchange.rejected_patterns,
    )


async def dream(
    log: SessionLog,
    *,
    limit: int = DEFAULT_LIMIT,
    trigger: str = "manual",
    min_support: int = DEFAULT_MIN_SUPPORT,
    awake: asyncio.Event | None = None,
    progress: Progress | None = None,
    model: llm.ModelCall | None = None,
    inbox_page: int = page.DEFAULT_PAGE,
) -> DreamSummary:
    """Review up to `limit` sessions changed past the watermark, in the order they changed, and
    commit the dream, proposing at most `inbox_page` new memories less those already pending
    (`dreamer.page`): the strongest, from these sessions and those held back before.

    Sessions are read and extracted a few at a time; between two steps the dream waits while
    `awake` is cleared (the user is typing) and goes on where it stopped when it is set again.
    `progress(done, total)` hears of each step. With a `model`, the batch is also read by it,
    in one call, after the offline extractors.
    """
    began, started = time.perf_counter(), now_iso()
    extractors = {**EXTRACTORS, "llm": f"{llm.VERSION} {model.model}"} if model else EXTRACTORS
    try:
        return await _dream(
            log,
            limit,
            trigger,
            min_support,
            awake,
            progress,
            model,
            inbox_page,
            extractors,
            began,
            started,
        )
    except Exception as error:
        seconds = time.perf_counter() - began
        # An answer the dream could not use is kept with the failed dream, for the audit.
        calls = (
            [_call_record(model.model, error.exchange)]
            if model is not None and isinstance(error, llm.UnusableAnswer)
            else []
        )
        await record_failed_dream(
            log, trigger, started, seconds, extractors, str(error) or repr(error), calls
        )
        raise


async def _dream(
    log: SessionLog,
    limit: int,
    trigger: str,
    min_support: int,
    awake: asyncio.Event | None,
    progress: Progress | None,
    model: llm.ModelCall | None,
    inbox_page: int,
    extractors: dict[str, str],
    began: float,
    started: str,
) -> DreamSummary:
    sessions, mark = await sessions_after(log, await watermark(log), limit)
    room = max(0, inbox_page - await pending_new(log))
    # The strongest of what waits for room: with this batch's patterns they vie for the page.
    waiting = await strongest_held(log, room)
    unasked = not sessions and trigger in UNASKED_TRIGGERS
    if unasked and not waiting:
        # Nothing new while idle: no audit row for a dream nobody asked for and nothing did.
        return DreamSummary(0, 0, {}, time.perf_counter() - began, await count_held(log))
    found: list[Observation] = []
    hashes: list[tuple[int, str]] = []
    readable: list[SessionView] = []
    for start in range(0, len(sessions), STEP_SESSIONS):
        if awake is not None:
            await awake.wait()
        step = sessions[start : start + STEP_SESSIONS]
        views = [SessionView(session, await log.messages(session.id)) for session in step]
        step_found, step_hashes = await asyncio.to_thread(_extract, views)
        found += step_found
        hashes += step_hashes
        if model is not None:
            readable += [view for view in views if not view.session.private]
        if progress is not None:
            progress(start + len(step), len(sessions))
    calls: list[ModelCallRecord] = []
    exchange: llm.ModelExchange | None = None
    if model is not None and readable:
        model_found, exchange = await llm.extract(readable, model)
        found += model_found
    if model is not None and exchange is not None:
        calls.append(_call_record(model.model, exchange))
    known = await leaders(log, [kind for kind in MemoryKind if kind.stated], llm.MODEL_PREFIX)
    # Failures worded a little otherwise than one seen before join it: the known failures
    # whose lines open as the new ones' do.
    openings = {
        failure_opening(str(o.detail.get("signature", "")))
        for o in found
        if o.kind == MemoryKind.FAILURE
    }
    known += await failure_leaders(log, sorted(openings))
    rows = await asyncio.to_thread(assign_patterns, found, known)
    # Topics and entities are sightings to record, not patterns to propose: no history needed.
    touched = {row.group for row in rows if not row.kind.derived}
    patterns = sorted(touched.union(waiting, await held_with(log, sorted(touched))))
    history = await observations_of(log, patterns)
    roots = await log.session_roots()
    observed = rooted(rows, roots)
    candidates = consolidate([*rooted(history, roots), *observed], min_support)
    matched, pending = await _matched(log, candidates, min_support, observed)
    paged = page.paged(matched, room, pending)
    proposals = paged.proposed
    if unasked and not proposals:
        # What waited is no longer supported (forgotten, made private): the next may top up.
        await release_held(log, patterns)
        return DreamSummary(0, 0, {}, time.perf_counter() - began, await count_held(log))
    record = DreamRecord(
        trigger=trigger,
        started=started,
        seconds=time.perf_counter() - began,
        sessions=hashes,
        watermark=mark,
        extractors=extractors,
        counts=dict(Counter(proposal.kind for proposal in proposals)),
        model_calls=calls,
    )
    dream_id = await commit_dream(log, record, rows, proposals, paged.held, patterns)
    return DreamSummary(
        dream_id, len(sessions), record.counts, time.perf_counter() - began, await count_held(log)
    )
