"""An agent's suggestion: a memory another agent (over MCP: `reverie mcp`) thinks worth keeping,
written to the inbox as a pending proposal for the person to judge, like a dream's, but with no
dream behind it. Its source says who suggested it (`mcp:<client>`), and its only evidence is the
reason the agent gave, kept unverified: nothing in the sessions backs it, so it counts no support
and its confidence is nil.

It writes the proposals table only. What an agent says is redacted like a dream's proposals,
and flagged for the person when it reads like an instruction to the model, as the person's own
such words are (`INSTRUCTION_FLAG`).
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass

from dreamer.consolidate import INSTRUCTION_FLAG
from memory_graph.memory.adoption import STATEMENT_LIMIT
from memory_graph.memory.nodes import ABSENT, nodes_of
from memory_graph.memory.vocabulary import (
    MCP_SOURCE_PREFIX,
    PROPOSED_KINDS,
    MemoryKind,
    ProposalOp,
    ProposalStatus,
)
from memory_graph.store.database import Database
from memory_graph.store.errors import InboxError
from memory_graph.store.injection import reads_like_injection
from memory_graph.store.records import dumps, now_iso
from memory_graph.store.redact import redact

REASON_LIMIT = 1000
"""Characters of an agent's reason kept: a reason, not a transcript."""
WAITING_LIMIT = 20
"""Suggestions of one source that may wait in the inbox at once: an agent cannot bury the
person's inbox (or a dream's page, which they do not take: `journal.pending_new`)."""
_CLIENT_NAME = re.compile(r"[^\w.\- ]+")
_CLIENT_LIMIT = 64


@dataclass(frozen=True)
class Suggestion:
    """What an agent suggests remembering, and why."""

    statement: str
    kind: MemoryKind
    reason: str
    client: str
    """The name the agent's program gave (MCP's clientInfo), as it gave it."""

    @property
    def source(self) -> str:
        """`mcp:<client>`, the client's name cut to letters, digits, `.`, `-`, `_` and spaces
        (it is the agent's text: it must not draw anything in a terminal)."""
        name = _CLIENT_NAME.sub("", self.client).strip()[:_CLIENT_LIMIT] or "unnamed"
        return MCP_SOURCE_PREFIX + name


@dataclass(frozen=True)
class Suggested:
    """The pending proposal a suggestion is: a new one, or the one already waiting."""

    proposal_id: int
    new: bool
    flag: str
    source: str


def _fingerprint(kind: MemoryKind, statement: str) -> str:
    """The pattern of a suggestion: the same words of the same kind are the same suggestion,
    from whichever agent; never a dream's pattern (those have no `mcp:` prefix)."""
    digest = hashlib.sha256(f"{kind}\x1f{statement.lower()}".encode()).hexdigest()[:16]
    return f"{MCP_SOURCE_PREFIX}{digest}"


def _checked(suggestion: Suggestion) -> tuple[str, str]:
    """The statement and reason, on one line each and redacted; InboxError for what cannot be
    a proposal."""
    if suggestion.kind not in PROPOSED_KINDS:
        kinds = ", ".join(PROPOSED_KINDS)
        raise InboxError(f"a suggestion's kind is one of {kinds}, not {suggestion.kind}")
    statement = " ".join(suggestion.statement.split())
    reason = " ".join(suggestion.reason.split())
    if not statement:
        raise InboxError("the statement is empty: say what to remember")
    if len(statement) > STATEMENT_LIMIT:
        raise InboxError(f"the statement is longer than {STATEMENT_LIMIT} characters")
    if not reason:
        raise InboxError("the reason is empty: say why the person would want this remembered")
    return redact(statement), redact(reason[:REASON_LIMIT])


async def suggest(log: Database, suggestion: Suggestion) -> Suggested:
    """Put `suggestion` in the inbox as a pending proposal (or find the one that waits with the
    same words); InboxError when it cannot be proposed: a bad kind or an empty statement, the
    same memory already adopted or rejected, or too many of its source waiting."""
    statement, reason = _checked(suggestion)
    fingerprint = _fingerprint(suggestion.kind, statement)
    source = suggestion.source
    flag = INSTRUCTION_FLAG if reads_like_injection(f"{statement}\n{reason}") else ""
    if await nodes_of(log, [fingerprint]):
        raise InboxError("this is already memory: the person adopted it")
    payload = {
        "node": {"statement": statement, "source": source, "reason": reason},
        "reason": reason,
        **({"flag": flag} if flag else {}),
    }
    async with log.transaction() as conn:
        earlier = list(
            await conn.execute_fetchall(
                "SELECT id, status FROM proposals WHERE fingerprint = ? ORDER BY id DESC LIMIT 1",
                (fingerprint,),
            )
        )
        if earlier and earlier[0]["status"] == ProposalStatus.PENDING:
            return Suggested(int(earlier[0]["id"]), False, flag, source)
        if earlier and earlier[0]["status"] == ProposalStatus.REJECTED:
            raise InboxError("the person rejected this suggestion before")
        waiting = list(
            await conn.execute_fetchall(
                "SELECT COUNT(*) FROM proposals WHERE source = ? AND status = ?",
                (source, ProposalStatus.PENDING),
            )
        )
        if int(waiting[0][0]) >= WAITING_LIMIT:
            raise InboxError(
                f"{WAITING_LIMIT} suggestions from {source} already wait for the person's "
                "decision: suggest more once they have judged some"
            )
        rows = list(
            await conn.execute_fetchall(
                "INSERT INTO proposals (dream_id, source, op, kind, statement, payload, "
                "confidence, support, fingerprint, graph_hash, created) "
                "VALUES (NULL, ?, ?, ?, ?, ?, 0, 0, ?, ?, ?) RETURNING id",
                (
                    source,
                    ProposalOp.ADD_NODE,
                    suggestion.kind,
                    statement,
                    dumps(payload),
                    fingerprint,
                    ABSENT,
                    now_iso(),
                ),
            )
        )
    return Suggested(int(rows[0][0]), True, flag, source)
