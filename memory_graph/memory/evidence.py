"""Evidence: the messages a memory or a proposal rests on, from the extractor that found them to
the screen and `--json` that show them. Read back, a link carries the external ids a person can
find the message by and, for a node or a proposal, the excerpt it points at (redacted)."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from enum import StrEnum
from typing import Any

from memory_graph.store.content import excerpt
from memory_graph.store.database import Database


@dataclass(frozen=True)
class Evidence:
    """A link to the message that supports a memory or a proposal (or, for an episode, the
    message recall found)."""

    session_id: int
    message_id: int
    span: tuple[int, int]
    """Where in the message's text the evidence is."""
    session_external_id: str | None = None
    message_external_id: str | None = None
    excerpt: str | None = None
    """The words at the span, redacted: read for a node or a proposal, not for recall."""

    def to_json(self) -> dict[str, Any]:
        """A piece of evidence as every command prints it."""
        shown: dict[str, Any] = {
            "session_id": self.session_id,
            "session_external_id": self.session_external_id,
            "message_id": self.message_id,
            "message_external_id": self.message_external_id,
        }
        if self.excerpt is not None:
            shown["excerpt"] = self.excerpt
        return shown


def evidence_link(row: sqlite3.Row) -> Evidence:
    """Evidence from a row naming `session_id`, `session_external_id`, `message_id`,
    `message_external_id`, `span_start` and `span_end`."""
    return Evidence(
        int(row["session_id"]),
        int(row["message_id"]),
        (int(row["span_start"]), int(row["span_end"])),
        row["session_external_id"],
        row["message_external_id"],
    )


class Owner(StrEnum):
    """What evidence can back: an adopted memory or a proposal."""

    NODE = "node"
    PROPOSAL = "proposal"


_TABLES = {
    Owner.NODE: ("node_evidence", "node_id"),
    Owner.PROPOSAL: ("proposal_evidence", "proposal_id"),
}


async def evidence_of(log: Database, owner: Owner, owner_id: int) -> list[Evidence]:
    """The evidence of a node or a proposal, each link with the excerpt it points at, redacted:
    why a memory is believed, why a proposal is made."""
    table, column = _TABLES[owner]
    rows = await log.connection.execute_fetchall(
        "SELECT e.session_id, s.external_id AS session_external_id, e.message_id, "
        "m.external_id AS message_external_id, m.text, e.span_start, e.span_end "
        f"FROM {table} e JOIN sessions s ON s.id = e.session_id "
        f"JOIN messages m ON m.id = e.message_id WHERE e.{column} = ? "
        "ORDER BY e.session_id, e.message_id",
        (owner_id,),
    )
    return [
        Evidence(
            row["session_id"],
            row["message_id"],
            (row["span_start"], row["span_end"]),
            row["session_external_id"],
            row["message_external_id"],
            excerpt(str(row["text"]), row["span_start"], row["span_end"]),
        )
        for row in rows
    ]
