"""The person's marks as evidence: a reply marked bad that followed recalled memory counts
against each memory recalled for the turn it answered. A memory that replies marked bad
followed in enough of the person's sessions (`min_support`) becomes a `retire` proposal, its
evidence those replies, for the person to judge: the dreamer writes no memory."""

from __future__ import annotations

import json
from collections import defaultdict

from dreamer.journal import NewProposal
from memory_graph.memory.confidence import AGAINST
from memory_graph.memory.evidence import Evidence
from memory_graph.memory.nodes import NODE_COLUMNS, node_from_row
from memory_graph.memory.vocabulary import ProposalOp
from memory_graph.store.marks import MARK, Mark
from memory_graph.store.session_log import SessionLog
from memory_graph.store.sql import where_in

_BAD_REPLIES = (
    "SELECT e.session_id, e.message_id, (SELECT r.data FROM events r WHERE r.session_id = "
    "e.session_id AND r.kind = 'recall' AND r.message_id = (SELECT MAX(u.id) FROM messages u "
    "WHERE u.session_id = e.session_id AND u.role = 'user' AND u.id < e.message_id)) AS recalled "
    "FROM events e JOIN sessions s ON s.id = e.session_id "
    f"WHERE e.kind = '{MARK}' AND json_extract(e.data, '$.reply') = '{Mark.BAD.value}' "
    "AND s.private = 0"
)
"""Every reply marked bad, outside private sessions, with what was recalled for its turn."""
REPLY_SPAN = 200
"""How much of a reply marked bad its evidence shows."""


async def marked_against(log: SessionLog, min_support: int) -> list[NewProposal]:
    """`retire` for the active memories that replies marked bad followed in at least
    `min_support` of the person's sessions. Read only when some reply is marked bad: a dream
    of a log without such marks reads no memory and no session here."""
    marked = list(await log.connection.execute_fetchall(_BAD_REPLIES))
    if not marked:
        return []
    roots = await log.session_roots()
    against: dict[int, dict[int, Evidence]] = defaultdict(dict)
    for session_id, message_id, recalled in marked:
        if not recalled:
            continue
        data = json.loads(recalled)
        for node_id in data.get("memories", []):
            root = roots.get(int(session_id), int(session_id))
            link = Evidence(int(session_id), int(message_id), (0, REPLY_SPAN))
            against[int(node_id)].setdefault(root, link)
    named = [node_id for node_id, sessions in against.items() if len(sessions) >= min_support]
    rows = await where_in(
        log,
        f"SELECT {NODE_COLUMNS} FROM nodes n WHERE n.status = 'active' AND n.id IN ({{}})",
        named,
    )
    memories = sorted((node_from_row(row) for row in rows), key=lambda node: node.id)
    proposals = []
    for memory in memories:
        sessions = against[memory.id]
        proposals.append(
            NewProposal(
                op=ProposalOp.RETIRE,
                kind=memory.kind,
                statement=(
                    f'Retire "{memory.statement}"? Replies that followed it were marked bad in '
                    f"{len(sessions)} sessions."
                ),
                confidence=0.75,
                support=len(sessions),
                fingerprint=f"marked-bad:{memory.pattern}:{len(sessions)}",
                evidence=sorted(sessions.values(), key=lambda link: link.message_id),
                payload={"target": memory.pattern, AGAINST: True},
            )
        )
    return proposals
