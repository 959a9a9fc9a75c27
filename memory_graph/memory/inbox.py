"""The inbox as the person judges it: the pending proposals, each with whether what it edits
changed since (the dreamer writes them: `dreamer.journal`). The one reader of the inbox, for
`reverie inbox` and the inbox screen alike."""

from __future__ import annotations

import json
from dataclasses import dataclass
from typing import Any

from memory_graph.memory.evidence import Evidence, Owner, evidence_of
from memory_graph.memory.nodes import Node, nodes_of, state_hashes
from memory_graph.memory.projects import EVERYWHERE, SCOPE, SCOPE_CHOSEN, project_of, scope_of
from memory_graph.memory.vocabulary import DREAM_SOURCE, MemoryKind, ProposalOp, suggested
from memory_graph.store.database import Database
from memory_graph.store.errors import InboxError

Strength = tuple[float, int]
"""A sort key, strongest first: see `strength`."""


INSTEAD_OF = "instead_of"
"""The payload key of a `supersede`: the wording of the memory it would replace."""
CONFLICT = "conflict"
"""The payload key of a `supersede` the dreamer cannot order (the person said both, in turn):
which stands is theirs to say."""


def strength(confidence: float, support: int) -> Strength:
    """How a proposal ranks, strongest first, for the page a dream fills (`dreamer.page`) and
    within each kind of the inbox alike. Confidence first: it is support's own measure
    (1 - 0.5^support) lowered where the evidence is doubtful (a fix that followed only some of
    its failures, a pattern only the model saw); support breaks its ties, which are many where
    it rounds to 1.0."""
    return (-confidence, -support)


async def count_pending(log: Database) -> int:
    """How many proposals wait in the inbox."""
    async with log.connection.execute(
        "SELECT COUNT(*) FROM proposals WHERE status = 'pending'"
    ) as cursor:
        row = await cursor.fetchone()
    return int(row[0]) if row else 0


async def pending_ids(log: Database) -> list[int]:
    """The ids of the proposals waiting in the inbox."""
    rows = await log.connection.execute_fetchall(
        "SELECT id FROM proposals WHERE status = 'pending' ORDER BY id"
    )
    return [int(row["id"]) for row in rows]


@dataclass(frozen=True)
class InboxItem:
    """A pending proposal as the person judges it."""

    id: int
    op: ProposalOp
    kind: MemoryKind
    statement: str
    memory: str
    """The memory it would add, as a person may edit it before adopting."""
    confidence: float
    support: int
    dream_id: int | None
    """None for an agent's suggestion (`source`)."""
    created: str
    first_seen: str
    last_seen: str
    stale: bool
    """What it edits changed since it was made: adopting it would apply nothing."""
    flag: str = ""
    """A warning for the person judging it: its words read like an instruction to the model."""
    also: tuple[str, ...] = ()
    """The memories it adds with its own (a failure's fix, the workflow that needs it)."""
    scope: str = EVERYWHERE
    """Where the memory would apply: the one project its sessions worked in, or everywhere
    (or what the person chose: `choose_scope`)."""
    learned_in: str = EVERYWHERE
    """The one project its sessions worked in, if they worked in one."""
    replaces: int | None = None
    """For a `supersede`: the memory it would replace (its evidence is the other side's)."""
    instead_of: str = ""
    """For a `supersede`: what that memory says."""
    conflict: bool = False
    """For a `supersede`: the person said both in turn, so which stands is theirs to say."""
    source: str = DREAM_SOURCE
    """Who proposed it: a dream, or an agent over MCP (`mcp:<client>`)."""
    reason: str = ""
    """For an agent's suggestion, the reason it gave (redacted): its only evidence, unverified."""

    @property
    def group(self) -> str:
        """The inbox's group it is shown in: its kind for a dream's, its source for an agent's
        suggestions (they are judged apart: nothing in the sessions backs them)."""
        return self.source if suggested(self.source) else self.kind

    def to_json(self, evidence: list[Evidence], replaced: list[Evidence]) -> dict[str, Any]:
        """The `reverie inbox --json` shape of a proposal, with its evidence and, for a
        `supersede`, the memory it would replace with that memory's evidence."""
        instead_of = (
            {
                "node_id": self.replaces,
                "statement": self.instead_of,
                "evidence": [link.to_json() for link in replaced],
            }
            if self.replaces is not None
            else None
        )
        return {
            "id": self.id,
            "op": self.op,
            "kind": self.kind,
            "statement": self.statement,
            "memory": self.memory,
            "also": list(self.also),
            "confidence": self.confidence,
            "support": self.support,
            "evidence": [link.to_json() for link in evidence],
            "dream_id": self.dream_id,
            "created": self.created,
            "first_seen": self.first_seen,
            "last_seen": self.last_seen,
            "stale": self.stale,
            "flag": self.flag or None,
            "scope": self.scope,
            "instead_of": instead_of,
            "conflict": self.conflict,
            "source": self.source,
            "unverified_reason": self.reason or None,
        }


async def pending(log: Database) -> list[InboxItem]:
    """The inbox: pending proposals grouped by kind (in `MemoryKind`'s order: what changes
    behaviour first), then strongest first (`strength`), then oldest first; agents' suggestions
    after them, grouped by source, in the same order within each."""
    rows = list(
        await log.connection.execute_fetchall(
            "SELECT p.id, p.op, p.kind, p.statement, p.payload, p.confidence, p.support, "
            "p.dream_id, p.created, p.fingerprint, p.graph_hash, p.source, "
            "MIN(s.started) AS first_seen, "
            "MAX(COALESCE(s.ended, s.started)) AS last_seen, json_group_array(DISTINCT s.cwd) "
            "AS folders FROM proposals p "
            "LEFT JOIN proposal_evidence e ON e.proposal_id = p.id "
            "LEFT JOIN sessions s ON s.id = e.session_id WHERE p.status = 'pending' GROUP BY p.id"
        )
    )
    payloads = {row["id"]: json.loads(row["payload"]) for row in rows}
    targets = {
        row["id"]: str(payloads[row["id"]].get("target", row["fingerprint"])) for row in rows
    }
    current = await state_hashes(log, sorted(set(targets.values())))
    replaced = await nodes_of(
        log,
        sorted({targets[row["id"]] for row in rows if row["op"] == ProposalOp.SUPERSEDE}),
    )
    items = []
    for row in rows:
        payload = payloads[row["id"]]
        node = payload.get("node")
        memory = str(node.get("statement", "")) if isinstance(node, dict) else ""
        learned_in = scope_of(project_of(f) for f in json.loads(row["folders"] or "[]"))
        items.append(
            InboxItem(
                id=row["id"],
                op=ProposalOp(row["op"]),
                kind=MemoryKind(row["kind"]),
                statement=row["statement"],
                memory=memory or row["statement"],
                confidence=row["confidence"],
                support=row["support"],
                dream_id=row["dream_id"],
                created=row["created"],
                first_seen=row["first_seen"] or "",
                last_seen=row["last_seen"] or "",
                stale=current[targets[row["id"]]] != row["graph_hash"],
                flag=str(payload.get("flag") or ""),
                also=tuple(
                    str(part["node"]["statement"])
                    for part in payload.get("also", [])
                    if isinstance(part, dict) and isinstance(part.get("node"), dict)
                ),
                scope=_scope(node, learned_in),
                learned_in=learned_in,
                **_replacing(replaced.get(targets[row["id"]]), row["op"], payload),
                source=row["source"],
                reason=str(payload.get("reason") or ""),
            )
        )
    order = list(MemoryKind)
    return sorted(
        items,
        key=lambda i: (
            suggested(i.source),
            i.source,
            order.index(i.kind),
            strength(i.confidence, i.support),
            i.id,
        ),
    )


def _replacing(old: Node | None, op: str, payload: dict[str, Any]) -> dict[str, Any]:
    """What a `supersede` would replace, for InboxItem: nothing for other proposals."""
    if op != ProposalOp.SUPERSEDE or old is None:
        return {}
    return {
        "replaces": old.id,
        "instead_of": old.statement,
        "conflict": bool(payload.get(CONFLICT)),
    }


def _scope(node: object, learned_in: str) -> str:
    """A proposal's scope: the person's choice, else where its sessions worked."""
    if isinstance(node, dict) and SCOPE in node:
        return str(node[SCOPE])
    return learned_in


async def choose_scope(log: Database, proposal_id: int, scope: str) -> None:
    """Set where a pending proposal's memory will apply: a project's folder, or everywhere."""
    async with log.transaction() as conn:
        rows = list(
            await conn.execute_fetchall(
                "SELECT payload FROM proposals WHERE id = ? AND status = 'pending'",
                (proposal_id,),
            )
        )
        if not rows:
            raise InboxError(f"no pending proposal {proposal_id}")
        payload = json.loads(rows[0][0])
        node = payload.get("node")
        if not isinstance(node, dict):
            raise InboxError(f"proposal {proposal_id} adds no memory to scope")
        payload["node"] = {**node, SCOPE: scope, SCOPE_CHOSEN: True}
        await conn.execute(
            "UPDATE proposals SET payload = ? WHERE id = ?", (json.dumps(payload), proposal_id)
        )


async def with_evidence(log: Database) -> list[tuple[InboxItem, list[Evidence]]]:
    """The inbox as `reverie inbox` lists it: each pending proposal with its evidence, in the
    inbox's order."""
    return [(item, await evidence_of(log, Owner.PROPOSAL, item.id)) for item in await pending(log)]


async def as_json(log: Database) -> list[dict[str, Any]]:
    """Every pending proposal as `reverie inbox --json` prints it, in the inbox's order."""
    return [
        item.to_json(evidence, await replaced_evidence(log, item))
        for item, evidence in await with_evidence(log)
    ]


async def replaced_evidence(log: Database, item: InboxItem) -> list[Evidence]:
    """The evidence of the memory a `supersede` would replace (none for other proposals): the
    person judges a change of mind with what was said on each side."""
    if item.replaces is None:
        return []
    return await evidence_of(log, Owner.NODE, item.replaces)
