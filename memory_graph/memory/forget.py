"""Forget a session: the one way anything is deleted. The session, its messages (and their
full-text rows), events and drafts go; so does everything derived from it: its observations,
the memories whose only evidence it was, the proposals not adopted that cite it, and the model
calls that read it. Memories that other sessions also justify stay, without its evidence; one
whose wording was taken from the session is retired, its wording taken away, and a re-wording
from its remaining evidence waits in the inbox (forget writes no memory nobody adopted). Copies
of a forgotten wording go too: in adopted proposals, in the steps that undo decisions, and in
system prompts logged before recall logged by reference (each such rewrite is recorded in
`prompt_scrubs`). The forgetting itself is logged (`forget_log`: which session, when, why;
nothing of its content).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field, replace

import aiosqlite

from memory_graph.memory.nodes import NODE_COLUMNS, Node, node_from_row
from memory_graph.memory.vocabulary import NodeStatus, ProposalOp
from memory_graph.store.content import excerpt
from memory_graph.store.database import Database
from memory_graph.store.errors import StoreError
from memory_graph.store.records import dumps, now_iso

UNWORDED = "(its wording came from a forgotten session; a new wording waits in the inbox)"
"""What a memory says once forget took its wording: retired, it is never recalled."""


@dataclass(frozen=True)
class Forgotten:
    """What forgetting a session removed (or, previewed, would remove)."""

    session_id: int
    external_id: str
    messages: int
    memories: tuple[int, ...]
    """Memories removed: the session was their only evidence."""
    proposals: int
    reworded: tuple[int, ...] = ()
    """Memories retired because their wording came from the session; a re-wording is pending."""
    kept: tuple[int, ...] = ()
    """Memories that stay, backed by other sessions, without this one's evidence."""
    statements: dict[int, str] = field(default_factory=dict)
    """What each memory above said before the session went."""
    title: str = ""
    source: str = ""


class _Previewed(Exception):
    """Ends a preview's transaction, which rolls back, carrying what it would have done."""

    def __init__(self, forgotten: Forgotten) -> None:
        super().__init__("previewed")
        self.forgotten = forgotten


async def _ids(conn: aiosqlite.Connection, sql: str, args: tuple[object, ...]) -> list[int]:
    async with conn.execute(sql, args) as cursor:
        return [int(row[0]) for row in await cursor.fetchall()]


async def forget(log: Database, session_id: int, reason: str = "") -> Forgotten:
    """Remove a session and everything derived only from it, in one transaction."""
    async with log.transaction() as conn:
        return await _forget(conn, session_id, reason)


async def preview(log: Database, session_id: int) -> Forgotten:
    """What `forget` would remove, found by forgetting in a transaction that is rolled back:
    the very same steps, so what a person is asked to confirm is exactly what will go."""
    try:
        async with log.transaction() as conn:
            raise _Previewed(await _forget(conn, session_id, ""))
    except _Previewed as previewed:
        return previewed.forgotten


async def _forget(conn: aiosqlite.Connection, session_id: int, reason: str) -> Forgotten:
    async with conn.execute(
        "SELECT external_id, title, source FROM sessions WHERE id = ?", (session_id,)
    ) as cursor:
        row = await cursor.fetchone()
    if row is None:
        raise StoreError(f"there is no session {session_id}: `reverie sessions` lists them")
    external_id, title, source = str(row[0]), str(row[1] or ""), str(row[2])
    # Logged first: the append-only triggers let a logged session's rows go.
    logged = await _ids(
        conn,
        "INSERT INTO forget_log (session_id, external_id, reason, created) "
        "VALUES (?, ?, ?, ?) RETURNING id",
        (session_id, external_id, reason, now_iso()),
    )
    sourced = await _ids_and_texts(
        conn,
        "SELECT v.node_id, v.statement FROM statement_versions v JOIN messages m "
        "ON m.id = v.source_message_id WHERE m.session_id = ?",
        (session_id,),
    )
    # Every wording of every memory the session backs, read before any of it goes: those
    # of memories that leave (or lose their wording) are copies to take out too, whatever
    # their recorded source (rows from before sources were recorded have none).
    touched = await _ids_and_texts(
        conn,
        "SELECT v.node_id, v.statement FROM statement_versions v WHERE v.node_id IN "
        "(SELECT node_id FROM node_evidence WHERE session_id = ?)",
        (session_id,),
    )
    statements = dict(
        await _ids_and_texts(
            conn,
            "SELECT id, statement FROM nodes WHERE id IN "
            "(SELECT node_id FROM node_evidence WHERE session_id = ?) ORDER BY id",
            (session_id,),
        )
    )
    touched_nodes = tuple(statements)
    await _scrub_attributes(conn, session_id)
    memories = await _forget_memories(conn, session_id)
    # After the evidence went: the proposal is made against the memory as it is left.
    reworded = await _reword(conn, session_id, {node for node, _ in sourced})
    gone = set(memories) | set(reworded)
    wordings = {text for _, text in sourced} | {t for node, t in touched if node in gone}
    await _scrub_copies(conn, session_id, logged[0], wordings, gone)
    proposals = await _forget_proposals(conn, session_id)
    await conn.execute(
        "DELETE FROM statement_versions WHERE source_message_id IN "
        "(SELECT id FROM messages WHERE session_id = ?)",
        (session_id,),
    )
    await conn.execute("DELETE FROM observations WHERE session_id = ?", (session_id,))
    # A dream's request to a model held the session's text.
    await conn.execute(
        "DELETE FROM dream_model_calls WHERE instr(request, ?) > 0",
        (f'<session id=\\"{session_id}\\"',),
    )
    await conn.execute("UPDATE sessions SET parent_id = NULL WHERE parent_id = ?", (session_id,))
    await conn.execute(
        "UPDATE sessions SET continues_id = NULL WHERE continues_id = ?", (session_id,)
    )
    await conn.execute("DELETE FROM drafts WHERE session_id = ?", (session_id,))
    await conn.execute("DELETE FROM events WHERE session_id = ?", (session_id,))
    # Before the messages they point to (a foreign key), which the trigger checks against.
    await conn.execute(
        "DELETE FROM message_origins WHERE message_id IN "
        "(SELECT id FROM messages WHERE session_id = ?)",
        (session_id,),
    )
    cursor = await conn.execute("DELETE FROM messages WHERE session_id = ?", (session_id,))
    messages = cursor.rowcount
    await cursor.close()
    await conn.execute("DELETE FROM sessions WHERE id = ?", (session_id,))
    return Forgotten(
        session_id,
        external_id,
        messages,
        memories,
        proposals,
        reworded,
        kept=tuple(node for node in touched_nodes if node not in memories),
        statements=statements,
        title=title,
        source=source,
    )


async def _ids_and_texts(
    conn: aiosqlite.Connection, sql: str, args: tuple[object, ...]
) -> list[tuple[int, str]]:
    async with conn.execute(sql, args) as cursor:
        return [(int(row[0]), str(row[1])) for row in await cursor.fetchall()]


async def _reword(conn: aiosqlite.Connection, session_id: int, worded: set[int]) -> tuple[int, ...]:
    """Retire the memories whose current wording the session gave and that other sessions
    still back, and propose each a wording from that remaining evidence (those it alone backed
    go with it)."""
    reworded = []
    for node_id in sorted(worded):
        async with conn.execute(
            f"SELECT {NODE_COLUMNS} FROM nodes n WHERE n.id = ? AND (SELECT m.session_id FROM "
            "statement_versions v JOIN messages m ON m.id = v.source_message_id WHERE "
            "v.node_id = n.id ORDER BY v.id DESC LIMIT 1) = ?",
            (node_id, session_id),
        ) as cursor:
            row = await cursor.fetchone()
        if row is None:
            continue  # a later wording (the person's, or from elsewhere) is what it says now
        async with conn.execute(
            "SELECT e.session_id, e.message_id, e.span_start, e.span_end, m.text "
            "FROM node_evidence e JOIN messages m ON m.id = e.message_id "
            "WHERE e.node_id = ? AND e.session_id != ? ORDER BY e.message_id",
            (node_id, session_id),
        ) as cursor:
            remaining = list(await cursor.fetchall())
        if not remaining:
            continue  # it left with its only evidence
        node = node_from_row(row)
        # A memory the person retired, or that another replaced, keeps its status: only an
        # active one waits for a new wording, whose adoption makes it active again.
        status = NodeStatus.RETIRED if node.status == NodeStatus.ACTIVE else node.status
        await conn.execute(
            "UPDATE nodes SET statement = ?, status = ?, updated = ? WHERE id = ?",
            (UNWORDED, status, now_iso(), node_id),
        )
        if node.status == NodeStatus.ACTIVE:
            await _propose_rewording(conn, node, remaining)
        reworded.append(node_id)
    return tuple(reworded)


async def _propose_rewording(
    conn: aiosqlite.Connection, node: Node, remaining: list[aiosqlite.Row]
) -> None:
    """A pending proposal to word a retired memory anew, from the first of its remaining
    evidence, in a `dreams` row of its own (trigger `forget`) so that the inbox can say where
    it came from."""
    _, message_id, start, end, text = remaining[0]
    wording = excerpt(str(text), int(start), int(end))
    retired = replace(node, statement=UNWORDED, status=NodeStatus.RETIRED)
    now = now_iso()
    dream = await _ids(
        conn,
        "INSERT INTO dreams (trigger, started, finished, seconds, sessions, extractors, counts) "
        "VALUES ('forget', ?, ?, 0, '[]', '{}', ?) RETURNING id",
        (now, now, dumps({node.kind: 1})),
    )
    sessions = len({row[0] for row in remaining})
    payload = {
        "target": node.pattern,
        "statement": wording,
        "reactivate": True,
        "node": {"statement": wording, "source_message": int(message_id)},
    }
    proposal = await _ids(
        conn,
        "INSERT INTO proposals (dream_id, op, kind, statement, payload, confidence, support, "
        "fingerprint, graph_hash, created) VALUES (?, ?, ?, ?, ?, 0.5, ?, ?, ?, ?) RETURNING id",
        (
            dream[0],
            ProposalOp.UPDATE_STATEMENT,
            node.kind,
            f"Memory {node.id} lost its wording to a forgotten session; from its remaining "
            f'evidence: "{wording}"',
            dumps(payload),
            sessions,
            f"reword:{node.pattern}:{dream[0]}",
            retired.state_hash,
            now,
        ),
    )
    await conn.executemany(
        "INSERT OR IGNORE INTO proposal_evidence (proposal_id, session_id, message_id, "
        "span_start, span_end) VALUES (?, ?, ?, ?, ?)",
        [(proposal[0], *row[:4]) for row in remaining],
    )


async def _scrub_copies(
    conn: aiosqlite.Connection,
    session_id: int,
    forget_id: int,
    wordings: set[str],
    gone: set[int],
) -> None:
    """Take the forgotten session's words out of what copied them: the adopted proposals that
    cite it (their statement and the memories they worded), the steps that would undo a decision
    back to a forgotten wording, and system prompts logged with recalled text in them (before
    recall logged by reference)."""
    wordings.discard("")
    await conn.execute(
        "UPDATE proposals SET statement = ?, payload = json_remove(payload, '$.node', "
        "'$.statement', '$.also') WHERE status = 'adopted' AND id IN "
        "(SELECT proposal_id FROM proposal_evidence WHERE session_id = ?)",
        (UNWORDED, session_id),
    )
    for decision_id, undo in await _ids_and_texts(conn, "SELECT id, undo FROM decisions", ()):
        steps = json.loads(undo)
        for action, argument in steps:
            if action == "restore_node" and argument.get("statement") in wordings:
                # Undone, it would be a memory saying nothing: it comes back retired.
                argument["statement"], argument["status"] = UNWORDED, NodeStatus.RETIRED
        if dumps(steps) != dumps(json.loads(undo)):
            await conn.execute(
                "UPDATE decisions SET undo = ? WHERE id = ?", (dumps(steps), decision_id)
            )
    await _scrub_prompts(conn, session_id, forget_id, wordings, gone)


async def _scrub_attributes(conn: aiosqlite.Connection, session_id: int) -> None:
    """A memory's attributes (the words it is compared by, a request, a command) were read from
    one of its sessions: what of them only the forgotten session said goes."""
    async with conn.execute(
        "SELECT n.id, n.attributes FROM nodes n WHERE n.id IN "
        "(SELECT node_id FROM node_evidence WHERE session_id = ?)",
        (session_id,),
    ) as cursor:
        nodes = [(int(row[0]), json.loads(row[1])) for row in await cursor.fetchall()]
    for node_id, attributes in nodes:
        forgotten = await _texts(
            conn,
            "SELECT lower(m.text) FROM node_evidence e JOIN messages m ON m.id = e.message_id "
            "WHERE e.node_id = ? AND e.session_id = ?",
            (node_id, session_id),
        )
        kept = await _texts(
            conn,
            "SELECT lower(m.text) FROM node_evidence e JOIN messages m ON m.id = e.message_id "
            "WHERE e.node_id = ? AND e.session_id != ?",
            (node_id, session_id),
        )
        scrubbed = _without(attributes, forgotten, kept)
        if scrubbed != attributes:
            await conn.execute(
                "UPDATE nodes SET attributes = ? WHERE id = ?", (dumps(scrubbed), node_id)
            )


def _without(
    attributes: dict[str, object], forgotten: list[str], kept: list[str]
) -> dict[str, object]:
    """The attributes less the texts (and the items of lists) that occur in the forgotten
    texts and in none of those kept."""

    def only_forgotten(value: object) -> bool:
        text = str(value).lower()
        return any(text in t for t in forgotten) and not any(text in t for t in kept)

    return {
        key: [item for item in value if not only_forgotten(item)]
        if isinstance(value, list)
        else value
        for key, value in attributes.items()
        if isinstance(value, list) or not (isinstance(value, str) and only_forgotten(value))
    }


async def _texts(conn: aiosqlite.Connection, sql: str, args: tuple[object, ...]) -> list[str]:
    async with conn.execute(sql, args) as cursor:
        return [str(row[0]) for row in await cursor.fetchall()]


async def _scrub_prompts(
    conn: aiosqlite.Connection,
    session_id: int,
    forget_id: int,
    wordings: set[str],
    gone: set[int],
) -> None:
    """Remove, from system prompts of other sessions logged with recalled text, the lines that
    quote the session, a memory that left or lost its wording, or a forgotten wording; each
    rewrite is recorded in `prompt_scrubs`."""
    markers = [f"[session {session_id}, message ", *(f"[memory {node}, " for node in gone)]
    for message_id, text in await _ids_and_texts(
        conn,
        "SELECT id, text FROM messages WHERE role = 'system' AND session_id != ? "
        "AND (instr(text, '[memory ') > 0 OR instr(text, '[session ') > 0)",
        (session_id,),
    ):
        kept = [
            line
            for line in text.split("\n")
            if not any(marker in line for marker in markers)
            and not any(wording in line for wording in wordings)
        ]
        if len(kept) == text.count("\n") + 1:
            continue
        scrubbed = "\n".join(kept)
        await conn.execute(
            "INSERT INTO prompt_scrubs (message_id, forget_id, created, open) VALUES (?, ?, ?, 1)",
            (message_id, forget_id, now_iso()),
        )
        await conn.execute(
            "UPDATE messages SET content = ?, text = ? WHERE id = ?",
            (dumps([{"type": "text", "text": scrubbed}]), scrubbed, message_id),
        )
        await conn.execute(
            "UPDATE prompt_scrubs SET open = 0 WHERE message_id = ? AND forget_id = ?",
            (message_id, forget_id),
        )


async def _forget_memories(conn: aiosqlite.Connection, session_id: int) -> tuple[int, ...]:
    """Drop the session's evidence from memories; remove those left with none."""
    touched = await _ids(
        conn, "SELECT DISTINCT node_id FROM node_evidence WHERE session_id = ?", (session_id,)
    )
    await conn.execute("DELETE FROM node_evidence WHERE session_id = ?", (session_id,))
    removed = []
    for node_id in touched:
        left = await _ids(conn, "SELECT 1 FROM node_evidence WHERE node_id = ? LIMIT 1", (node_id,))
        if left:
            await conn.execute(
                "UPDATE nodes SET support = MAX(support - 1, 1), updated = ? WHERE id = ?",
                (now_iso(), node_id),
            )
            continue
        await conn.execute(
            "DELETE FROM edges WHERE source IN (SELECT fingerprint FROM node_patterns "
            "WHERE node_id = ?1) OR target IN (SELECT fingerprint FROM node_patterns "
            "WHERE node_id = ?1)",
            (node_id,),
        )
        await conn.execute("DELETE FROM node_patterns WHERE node_id = ?", (node_id,))
        await conn.execute("DELETE FROM nodes WHERE id = ?", (node_id,))
        # The memory is gone: the history of its wordings goes with it.
        await conn.execute("DELETE FROM statement_versions WHERE node_id = ?", (node_id,))
        removed.append(node_id)
    return tuple(removed)


async def _forget_proposals(conn: aiosqlite.Connection, session_id: int) -> int:
    """Remove the proposals not adopted that cite the session (their statements may quote
    it); adopted ones only lose the link, their memory was handled above."""
    cited = await _ids(
        conn,
        "SELECT DISTINCT p.id FROM proposal_evidence e JOIN proposals p ON p.id = e.proposal_id "
        "WHERE e.session_id = ? AND p.status != 'adopted'",
        (session_id,),
    )
    await conn.execute("DELETE FROM proposal_evidence WHERE session_id = ?", (session_id,))
    for proposal_id in cited:
        await conn.execute("DELETE FROM proposal_evidence WHERE proposal_id = ?", (proposal_id,))
        await conn.execute("DELETE FROM decisions WHERE proposal_id = ?", (proposal_id,))
        await conn.execute("DELETE FROM proposals WHERE id = ?", (proposal_id,))
    return len(cited)


async def vacuum(log: Database) -> None:
    """Rewrite the database so that forgotten text leaves the file itself, not only the
    tables: the full-text index is merged, then the file is rebuilt."""
    async with log.transaction() as conn:
        await conn.execute("INSERT INTO messages_fts (messages_fts) VALUES ('optimize')")
        await conn.execute("INSERT INTO nodes_fts (nodes_fts) VALUES ('optimize')")
    await log.connection.execute("VACUUM")
    # The write-ahead log still holds old pages until it is checkpointed and truncated.
    await log.connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
