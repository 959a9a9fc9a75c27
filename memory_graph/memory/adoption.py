"""Decisions on proposals, the only way anything enters memory: adopt (apply the proposal's
edit), reject, and undo (the newest decision not yet undone, as many levels deep as asked).

Each decision runs in one transaction and records the steps that revert it. Adoption first
checks that what the proposal edits is still as it was when the dream made it (the state hash);
if not, the proposal is marked stale instead of being applied blindly.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

import aiosqlite

from memory_graph.memory.mentions import Mention, mentioned, sightings
from memory_graph.memory.nodes import ABSENT, NODE_COLUMNS, Node, node_from_row
from memory_graph.memory.projects import SCOPE, SCOPE_CHOSEN, project_of, scope_name, scope_of
from memory_graph.memory.vocabulary import (
    DERIVED_KINDS,
    EdgeKind,
    LeftInbox,
    MemoryKind,
    NodeStatus,
    Outcome,
    ProposalOp,
    ProposalStatus,
    Verdict,
)
from memory_graph.store.database import Database
from memory_graph.store.errors import InboxError
from memory_graph.store.records import dumps, now_iso
from memory_graph.store.redact import redact

SHARED_SESSIONS = 2
"""Sessions two topics or entities must share for an `occurs_with` edge between them."""
STATEMENT_LIMIT = 500

Step = list[Any]
"""One way back: [action, argument], run in reverse order by undo."""


@dataclass(frozen=True)
class Decided:
    """What a decision did, for the person who made it and for views to update."""

    proposal_id: int
    outcome: Outcome
    message: str
    nodes: tuple[int, ...] = ()
    """Nodes created or changed (or removed, by an undo)."""
    edges: tuple[int, ...] = ()
    """Edges created (or removed, by an undo)."""
    undone: Verdict | None = None
    """For an undo: the verdict it reverted."""
    proposals: tuple[int, ...] = ()
    """For an undo: every proposal it gave back (a batch's, newest first)."""


@dataclass
class Batch:
    """Decisions made together, undone together: the id of the first of them, once made."""

    id: int | None = None


async def _record_decision(
    conn: aiosqlite.Connection, batch: Batch | None, columns: dict[str, Any]
) -> None:
    """Insert one row of `decisions`, in `batch` when there is one (its first names it)."""
    names = ", ".join(columns)
    row = await _one(
        conn,
        f"INSERT INTO decisions ({names}, batch) VALUES ({', '.join('?' * len(columns))}, ?) "
        "RETURNING id",
        (*columns.values(), batch.id if batch else None),
    )
    if batch is not None and batch.id is None:
        batch.id = int(row[0])
        await conn.execute("UPDATE decisions SET batch = id WHERE id = ?", (batch.id,))


@dataclass
class _Work:
    """What one adoption did so far, and how to revert it."""

    conn: aiosqlite.Connection
    proposal_id: int
    now: str
    steps: list[Step] = field(default_factory=list)
    nodes: set[int] = field(default_factory=set)
    edges: set[int] = field(default_factory=set)


async def _one(conn: aiosqlite.Connection, sql: str, args: tuple[Any, ...]) -> Any:
    rows = await _all(conn, sql, args)
    return rows[0] if rows else None


async def _all(conn: aiosqlite.Connection, sql: str, args: tuple[Any, ...]) -> list[Any]:
    # One trip to the database's thread, not three (execute, fetch, close): a decision is
    # many small queries, and it must be on screen within a frame or two.
    return list(await conn.execute_fetchall(sql, args))


async def _node_of(conn: aiosqlite.Connection, fingerprint: str) -> Node | None:
    row = await _one(
        conn,
        f"SELECT {NODE_COLUMNS} FROM node_patterns p JOIN nodes n ON n.id = p.node_id "
        "WHERE p.fingerprint = ?",
        (fingerprint,),
    )
    return node_from_row(row) if row else None


@dataclass(frozen=True)
class _Proposal:
    """A pending proposal as adoption reads it."""

    id: int
    op: ProposalOp
    kind: MemoryKind
    statement: str
    payload: dict[str, Any]
    support: int
    fingerprint: str
    graph_hash: str

    @property
    def target(self) -> str:
        """The pattern whose node it edits: its own for a new memory."""
        return str(self.payload.get("target", self.fingerprint))

    @property
    def also(self) -> list[dict[str, Any]]:
        """The other memories a new memory comes with (a failure's fix): each with its
        pattern, node, support and the messages of its evidence."""
        return [part for part in self.payload.get("also", []) if isinstance(part, dict)]


async def _pending(conn: aiosqlite.Connection, proposal_id: int) -> _Proposal:
    row = await _one(
        conn,
        "SELECT id, op, kind, statement, payload, support, fingerprint, graph_hash, status "
        "FROM proposals WHERE id = ?",
        (proposal_id,),
    )
    if row is None:
        raise InboxError(f"there is no proposal {proposal_id}: `reverie inbox` lists them")
    if row["status"] != ProposalStatus.PENDING:
        raise InboxError(f"proposal {proposal_id} is {row['status']}, not pending")
    try:
        op, kind = ProposalOp(row["op"]), MemoryKind(row["kind"])
    except ValueError:
        raise InboxError(
            f"proposal {proposal_id} is of a kind memory cannot hold: {row['op']} {row['kind']}"
        ) from None
    if kind.derived:
        raise InboxError(
            f"proposal {proposal_id} ({kind}) cannot be adopted: {LeftInbox.ENTITIES_NOT_PROPOSED}"
        )
    return _Proposal(
        int(row["id"]),
        op,
        kind,
        str(row["statement"]),
        json.loads(row["payload"]),
        int(row["support"]),
        str(row["fingerprint"]),
        str(row["graph_hash"]),
    )


async def adopt(
    log: Database, proposal_id: int, statement: str | None = None, batch: Batch | None = None
) -> Decided:
    """Apply a pending proposal's edit (with `statement` in place of its own, when the person
    edited it), unless what it edits changed since it was made: then it is marked stale.
    Within a `batch`, one undo reverts it with the others."""
    if statement is not None:
        statement = redact(" ".join(statement.split()))[:STATEMENT_LIMIT]
        if not statement:
            raise InboxError("an edited statement cannot be empty")
    async with log.transaction() as conn:
        proposal = await _pending(conn, proposal_id)
        op, payload, fingerprint = proposal.op, proposal.payload, proposal.fingerprint
        node = await _node_of(conn, proposal.target)
        now = now_iso()
        # A memory it comes with that became memory meanwhile changed what it adds too.
        came = [await _node_of(conn, str(part["pattern"])) for part in proposal.also]
        if (node.state_hash if node else ABSENT) != proposal.graph_hash or any(came):
            await conn.execute(
                "UPDATE proposals SET status = ?, decided = ? WHERE id = ?",
                (ProposalStatus.STALE, now, proposal_id),
            )
            return Decided(
                proposal_id,
                Outcome.STALE,
                f"proposal {proposal_id} is stale: what it edits changed since it was made; "
                "the next dream proposes it again if it still holds",
            )
        work = _Work(conn, proposal_id, now)
        support = proposal.support
        if op in (ProposalOp.ADD_NODE, ProposalOp.SUPERSEDE):
            created = await _create_nodes(
                work, proposal, statement or _memory(payload, proposal.statement)
            )
            if op == ProposalOp.SUPERSEDE and node is not None:
                await _set_status(work, node, NodeStatus.SUPERSEDED)
                await _add_edge(work, fingerprint, node.pattern, EdgeKind.SUPERSEDES, 1.0)
            many = "memories" if len(created) > 1 else "memory"
            message = f"adopted proposal {proposal_id} as {many} {_listed(created)}"
        elif op == ProposalOp.ADD_EDGE:
            for edge in payload.get("edges", []):
                await _add_payload_edge(work, edge)
            message = f"adopted proposal {proposal_id}: {len(work.edges)} edges added"
        elif node is None:
            raise InboxError(f"proposal {proposal_id} edits a memory that no longer exists")
        elif op in (ProposalOp.REINFORCE, ProposalOp.MERGE):
            await _strengthen(work, node, payload, support, statement)
            message = f"adopted proposal {proposal_id}: memory {node.id} now has {support} sessions"
        elif op == ProposalOp.RETIRE:
            await _set_status(work, node, NodeStatus.RETIRED)
            message = f"adopted proposal {proposal_id}: memory {node.id} is retired"
        else:  # ProposalOp.UPDATE_STATEMENT
            # A re-wording proposed when forget took the old wording's source brings the
            # memory it retired back.
            await _set_statement(
                work,
                node,
                statement or str(payload.get("statement", "")),
                None if statement else _source(payload),
                reactivate=bool(payload.get("reactivate")),
            )
            message = f"adopted proposal {proposal_id}: memory {node.id} reads anew"
        await conn.execute(
            "UPDATE proposals SET status = ?, decided = ? WHERE id = ?",
            (ProposalStatus.ADOPTED, now, proposal_id),
        )
        await _record_decision(
            conn,
            batch,
            {
                "proposal_id": proposal_id,
                "verdict": Verdict.ADOPTED,
                "statement": statement,
                "decided": now,
                "undo": dumps(work.steps),
            },
        )
    return Decided(proposal_id, Outcome.ADOPTED, message, tuple(work.nodes), tuple(work.edges))


def _listed(ids: list[int]) -> str:
    return ", ".join(map(str, ids[:-1])) + " and " + str(ids[-1]) if len(ids) > 1 else str(ids[0])


def _memory(payload: dict[str, Any], statement: str) -> str:
    """What a node says: the memory the proposal's payload words, else its statement."""
    node = payload.get("node")
    worded = node.get("statement") if isinstance(node, dict) else None
    return str(worded or statement)


def _source(payload: dict[str, Any]) -> int | None:
    """The message the proposal's wording was taken from, when the dream said."""
    node = payload.get("node")
    source = node.get("source_message") if isinstance(node, dict) else None
    return source if isinstance(source, int) else None


async def _record_wording(
    conn: aiosqlite.Connection, node_id: int, statement: str, source: int | None
) -> None:
    """Append a memory's wording to its history: what a logged prompt refers to by version,
    and what forgetting its source message takes away."""
    await conn.execute(
        "INSERT INTO statement_versions (node_id, statement, source_message_id, created) "
        "VALUES (?, ?, ?, ?)",
        (node_id, statement, source, now_iso()),
    )


Messages = Callable[[int], bool]
"""Which of a proposal's evidence messages belong to a node it adds."""


async def _create_nodes(work: _Work, proposal: _Proposal, statement: str) -> list[int]:
    """The proposal's memory, and those it comes with (a failure's fix), each with its share
    of the evidence, then the edges its payload names: all of them undone together."""
    payload = proposal.payload
    theirs = {int(message) for part in proposal.also for message in part.get("messages", [])}
    # The person's own wording, when they edited it, comes from no message.
    edited = statement != _memory(payload, "")
    created = [
        await _create_node(
            work,
            proposal.fingerprint,
            proposal.kind,
            payload.get("node") or {},
            (statement, None if edited else _source(payload)),
            proposal.support,
            lambda message: message not in theirs,
        )
    ]
    for part in proposal.also:
        node = part.get("node") or {}
        mine = {int(message) for message in part.get("messages", [])}
        created.append(
            await _create_node(
                work,
                str(part["pattern"]),
                MemoryKind(node["kind"]),
                node,
                (str(node["statement"]), _source(part)),
                int(part["support"]),
                mine.__contains__,
            )
        )
    for edge in payload.get("edges", []):
        await _add_payload_edge(work, {**edge, "weight": 1.0})
    return created


async def _create_node(
    work: _Work,
    pattern: str,
    kind: MemoryKind,
    node: dict[str, Any],
    wording: tuple[str, int | None],
    support: int,
    messages: Messages,
) -> int:
    statement, source = wording
    attributes = {k: v for k, v in node.items() if k not in ("statement", "source_message")}
    if SCOPE not in attributes:  # the person may have chosen it in the inbox
        attributes[SCOPE] = await _scope(work, messages)
    first, last = await _seen(work, messages)
    node_id = await _insert_node(
        work, pattern, kind, (statement, source), attributes, (support, first, last)
    )
    await _add_evidence(work, node_id, messages)
    for mention in await mentioned(work.conn, pattern, statement):
        await _link_mention(work, pattern, mention)
    return node_id


async def _insert_node(
    work: _Work,
    pattern: str,
    kind: MemoryKind,
    wording: tuple[str, int | None],
    attributes: dict[str, Any],
    seen: tuple[int, str, str],
) -> int:
    """A new node standing for `pattern`, with its first wording; undone by deleting it."""
    statement, source = wording
    support, first, last = seen
    row = await _one(
        work.conn,
        "INSERT INTO nodes (pattern, kind, statement, attributes, support, first_seen, "
        "last_seen, adopted, updated) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?) RETURNING id",
        (pattern, kind, statement, dumps(attributes), support, first, last, work.now, work.now),
    )
    node_id = int(row[0])
    work.steps.append(["delete_node", node_id])
    work.nodes.add(node_id)
    await _record_wording(work.conn, node_id, statement, source)
    await work.conn.execute(
        "INSERT INTO node_patterns (fingerprint, node_id) VALUES (?, ?)", (pattern, node_id)
    )
    return node_id


async def _link_mention(work: _Work, pattern: str, mention: Mention) -> None:
    """A memory is `about` what it mentions: the entity's node, made now if it is new (a
    retired one comes back: a memory names it again)."""
    entity = await _node_of(work.conn, mention.pattern)
    if entity is None:
        seen = await sightings(work.conn, mention.pattern)
        node_id = await _insert_node(
            work,
            mention.pattern,
            mention.kind,
            (mention.statement, None),
            mention.attributes,
            (seen.support, seen.first_seen or work.now, seen.last_seen or work.now),
        )
        # Deleting the node (its undo) takes its evidence with it.
        await work.conn.executemany(
            "INSERT INTO node_evidence (node_id, session_id, message_id, span_start, span_end) "
            "VALUES (?, ?, ?, ?, ?)",
            [(node_id, e.session_id, e.message_id, *e.span) for e in seen.evidence],
        )
        await _occurs_with(work, node_id, mention.pattern)
    elif entity.status == NodeStatus.RETIRED:
        await _set_status(work, entity, NodeStatus.ACTIVE)
    await _add_edge(work, pattern, mention.pattern, EdgeKind.ABOUT, float(mention.shared))


def _every(_: int) -> bool:
    return True


async def _scope(work: _Work, messages: Messages) -> str:
    """Where a memory applies: the one project its evidence sessions worked in, else
    everywhere (`memory_graph.memory.projects`)."""
    rows = await _all(
        work.conn,
        "SELECT e.message_id, s.cwd FROM proposal_evidence e "
        "JOIN sessions s ON s.id = e.session_id WHERE e.proposal_id = ?",
        (work.proposal_id,),
    )
    return scope_of(project_of(row[1]) for row in rows if messages(int(row[0])))


async def _seen(work: _Work, messages: Messages = _every) -> tuple[str, str]:
    """When the sessions of the proposal's evidence (these messages of it) began and ended."""
    rows = await _all(
        work.conn,
        "SELECT e.message_id, s.started, COALESCE(s.ended, s.started) FROM proposal_evidence e "
        "JOIN sessions s ON s.id = e.session_id WHERE e.proposal_id = ?",
        (work.proposal_id,),
    )
    kept = [row for row in rows if messages(int(row[0]))]
    return (
        min((str(row[1]) for row in kept), default=work.now),
        max((str(row[2]) for row in kept), default=work.now),
    )


async def _add_evidence(work: _Work, node_id: int, messages: Messages = _every) -> None:
    rows = await _all(
        work.conn,
        "SELECT e.session_id, e.message_id, e.span_start, e.span_end FROM proposal_evidence e "
        "WHERE e.proposal_id = ? AND NOT EXISTS (SELECT 1 FROM node_evidence n "
        "WHERE n.node_id = ? AND n.message_id = e.message_id)",
        (work.proposal_id, node_id),
    )
    rows = [row for row in rows if messages(int(row[1]))]
    await work.conn.executemany(
        "INSERT INTO node_evidence (node_id, session_id, message_id, span_start, span_end) "
        "VALUES (?, ?, ?, ?, ?)",
        [(node_id, *row) for row in rows],
    )
    if rows:
        work.steps.append(["delete_evidence", [[node_id, row[1]] for row in rows]])


async def _add_payload_edge(work: _Work, edge: dict[str, Any]) -> None:
    """An edge a proposal's payload names: {"from", "to", "kind", "weight"}."""
    try:
        kind = EdgeKind(edge["kind"])
    except ValueError:
        raise InboxError(
            f"proposal {work.proposal_id} names an edge memory cannot hold: {edge['kind']}"
        ) from None
    weight = float(edge.get("weight", 1.0))
    await _add_edge(work, str(edge["from"]), str(edge["to"]), kind, weight)


async def _add_edge(work: _Work, source: str, target: str, kind: EdgeKind, weight: float) -> None:
    row = await _one(
        work.conn,
        "INSERT INTO edges (source, target, kind, weight) VALUES (?, ?, ?, ?) "
        "ON CONFLICT (source, target, kind) DO NOTHING RETURNING id",
        (source, target, kind, weight),
    )
    if row is not None:
        work.steps.append(["delete_edge", int(row[0])])
        work.edges.add(int(row[0]))


async def _occurs_with(work: _Work, node_id: int, fingerprint: str) -> None:
    """A topic or entity `occurs_with` the others sighted in SHARED_SESSIONS of its sessions or
    more, weighted by how many, over every session observed."""
    shared = await _all(
        work.conn,
        "WITH mine AS (SELECT DISTINCT o.session_id FROM observations o JOIN sessions s "
        "ON s.id = o.session_id WHERE o.pattern = ? AND s.private = 0) "
        "SELECT n.pattern, COUNT(DISTINCT o.session_id) FROM observations o "
        "JOIN node_patterns p ON p.fingerprint = o.pattern JOIN nodes n ON n.id = p.node_id "
        "WHERE o.session_id IN (SELECT session_id FROM mine) AND n.status = 'active' "
        f"AND n.id != ? AND n.kind IN ({', '.join('?' * len(DERIVED_KINDS))}) GROUP BY n.id "
        "HAVING COUNT(DISTINCT o.session_id) >= ?",
        (fingerprint, node_id, *DERIVED_KINDS, SHARED_SESSIONS),
    )
    for other_pattern, count in shared:
        await _add_edge(work, fingerprint, other_pattern, EdgeKind.OCCURS_WITH, float(count))


def _restore_step(node: Node) -> Step:
    return [
        "restore_node",
        {
            "id": node.id,
            "statement": node.statement,
            "support": node.support,
            "last_seen": node.last_seen,
            "status": node.status,
            "updated": node.updated,
            "attributes": node.attributes,
        },
    ]


async def _set_statement(
    work: _Work, node: Node, statement: str, source: int | None, reactivate: bool = False
) -> None:
    statement = redact(" ".join(statement.split()))[:STATEMENT_LIMIT]
    if not statement:
        raise InboxError(f"proposal {work.proposal_id} would leave memory {node.id} empty")
    work.steps.append(_restore_step(node))
    work.nodes.add(node.id)
    await work.conn.execute(
        "UPDATE nodes SET statement = ?, status = ?, updated = ? WHERE id = ?",
        (statement, NodeStatus.ACTIVE if reactivate else node.status, work.now, node.id),
    )
    await _record_wording(work.conn, node.id, statement, source)


async def _set_status(work: _Work, node: Node, status: NodeStatus) -> None:
    work.steps.append(_restore_step(node))
    work.nodes.add(node.id)
    await work.conn.execute(
        "UPDATE nodes SET status = ?, updated = ? WHERE id = ?", (status, work.now, node.id)
    )


async def _strengthen(
    work: _Work, node: Node, payload: dict[str, Any], support: int, statement: str | None
) -> None:
    """Reinforce (the same pattern, seen in more sessions) or merge (another pattern that says
    the same): more evidence and support; a retired node comes back."""
    work.steps.append(_restore_step(node))
    work.nodes.add(node.id)
    merged = payload.get("pattern")
    if merged:
        await work.conn.execute(
            "INSERT INTO node_patterns (fingerprint, node_id) VALUES (?, ?)", (merged, node.id)
        )
        work.steps.append(["delete_pattern", merged])
    await _add_evidence(work, node.id)
    if node.attributes.get(SCOPE) and not node.attributes.get(SCOPE_CHOSEN):
        # Seen in another project now: it applies everywhere.
        rows = await _all(
            work.conn,
            "SELECT DISTINCT s.cwd FROM node_evidence e JOIN sessions s ON s.id = e.session_id "
            "WHERE e.node_id = ?",
            (node.id,),
        )
        scope = scope_of(project_of(row[0]) for row in rows)
        if scope != node.attributes[SCOPE]:
            await work.conn.execute(
                "UPDATE nodes SET attributes = ? WHERE id = ?",
                (dumps({**node.attributes, SCOPE: scope}), node.id),
            )
    _, last = await _seen(work)
    await work.conn.execute(
        "UPDATE nodes SET support = ?, last_seen = MAX(last_seen, ?), status = 'active', "
        "statement = ?, updated = ? WHERE id = ?",
        (max(support, node.support), last, statement or node.statement, work.now, node.id),
    )
    if statement and statement != node.statement:
        await _record_wording(work.conn, node.id, statement, None)


async def reject(log: Database, proposal_id: int, batch: Batch | None = None) -> Decided:
    """Decline a pending proposal: it stays rejected unless its support at least doubles.
    Within a `batch`, one undo reverts it with the others."""
    async with log.transaction() as conn:
        await _pending(conn, proposal_id)
        now = now_iso()
        await conn.execute(
            "UPDATE proposals SET status = ?, decided = ? WHERE id = ?",
            (ProposalStatus.REJECTED, now, proposal_id),
        )
        await _record_decision(
            conn, batch, {"proposal_id": proposal_id, "verdict": Verdict.REJECTED, "decided": now}
        )
    return Decided(proposal_id, Outcome.REJECTED, f"rejected proposal {proposal_id}")


Change = Callable[[_Work, Node], Awaitable[None]]
"""An edit a person makes to an adopted memory by hand, recording how to revert it."""


async def _by_hand(log: Database, node_id: int, verdict: Verdict, change: Change) -> None:
    """Edit an active memory from the memory browser: a decision with no proposal, which
    `undo` reverts like any other."""
    async with log.transaction() as conn:
        row = await _one(conn, f"SELECT {NODE_COLUMNS} FROM nodes n WHERE n.id = ?", (node_id,))
        if row is None:
            raise InboxError(f"there is no memory {node_id}")
        node = node_from_row(row)
        if node.status != NodeStatus.ACTIVE:
            raise InboxError(f"memory {node_id} is {node.status}")
        work = _Work(conn, 0, now_iso())
        await change(work, node)
        await conn.execute(
            "INSERT INTO decisions (proposal_id, verdict, decided, undo) VALUES (NULL, ?, ?, ?)",
            (verdict, work.now, dumps(work.steps)),
        )


async def retire_by_hand(log: Database, node_id: int) -> Decided:
    """Retire a memory from the memory browser: it leaves recall, keeps its history, and
    `undo` brings it back."""

    async def retire(work: _Work, node: Node) -> None:
        await _set_status(work, node, NodeStatus.RETIRED)

    await _by_hand(log, node_id, Verdict.RETIRED_BY_HAND, retire)
    return Decided(0, Outcome.RETIRED, f"retired memory {node_id}", (node_id,))


async def learned_in(log: Database, node_id: int) -> list[str]:
    """The projects a memory's evidence sessions worked in, those with most sessions first:
    where the person may scope it."""
    rows = await log.connection.execute_fetchall(
        "SELECT DISTINCT s.id, s.cwd FROM node_evidence e JOIN sessions s ON s.id = e.session_id "
        "WHERE e.node_id = ?",
        (node_id,),
    )
    counts: dict[str, int] = {}
    for row in rows:
        project = project_of(row[1])
        if project:
            counts[project] = counts.get(project, 0) + 1
    return sorted(counts, key=lambda project: (-counts[project], project))


async def rescope_by_hand(log: Database, node_id: int, scope: str) -> Decided:
    """Set where a memory applies from the memory browser: a project's folder, or everywhere.
    Evidence from elsewhere leaves it as chosen; `undo` brings the scope back."""

    async def rescope(work: _Work, node: Node) -> None:
        work.steps.append(_restore_step(node))
        attributes = {**node.attributes, SCOPE: scope, SCOPE_CHOSEN: True}
        await work.conn.execute(
            "UPDATE nodes SET attributes = ?, updated = ? WHERE id = ?",
            (dumps(attributes), work.now, node.id),
        )

    await _by_hand(log, node_id, Verdict.RESCOPED_BY_HAND, rescope)
    where = scope_name(scope) + (" only" if scope else "")
    return Decided(0, Outcome.RESCOPED, f"memory {node_id} applies {where}", (node_id,))


async def undoable(log: Database) -> bool:
    """True when some decision is not yet undone: what `undo` would revert (a read)."""
    rows = await log.connection.execute_fetchall(
        "SELECT EXISTS (SELECT 1 FROM decisions WHERE undone IS NULL)"
    )
    return bool(next(iter(rows))[0])


async def undo(log: Database) -> Decided | None:
    """Revert the newest decision not yet undone (None when there is none), with every other
    decision of its batch (made together, undone together): each proposal is pending again,
    unless a newer proposal of the same pattern took its place meanwhile."""
    async with log.transaction() as conn:
        newest = await _one(
            conn,
            "SELECT id, batch FROM decisions WHERE undone IS NULL ORDER BY id DESC LIMIT 1",
            (),
        )
        if newest is None:
            return None
        together = "d.batch" if newest["batch"] is not None else "d.id"
        rows = await _all(
            conn,
            "SELECT d.id, d.proposal_id, d.verdict, d.undo, p.fingerprint, p.kind FROM decisions d "
            "LEFT JOIN proposals p ON p.id = d.proposal_id WHERE d.undone IS NULL "
            f"AND {together} = ? ORDER BY d.id DESC",
            (newest["batch"] if newest["batch"] is not None else newest["id"],),
        )
        nodes: set[int] = set()
        edges: set[int] = set()
        now = now_iso()
        for decision in rows:
            await _undo_one(conn, decision, now, nodes, edges)
    verdict = Verdict(rows[0]["verdict"])
    proposals = tuple(int(d["proposal_id"]) for d in rows if d["proposal_id"] is not None)
    what = {
        Verdict.ADOPTED: "the adoption of",
        Verdict.REJECTED: "the rejection of",
        Verdict.RETIRED_BY_HAND: "retiring memory",
        Verdict.RESCOPED_BY_HAND: "the new scope of memory",
    }
    if len(proposals) > 1:
        named = f"{len(proposals)} proposals: {_listed(sorted(proposals))}"
    elif proposals:
        named = str(proposals[0])
    else:
        named = ", ".join(map(str, sorted(nodes)))
    return Decided(
        proposals[0] if proposals else 0,
        Outcome.UNDONE,
        f"undid {what[verdict]} {named}",
        tuple(nodes),
        tuple(edges),
        undone=verdict,
        proposals=proposals,
    )


async def _undo_one(
    conn: aiosqlite.Connection, row: Any, now: str, nodes: set[int], edges: set[int]
) -> None:
    """Revert one decision: its steps backwards, its proposal back in the inbox (or superseded,
    when a newer one of its pattern waits there)."""
    proposal_id = row["proposal_id"]
    derived = row["kind"] is not None and MemoryKind(row["kind"]).derived
    for action, argument in reversed(json.loads(row["undo"])):
        await _revert(conn, action, argument, nodes, edges)
    if proposal_id is not None:
        newer = await _one(
            conn,
            "SELECT 1 FROM proposals WHERE fingerprint = ? AND status = 'pending' AND id != ?",
            (row["fingerprint"], proposal_id),
        )
        # A topic or entity decided before they stopped being proposals does not come back
        # to the inbox: it leaves it as those still waiting did (migration 011).
        reason = LeftInbox.ENTITIES_NOT_PROPOSED if derived else None
        reason = LeftInbox.NEWER_PROPOSAL if newer else reason
        await conn.execute(
            "UPDATE proposals SET status = ?, decided = ?, reason = ? WHERE id = ?",
            (
                ProposalStatus.SUPERSEDED if reason else ProposalStatus.PENDING,
                now if reason else None,
                reason,
                proposal_id,
            ),
        )
    await conn.execute("UPDATE decisions SET undone = ? WHERE id = ?", (now, row["id"]))


async def _restore_wording(conn: aiosqlite.Connection, node_id: int, statement: str) -> None:
    """An undo that gives a memory back an earlier wording adds it to the history again, with
    the source that wording had."""
    current = await _one(conn, "SELECT statement FROM nodes WHERE id = ?", (node_id,))
    if current is None or current[0] == statement:
        return
    earlier = await _one(
        conn,
        "SELECT source_message_id FROM statement_versions WHERE node_id = ? AND statement = ? "
        "ORDER BY id DESC LIMIT 1",
        (node_id, statement),
    )
    await _record_wording(conn, node_id, statement, earlier[0] if earlier else None)


async def _revert(
    conn: aiosqlite.Connection, action: str, argument: Any, nodes: set[int], edges: set[int]
) -> None:
    if action == "delete_node":
        await conn.execute("DELETE FROM node_evidence WHERE node_id = ?", (argument,))
        await conn.execute("DELETE FROM node_patterns WHERE node_id = ?", (argument,))
        await conn.execute("DELETE FROM nodes WHERE id = ?", (argument,))
        nodes.add(int(argument))
    elif action == "delete_evidence":
        await conn.executemany(
            "DELETE FROM node_evidence WHERE node_id = ? AND message_id = ?", argument
        )
    elif action == "delete_edge":
        await conn.execute("DELETE FROM edges WHERE id = ?", (argument,))
        edges.add(int(argument))
    elif action == "delete_pattern":
        await conn.execute("DELETE FROM node_patterns WHERE fingerprint = ?", (argument,))
    elif action == "restore_node":
        await _restore_wording(conn, int(argument["id"]), str(argument["statement"]))
        if "attributes" in argument:  # undo steps recorded before scopes have none
            await conn.execute(
                "UPDATE nodes SET attributes = ? WHERE id = ?",
                (dumps(argument["attributes"]), argument["id"]),
            )
        await conn.execute(
            "UPDATE nodes SET statement = ?, support = ?, last_seen = ?, status = ?, "
            "updated = ? WHERE id = ?",
            (
                argument["statement"],
                argument["support"],
                argument["last_seen"],
                argument["status"],
                argument["updated"],
                argument["id"],
            ),
        )
        nodes.add(int(argument["id"]))
    else:
        raise InboxError(f"cannot undo a step Reverie does not know: {action}")
