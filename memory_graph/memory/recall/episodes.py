"""Earlier messages for a query: the conversation of other sessions ranked with its context
(the messages around a match, its session, the speaker the query names), quoted one line each."""

from __future__ import annotations

import re
import sqlite3

from memory_graph.memory.evidence import evidence_link
from memory_graph.memory.recall.common import Search
from memory_graph.memory.recall.dates import Period
from memory_graph.memory.recall.results import RecallHit
from memory_graph.memory.recall.tuning import (
    DATE_BOOST,
    EPISODE_CANDIDATES,
    EPISODE_CHARACTERS,
    NAMED,
    NAMED_ODDS,
    NAMES_TRIED,
    NEIGHBOURHOOD,
    SESSION_SHARE,
    SPEAKER_BOOST,
)
from memory_graph.memory.vocabulary import RecallReason
from memory_graph.store.database import Database
from memory_graph.store.injection import reads_like_injection
from memory_graph.store.redact import redact
from memory_graph.store.sql import where_in
from memory_graph.store.text import any_of

CONVERSATION = "('user', 'assistant')"
"""The roles recall quotes from earlier sessions: what the person said and what was answered,
never tool output (a web page or a file can say anything) nor system prompts."""
_OWN_WORDS = (
    "NOT EXISTS (SELECT 1 FROM message_origins o WHERE o.message_id = m.id "
    "AND o.origin != CASE m.role WHEN 'user' THEN 'person' ELSE 'agent' END)"
)
"""A message written by whom its role says: a `user` line the harness wrote (a compaction
summary, hook context), an agent's prompt to a sub-agent, a signal or the memory Reverie
handed a model coming back is never quoted as what a side said."""
_CAPITALIZED = re.compile(r"(?<![.!?]\s)(?<!^)\b([A-Z][a-z]\w*)")


async def named_speaker(log: Database, text: str, words: list[str]) -> str | None:
    """The role (user or assistant) the query names, if it names one side only. A capitalized
    word of the query (not opening a sentence) names a side when it is a proper noun in the
    messages too (capitalized in most of those it occurs in), occurs in NAMED of them at least,
    and the other side says it NAMED_ODDS times as often as the share of messages it writes
    would make it: how one side addresses the other ("Thanks, Caroline!"), never their own
    name. Samples are bounded: cheap in any history."""
    capitalized = {word for word in _CAPITALIZED.findall(text) if word.lower() in words}
    if not capitalized:
        return None
    fetched = await log.connection.execute_fetchall(
        "SELECT role, count(*) FROM (SELECT role FROM messages ORDER BY id DESC LIMIT 2000) "
        "GROUP BY role"
    )
    base = {str(role): int(count) for role, count in fetched}
    roles: dict[str, str] = {}
    for name in sorted(capitalized, key=lambda word: words.index(word.lower()))[:NAMES_TRIED]:
        fetched = await log.connection.execute_fetchall(
            "SELECT m.role, count(*), sum(instr(m.text, ?) > 0) FROM (SELECT rowid FROM "
            "messages_fts WHERE messages_fts MATCH ? LIMIT 200) AS f "
            "JOIN messages m ON m.id = f.rowid GROUP BY m.role",
            (name, f'"{name.lower()}"'),
        )
        rows = list(fetched)
        counts = {str(role): int(count) for role, count, _ in rows}
        cased = sum(int(row[2]) for row in rows)
        if sum(counts.values()) < NAMED or cased < 0.8 * sum(counts.values()):
            continue
        for side, other in (("user", "assistant"), ("assistant", "user")):
            said, heard = counts.get(other, 0), counts.get(side, 0)
            odds = (said / (heard + 1)) / ((base.get(other, 0) + 1) / (base.get(side, 0) + 1))
            if odds >= NAMED_ODDS:
                roles[name.lower()] = side
    sides = set(roles.values())
    return sides.pop() if len(sides) == 1 else None


_NOT_TAKEN_BACK = (
    "m.id NOT IN (SELECT e.message_id FROM nodes n INDEXED BY nodes_superseded "
    "JOIN node_evidence e ON e.node_id = n.id "
    "WHERE n.status = 'superseded')"
)
"""A message is no episode when it is the evidence of a memory the person replaced: quoting
"I prefer gradle" after they said "maven, not gradle" would bring the old mind back. Read from
the replaced memories (few, in the index `nodes_superseded`) once per query: looking up each
matched message's evidence, and each piece's memory, took half of the query's time."""


async def episodes(
    log: Database,
    search: Search,
    limit: int,
    exclude_session: int | None,
    speaker: str | None = None,
    when: list[Period] | None = None,
) -> list[RecallHit]:
    """The messages of other sessions (not private) that match best, with their context, as
    episode hits: a message's score is its own BM25, a share of its neighbours' up to two turns
    away (`NEIGHBOURHOOD`: the answer after a matching question is found too), a share of its
    session's, a boost when the query names its speaker, and one when it was said in a period
    the query names (`when`, from `dates.periods`). The matches are those of `search`."""
    # Ranked inside SQLite, which returns only the best: scoring the hundreds of places around
    # the matches in Python cost more than all the SQL of a recall. When the query names a
    # period every place comes back, with when it was said, for `_said_then` to weigh.
    steps = [(0, 1.0), *NEIGHBOURHOOD.items()]
    fetched = await log.connection.execute_fetchall(
        _RANKED.format(
            matches=search.best("messages_fts"),
            said="m.created" if when else "NULL",
            steps=", ".join(["(?, ?)"] * len(steps)),
        ),
        [
            any_of(search.words),
            EPISODE_CANDIDATES,
            exclude_session or 0,
            *(value for step in steps for value in step),
            SESSION_SHARE,
            speaker,
            SPEAKER_BOOST,
            -1 if when else limit,
        ],
    )
    scored = [
        (float(score) * (DATE_BOOST if when and _said_then(str(said), when) else 1.0), int(row_id))
        for row_id, score, said in fetched
    ]
    if when:
        scored = sorted(scored, key=lambda item: (-item[0], item[1]))[:limit]
    rows = await where_in(
        log,
        f"SELECT {EPISODE_COLUMNS} FROM messages m JOIN sessions s ON s.id = m.session_id "
        "WHERE m.id IN ({})",
        [message_id for _, message_id in scored],
    )
    found = {int(row["message_id"]): row for row in rows}
    # Relevance shares, as memories' scores are: the two read on one scale.
    total = sum(score for score, _ in scored) or 1.0
    hits = []
    for score, message_id in scored:
        row = found.get(message_id)
        if row is None:
            continue  # forgotten by another process since it was ranked
        quoted = episode_line(row["role"], row["text"])
        if reads_like_injection(str(row["text"])) or reads_like_injection(quoted):
            # Words that try to instruct the model, in the message or in the line quoted from
            # it (whitespace folded): quoted or not, they are never handed to it.
            continue
        hits.append(episode_hit(row, quoted, score / total))
    return hits


_RANKED = (
    # The matches: messages of other sessions, not private, said by whom their role says,
    # not taken back; each with its BM25.
    "WITH hit AS MATERIALIZED (SELECT m.session_id AS session, m.seq, "
    "max(f.score, 1e-6) AS score "
    "FROM ({matches}) AS f "
    "JOIN messages m ON m.id = f.rowid JOIN sessions s ON s.id = m.session_id "
    f"WHERE s.private = 0 AND m.session_id != ? AND m.role IN {CONVERSATION} "
    f"AND {_OWN_WORDS} AND {_NOT_TAKEN_BACK}), "
    # What each match gives the place `step` turns before it (its own: step 0).
    "step (turns, share) AS (VALUES {steps}), "
    "place AS (SELECT hit.session, hit.seq - step.turns AS seq, "
    "sum(step.share * hit.score) AS score FROM hit, step GROUP BY 1, 2), "
    "conversation AS MATERIALIZED (SELECT session, sum(score) AS score FROM hit "
    "GROUP BY session) "
    # Each place that is a message of the conversation, with its session's share.
    "SELECT m.id, (place.score + ? * (SELECT max(score) FROM hit) * conversation.score "
    "/ (SELECT max(score) FROM conversation)) "
    "* CASE m.role WHEN ? THEN ? ELSE 1.0 END AS score, {said} "
    "FROM place JOIN messages m ON m.session_id = place.session AND m.seq = place.seq "
    "JOIN conversation ON conversation.session = place.session "
    f"WHERE m.role IN {CONVERSATION} AND {_OWN_WORDS} AND {_NOT_TAKEN_BACK} "
    "ORDER BY score DESC, m.id LIMIT ?"
)
"""The places around the matches in earlier conversations, best first: what the matches give
each (`NEIGHBOURHOOD`), a share of its conversation's, and a boost when the query names who
speaks. A place is quoted only when it is a message of the conversation, said by whom its role
says and not taken back, as a match must be. Formatted with the steps' rows and the column of
when a message was said (or NULL), and the best matches (`Search.best`)."""


def _said_then(created: str, when: list[Period]) -> bool:
    return any(period.holds(created) for period in when)


EPISODE_COLUMNS = (
    "m.session_id, s.external_id AS session_external_id, m.id AS message_id, "
    "m.external_id AS message_external_id, 0 AS span_start, length(m.text) AS span_end, "
    "m.role, m.text"
)
"""What an episode is read with: the message, its session and its evidence link."""


def episode_hit(row: sqlite3.Row, quoted: str, score: float) -> RecallHit:
    """An earlier message as a hit, from a row of EPISODE_COLUMNS."""
    return RecallHit(None, None, quoted, score, [evidence_link(row)], reason=RecallReason.EPISODE)


def episode_line(role: str, text: str) -> str:
    """An earlier message as recall quotes it: one line, secrets redacted, cut to a length."""
    flat = redact(" ".join(str(text).split()))
    if len(flat) > EPISODE_CHARACTERS:
        flat = flat[: EPISODE_CHARACTERS - 1] + "…"
    return f"{role}: {flat}"
