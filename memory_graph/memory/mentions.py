"""What an adopted memory mentions: the programs, files, projects and names it names that the
sessions behind it worked with. Topics and entities are never proposed on their own (a person
judges claims, not words); adoption makes them nodes from what a memory mentions and links the
memory to them (`about`), so recall's graph expansion and the memory browser can go from one
memory to the others about the same thing.

A mention needs both: the name in the memory's wording (as adopted, the person's edit included)
and a sighting of it, by the dreamer's entity extractor, in a session the memory was observed in.
The sightings are the entity's evidence, so every entity traces to sessions like any memory.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

import aiosqlite

from memory_graph.memory.evidence import Evidence
from memory_graph.memory.vocabulary import DERIVED_KINDS, MemoryKind
from memory_graph.store.sql import roots_cte

EVIDENCE_PER_ENTITY = 12
"""Sightings kept as an entity's evidence: the first of each session, oldest first."""
_CASED_LABELS = frozenset({"program", "file", "name"})
"""Labels whose names are matched case and all: `make` the program is not "Make sure…", Mark
the colleague not "mark it as done"."""
_WORDING = {
    "project": "The project {name!r}",
    "program": "The program `{name}`",
    "file": "The file `{name}`",
    "name": "{name!r}, a name the user uses",
}


@dataclass(frozen=True)
class Mention:
    """A topic or entity a memory names, as the dreamer sighted it."""

    pattern: str
    kind: MemoryKind
    label: str
    name: str
    shared: int
    """Sessions of the memory the entity was sighted in: the weight of its `about` edge."""

    @property
    def statement(self) -> str:
        """How the entity reads as a node."""
        return _WORDING.get(self.label, "{name!r}").format(name=self.name)

    @property
    def attributes(self) -> dict[str, Any]:
        """The node's attributes: what it is and the words recall finds it by."""
        return {"label": self.label, "name": self.name, "words": [self.name.lower()]}

    def named_in(self, statement: str) -> tuple[int, int] | None:
        """Where `statement` names it as a word of its own (a file also at the end of a
        path), not inside another word: `uv` is not in "uvicorn", `dbt` not in "dbt_utils",
        the program `Lisbon` not in "Europe/Lisbon"."""
        cased = self.label in _CASED_LABELS
        # Most of the entities sighted beside a memory are not in its wording: a search for
        # the bare name rules them out before a pattern is compiled for each (hundreds per
        # adoption, which made a keypress in the inbox slow).
        if (
            (self.name not in statement)
            if cased
            else (self.name.casefold() not in statement.casefold())
        ):
            return None
        flags = 0 if cased else re.IGNORECASE
        before = r"(?<![\w.-])" if self.label == "file" else r"(?<![\w./-])"
        after = r"(?![\w-]|\.\w)"
        found = re.search(before + re.escape(self.name) + after, statement, flags)
        return found.span() if found else None


@dataclass(frozen=True)
class Sightings:
    """Where an entity was seen: the people's sessions it counts in, when, and its evidence."""

    support: int
    first_seen: str
    last_seen: str
    evidence: list[Evidence]


async def mentioned(conn: aiosqlite.Connection, pattern: str, statement: str) -> list[Mention]:
    """The topics and entities sighted in the sessions of `pattern` (a memory's) that
    `statement` names, in the order it names them."""
    marks = ", ".join("?" * len(DERIVED_KINDS))
    rows = await conn.execute_fetchall(
        "SELECT o.pattern, o.kind, MIN(o.detail) AS detail, COUNT(DISTINCT o.session_id) "
        "FROM observations o JOIN sessions s ON s.id = o.session_id "
        f"WHERE o.kind IN ({marks}) AND s.private = 0 AND o.session_id IN "
        "(SELECT session_id FROM observations WHERE pattern = ?) GROUP BY o.pattern",
        (*DERIVED_KINDS, pattern),
    )
    found: list[tuple[tuple[int, int], Mention]] = []
    for row in rows:
        detail = json.loads(row["detail"])
        mention = Mention(
            str(row["pattern"]),
            MemoryKind(row["kind"]),
            str(detail.get("label", "")),
            str(detail.get("name", "")),
            int(row[3]),
        )
        span = mention.named_in(statement) if len(mention.name) >= 2 else None
        if span is not None:
            found.append((span, mention))
    # "Grete Lindqvist" is one name: not also "Grete", which it holds.
    return [
        mention
        for span, mention in sorted(found, key=lambda item: (item[0], item[1].pattern))
        if not any(
            other[0] <= span[0] and span[1] <= other[1] and other != span for other, _ in found
        )
    ]


async def sightings(conn: aiosqlite.Connection, pattern: str) -> Sightings:
    """Every sighting of an entity's pattern in sessions not private."""
    visible = (
        "SELECT o.session_id FROM observations o JOIN sessions s ON s.id = o.session_id "
        "WHERE o.pattern = ? AND s.private = 0"
    )
    counted = await conn.execute_fetchall(
        roots_cte(visible) + "SELECT COUNT(DISTINCT root) FROM roots", (pattern,)
    )
    rows = await conn.execute_fetchall(
        "SELECT o.session_id, o.message_id, o.span_start, o.span_end, s.started, "
        "COALESCE(s.ended, s.started) AS ended FROM observations o "
        "JOIN sessions s ON s.id = o.session_id WHERE o.pattern = ? AND s.private = 0 "
        "ORDER BY o.session_id, o.message_id",
        (pattern,),
    )
    first: dict[int, Any] = {}  # the first sighting of each session
    for row in rows:
        first.setdefault(int(row["session_id"]), row)
    return Sightings(
        support=int(next(iter(counted))[0]),
        first_seen=min((str(row["started"]) for row in first.values()), default=""),
        last_seen=max((str(row["ended"]) for row in first.values()), default=""),
        evidence=[
            Evidence(session_id, int(row["message_id"]), (int(row[2]), int(row[3])))
            for session_id, row in list(first.items())[:EVIDENCE_PER_ENTITY]
        ],
    )
