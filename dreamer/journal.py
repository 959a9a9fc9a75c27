"""The dreamer's journal: its dreams, the watermark they reached, the observations they made and
the proposals they left in the inbox, and what it reads back from them.

Everything a dream writes commits in one transaction with its row in `dreams`, so a dream that
is cancelled or killed leaves nothing, and the next one starts from the same watermark.
"""

from __future__ import annotations

import contextlib
import json
import sqlite3
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

import aiosqlite

from dreamer.extractors.signature import OPENING
from memory_graph.memory.evidence import Evidence
from memory_graph.memory.nodes import Node
from memory_graph.memory.vocabulary import (
    DREAM_SOURCE,
    LeftInbox,
    MemoryKind,
    ProposalOp,
    ProposalStatus,
)
from memory_graph.store.errors import StoreError
from memory_graph.store.records import Session, dumps, now_iso
from memory_graph.store.redact import redact
from memory_graph.store.session_log import SessionLog
from memory_graph.store.sql import where_in


@dataclass(frozen=True)
class Watermark:
    """How far the log's change clock a committed dream reviewed: sessions changed after it
    (new ones, and old ones that grew) are what the next dream reads."""

    change: int


@dataclass(frozen=True)
class Observation:
    """One occurrence of a candidate pattern, found by an extractor. Observations with the same
    fingerprint are the same pattern; support is the number of distinct people's sessions among
    them (`root`)."""

    fingerprint: str
    kind: MemoryKind
    session_id: int
    message_id: int
    span: tuple[int, int]
    """Where in the message's text the evidence is (for the excerpt)."""
    detail: dict[str, Any] = field(default_factory=dict)
    """What consolidation needs to write the statement (the concrete line, the command)."""
    pattern: str = ""
    """The pattern it belongs to: its own fingerprint, or the first observation it restates."""
    root_id: int | None = None
    """The session at the top of its session's chain of parents, when it has one (a dream
    resolves it: `dreamer.dream.rooted`)."""

    @property
    def group(self) -> str:
        """The pattern, defaulting to the observation's own fingerprint."""
        return self.pattern or self.fingerprint

    @property
    def root(self) -> int:
        """The person's session it counts toward: a sub-agent's or a compaction run's work
        counts with the session that spawned it, once."""
        return self.session_id if self.root_id is None else self.root_id


@dataclass(frozen=True)
class NewProposal:
    """A proposal a dream makes."""

    op: ProposalOp
    kind: MemoryKind
    statement: str
    confidence: float
    support: int
    fingerprint: str
    evidence: list[Evidence]
    payload: dict[str, Any] = field(default_factory=dict)
    graph_hash: str = ""
    """The state of what it edits when it was made (see `memory_graph.memory.nodes`)."""
    parts: tuple[NewProposal, ...] = ()
    """For one proposal of several new patterns (a failure with its fix): the proposals it
    stands for, each on its own, for when they cannot be proposed together (not written)."""

    @property
    def target(self) -> str:
        """The pattern whose node it edits: its own for a new memory."""
        return str(self.payload.get("target", self.fingerprint))

    @property
    def patterns(self) -> tuple[str, ...]:
        """The patterns it proposes: its own, and those of its parts."""
        return tuple(dict.fromkeys((self.fingerprint, *(p.fingerprint for p in self.parts))))


@dataclass(frozen=True)
class ModelCallRecord:
    """A call a dream made to a model, kept with the dream: what was sent and what came back."""

    model: str
    request: dict[str, Any]
    answer: Any
    rejected_citations: int
    rejected_patterns: int


@dataclass(frozen=True)
class DreamRecord:
    """One dream's audit row."""

    trigger: str
    started: str
    seconds: float
    sessions: list[tuple[int, str]]
    """(session id, content hash) of every session reviewed."""
    watermark: Watermark | None
    extractors: dict[str, str]
    counts: dict[str, int]
    model_calls: list[ModelCallRecord] = field(default_factory=list)


async def watermark(log: SessionLog) -> Watermark | None:
    """Where the newest committed dream stopped."""
    rows = list(
        await log.connection.execute_fetchall(
            "SELECT watermark_change FROM dreams WHERE watermark_change IS NOT NULL "
            "ORDER BY id DESC LIMIT 1"
        )
    )
    return Watermark(int(rows[0][0])) if rows else None


async def sessions_after(
    log: SessionLog, mark: Watermark | None, limit: int
) -> tuple[list[Session], Watermark | None]:
    """Sessions changed after the watermark, in the order they changed, at most `limit`, and
    the watermark that covers them. The claimed dates of sessions play no part: an old history
    imported today is new, and a date far in the future hides nothing."""
    rows = list(
        await log.connection.execute_fetchall(
            "SELECT id, changed FROM sessions WHERE changed > ? ORDER BY changed LIMIT ?",
            (mark.change if mark else 0, limit),
        )
    )
    if not rows:
        return [], mark
    return [await log.get_session(int(row[0])) for row in rows], Watermark(int(rows[-1][1]))


_OBSERVATION_COLUMNS = (
    "o.fingerprint, o.kind, o.session_id, o.message_id, o.span_start, o.span_end, o.detail, "
    "o.pattern"
)


def _observation(row: sqlite3.Row) -> Observation:
    return Observation(
        row["fingerprint"],
        MemoryKind(row["kind"]),
        row["session_id"],
        row["message_id"],
        (row["span_start"], row["span_end"]),
        json.loads(row["detail"]),
        row["pattern"],
    )


async def observations_of(log: SessionLog, patterns: Sequence[str]) -> list[Observation]:
    """Every stored observation of these patterns (from earlier dreams), except those of
    sessions marked private since: they never count as support."""
    rows = await where_in(
        log,
        f"SELECT {_OBSERVATION_COLUMNS} FROM observations o JOIN sessions s ON s.id = o.session_id "
        f"WHERE s.private = 0 AND o.pattern IN ({{}})",
        patterns,
    )
    return [_observation(row) for row in rows]


async def leaders(
    log: SessionLog, kinds: Sequence[MemoryKind], fingerprint_prefix: str = ""
) -> list[Observation]:
    """The first observation of every pattern of these kinds, and of every pattern whose
    fingerprint starts with `fingerprint_prefix`: what new ones are compared with."""
    rows = await where_in(
        log,
        f"SELECT {_OBSERVATION_COLUMNS} FROM observations o "
        f"WHERE o.pattern = o.fingerprint AND o.kind IN ({{}})",
        kinds,
    )
    if fingerprint_prefix:
        # A range over the primary key: the prefix's patterns without scanning the rest.
        upper = fingerprint_prefix[:-1] + chr(ord(fingerprint_prefix[-1]) + 1)
        async with log.connection.execute(
            f"SELECT {_OBSERVATION_COLUMNS} FROM observations o WHERE o.fingerprint >= ? "
            "AND o.fingerprint < ? AND o.pattern = o.fingerprint AND o.kind NOT IN "
            f"({', '.join('?' * len(kinds))})",
            (fingerprint_prefix, upper, *kinds),
        ) as cursor:
            rows.extend(await cursor.fetchall())
    return [_observation(row) for row in rows]


async def failure_leaders(log: SessionLog, openings: Sequence[str]) -> list[Observation]:
    """The first observation of every failure pattern whose error line opens with one of these
    (`consolidate.failure_opening`): what a new failure worded a little otherwise is compared
    with."""
    signature = "json_extract(o.detail, '$.signature')"
    opening = f"substr({signature}, instr({signature}, ': ') + 2, {OPENING})"
    rows = await where_in(
        log,
        f"SELECT {_OBSERVATION_COLUMNS} FROM observations o WHERE o.pattern = o.fingerprint "
        f"AND o.kind = '{MemoryKind.FAILURE.value}' AND {opening} IN ({{}})",
        openings,
    )
    return [_observation(row) for row in rows]


async def proposal_states(
    log: SessionLog, fingerprints: Sequence[str]
) -> dict[str, tuple[ProposalStatus, int]]:
    """The latest proposal's (status, support) for each fingerprint already proposed."""
    rows = await where_in(
        log,
        "SELECT fingerprint, status, support FROM proposals WHERE fingerprint IN ({}) ORDER BY id",
        fingerprints,
    )
    return {
        row["fingerprint"]: (ProposalStatus(row["status"]), int(row["support"])) for row in rows
    }


async def pending_new(log: SessionLog) -> int:
    """How many proposals of new memories that dreams made wait in the inbox: what takes the
    room on its page (agents' suggestions have a cap of their own: `dreamer.suggestion`)."""
    ops = [op for op in ProposalOp if op.new_memory]
    rows = list(
        await log.connection.execute_fetchall(
            "SELECT COUNT(*) FROM proposals WHERE status = ? AND source = ? "
            f"AND op IN ({', '.join('?' * len(ops))})",
            (ProposalStatus.PENDING, DREAM_SOURCE, *ops),
        )
    )
    return int(rows[0][0])


async def strongest_held(log: SessionLog, count: int) -> list[str]:
    """The patterns of the `count` strongest candidates held back for want of room (a failure
    held back with its fix gives both)."""
    if count <= 0:
        return []
    rows = await log.connection.execute_fetchall(
        "SELECT pattern FROM held_back WHERE lead IN (SELECT lead FROM held_back "
        "WHERE pattern = lead ORDER BY confidence DESC, support DESC, lead LIMIT ?)",
        (count,),
    )
    return [str(row[0]) for row in rows]


async def held_with(log: SessionLog, patterns: Sequence[str]) -> list[str]:
    """The patterns held back together with any of these: a dream that sees a failure again
    weighs the fix it waits with too, so that they stay one proposal."""
    rows = await where_in(
        log,
        "SELECT h.pattern FROM held_back h JOIN held_back t ON t.lead = h.lead "
        "WHERE t.pattern IN ({})",
        patterns,
    )
    return [str(row[0]) for row in rows]


async def count_held(log: SessionLog) -> int:
    """How many candidates wait for room on the inbox's page."""
    rows = list(
        await log.connection.execute_fetchall("SELECT COUNT(*) FROM held_back WHERE pattern = lead")
    )
    return int(rows[0][0])


async def _hold(
    conn: aiosqlite.Connection, weighed: Sequence[str], held: Sequence[NewProposal]
) -> None:
    """What waits for room after a dream: of the patterns it weighed (their whole history),
    exactly those it held back; what it proposed, or found no longer supported, waits no more."""
    for start in range(0, len(weighed), 500):
        chunk = list(weighed[start : start + 500])
        await conn.execute(
            "DELETE FROM held_back WHERE lead IN (SELECT lead FROM held_back "
            f"WHERE pattern IN ({', '.join('?' * len(chunk))}))",
            chunk,
        )
    await conn.executemany(
        "INSERT OR REPLACE INTO held_back (pattern, lead, confidence, support) VALUES (?, ?, ?, ?)",
        [
            (pattern, proposal.fingerprint, proposal.confidence, proposal.support)
            for proposal in held
            for pattern in proposal.patterns
        ],
    )


async def release_held(log: SessionLog, weighed: Sequence[str]) -> None:
    """Let go of held-back patterns a dream found nothing to propose of (their sessions were
    forgotten or made private since), without a dream row: the page tops up from the next."""
    async with log.transaction() as conn:
        await _hold(conn, weighed, [])


async def _record_calls(
    conn: aiosqlite.Connection, dream_id: int | None, calls: Sequence[ModelCallRecord]
) -> None:
    await conn.executemany(
        "INSERT INTO dream_model_calls (dream_id, model, request, answer, "
        "rejected_citations, rejected_patterns) VALUES (?, ?, ?, ?, ?, ?)",
        [
            (
                dream_id,
                call.model,
                dumps(call.request),
                dumps(call.answer),
                call.rejected_citations,
                call.rejected_patterns,
            )
            for call in calls
        ],
    )


async def record_failed_dream(
    log: SessionLog,
    trigger: str,
    started: str,
    seconds: float,
    extractors: dict[str, str],
    error: str,
    model_calls: Sequence[ModelCallRecord] = (),
) -> None:
    """Leave a row for a dream that failed, with why (and the model calls it made, when the
    answer is what failed it): the audit shows it, the watermark ignores it (the next dream
    covers the same sessions). Best effort: when the database itself is what failed, the error
    that stopped the dream is what matters."""
    with contextlib.suppress(StoreError, sqlite3.Error):
        async with log.transaction() as conn:
            cursor = await conn.execute(
                "INSERT INTO dreams (trigger, started, finished, seconds, sessions, extractors, "
                "counts, error) VALUES (?, ?, ?, ?, '[]', ?, '{}', ?)",
                (trigger, started, now_iso(), seconds, dumps(extractors), error),
            )
            dream_id = cursor.lastrowid
            await cursor.close()
            await _record_calls(conn, dream_id, model_calls)


async def commit_dream(
    log: SessionLog,
    record: DreamRecord,
    observations: Sequence[Observation],
    proposals: Sequence[NewProposal],
    held: Sequence[NewProposal] = (),
    weighed: Sequence[str] = (),
) -> int:
    """Write a dream, its observations, its proposals and what it held back of the patterns it
    `weighed` in one transaction; the dream's id."""
    finished = now_iso()
    async with log.transaction() as conn:
        cursor = await conn.execute(
            "INSERT INTO dreams (trigger, started, finished, seconds, sessions, watermark_change, "
            "extractors, counts) VALUES (?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
            (
                record.trigger,
                record.started,
                finished,
                record.seconds,
                dumps([{"id": i, "hash": h} for i, h in record.sessions]),
                record.watermark.change if record.watermark else None,
                dumps(record.extractors),
                dumps(record.counts),
            ),
        )
        row = await cursor.fetchone()
        await cursor.close()
        assert row is not None
        dream_id = int(row[0])
        await conn.executemany(
            "INSERT OR IGNORE INTO observations (fingerprint, pattern, kind, session_id, "
            "message_id, span_start, span_end, detail, dream_id) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                (
                    o.fingerprint,
                    o.group,
                    o.kind,
                    o.session_id,
                    o.message_id,
                    *o.span,
                    dumps(o.detail),
                    dream_id,
                )
                for o in observations
            ],
        )
        await _record_calls(conn, dream_id, record.model_calls)
        now = now_iso()
        for proposal in proposals:
            # One proposal per pattern in the inbox: a newer one (more support) replaces it,
            # and one that proposes a fix with its failure replaces the fix's own.
            await conn.executemany(
                "UPDATE proposals SET status = 'superseded', decided = ?, reason = ? "
                "WHERE fingerprint = ? AND status = 'pending'",
                [(now, LeftInbox.NEWER_PROPOSAL, pattern) for pattern in proposal.patterns],
            )
            cursor = await conn.execute(
                "INSERT INTO proposals (dream_id, op, kind, statement, payload, confidence, "
                "support, fingerprint, graph_hash, created) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "RETURNING id",
                (
                    dream_id,
                    proposal.op,
                    proposal.kind,
                    redact(proposal.statement),
                    dumps(proposal.payload),
                    proposal.confidence,
                    proposal.support,
                    proposal.fingerprint,
                    proposal.graph_hash,
                    now,
                ),
            )
            inserted = await cursor.fetchone()
            await cursor.close()
            assert inserted is not None
            await conn.executemany(
                "INSERT OR IGNORE INTO proposal_evidence (proposal_id, session_id, message_id, "
                "span_start, span_end) VALUES (?, ?, ?, ?, ?)",
                [(inserted[0], e.session_id, e.message_id, *e.span) for e in proposal.evidence],
            )
        await _hold(conn, weighed, held)
    return dream_id


async def latest_sightings(
    log: SessionLog, memories: Sequence[tuple[Node, list[str]]]
) -> dict[int, tuple[int, int, int, int]]:
    """The newest observation of each node's patterns: (session, message, span start, end)."""
    latest: dict[int, tuple[int, int, int, int]] = {}
    for node, patterns in memories:
        for pattern in patterns:
            async with log.connection.execute(
                "SELECT session_id, message_id, span_start, span_end FROM observations "
                "WHERE pattern = ? ORDER BY session_id DESC LIMIT 1",
                (pattern,),
            ) as cursor:
                row = await cursor.fetchone()
            if row is not None and (node.id not in latest or row[0] > latest[node.id][0]):
                latest[node.id] = (int(row[0]), int(row[1]), int(row[2]), int(row[3]))
    return latest


async def horizon(log: SessionLog, sessions: int) -> int | None:
    """The oldest of the last `sessions` people's sessions that are not private (by id; the
    sessions they spawned do not count), or None when there are fewer."""
    async with log.connection.execute(
        "SELECT id FROM sessions WHERE private = 0 AND parent_id IS NULL "
        "ORDER BY id DESC LIMIT 1 OFFSET ?",
        (sessions - 1,),
    ) as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else None
