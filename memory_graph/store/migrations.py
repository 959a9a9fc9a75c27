"""Ordered, recorded schema migrations.

`PRAGMA user_version` holds how many migrations a database has; each one runs in its own
transaction together with its row in `schema_migrations`, so a crash leaves the schema at a version
boundary. Migrations only move forward and never rewrite existing rows' meaning.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass

import aiosqlite

from memory_graph.store import origins


@dataclass(frozen=True)
class Migration:
    """One forward step of the schema, and the rows it fills in that SQL cannot work out
    (run after its statements, in the same transaction)."""

    name: str
    sql: str
    backfill: Callable[[aiosqlite.Connection], Awaitable[None]] | None = None
    rebuilds: bool = False
    """It rebuilds a table that others reference: SQLite changes a column's constraints only
    by copying the table, which it allows with foreign keys off (`migrate` turns them off
    around this one migration and checks them before it commits)."""


_NOW = "strftime('%Y-%m-%dT%H:%M:%fZ', 'now')"
"""The time now, as `records.now_iso` writes it."""

# The session log. Messages and events are append-only: triggers refuse UPDATE and DELETE,
# except a DELETE of a session listed in `forget_log` (the explicit, logged `forget`).
_SESSION_LOG = """
CREATE TABLE sessions (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL DEFAULT 'reverie',
    external_id TEXT NOT NULL,
    title TEXT NOT NULL DEFAULT '',
    started TEXT NOT NULL,
    ended TEXT,
    model TEXT,
    outcome TEXT NOT NULL DEFAULT 'unknown' CHECK (outcome IN ('success', 'failure', 'unknown')),
    private INTEGER NOT NULL DEFAULT 0 CHECK (private IN (0, 1)),
    UNIQUE (source, external_id)
);
CREATE INDEX sessions_by_recency ON sessions (COALESCE(ended, started) DESC, id DESC);

CREATE TABLE messages (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions (id),
    seq INTEGER NOT NULL,
    role TEXT NOT NULL CHECK (role IN ('user', 'assistant', 'tool', 'system')),
    content TEXT NOT NULL,
    text TEXT NOT NULL,
    meta TEXT NOT NULL DEFAULT '{}',
    external_id TEXT,
    created TEXT NOT NULL,
    UNIQUE (session_id, seq)
);

CREATE TABLE events (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL REFERENCES sessions (id),
    message_id INTEGER REFERENCES messages (id),
    kind TEXT NOT NULL,
    data TEXT NOT NULL DEFAULT '{}',
    created TEXT NOT NULL
);
CREATE INDEX events_by_session ON events (session_id, id);

-- A reply being streamed, saved as it arrives so that a crash or kill loses nothing: it becomes
-- a message when the reply ends, or an interrupted message once its owner process is gone.
CREATE TABLE drafts (
    session_id INTEGER NOT NULL REFERENCES sessions (id),
    owner TEXT NOT NULL,
    pid INTEGER NOT NULL,
    host TEXT NOT NULL,
    role TEXT NOT NULL,
    content TEXT NOT NULL,
    meta TEXT NOT NULL DEFAULT '{}',
    created TEXT NOT NULL,
    updated TEXT NOT NULL,
    PRIMARY KEY (session_id, owner)
);

CREATE TABLE forget_log (
    id INTEGER PRIMARY KEY,
    session_id INTEGER NOT NULL,
    external_id TEXT,
    reason TEXT NOT NULL DEFAULT '',
    created TEXT NOT NULL
);

CREATE TRIGGER messages_no_update BEFORE UPDATE ON messages
BEGIN
    SELECT RAISE(ABORT, 'messages are append-only');
END;
CREATE TRIGGER messages_no_delete BEFORE DELETE ON messages
WHEN NOT EXISTS (SELECT 1 FROM forget_log WHERE session_id = OLD.session_id)
BEGIN
    SELECT RAISE(ABORT, 'messages are append-only; use forget to remove a whole session');
END;
CREATE TRIGGER events_no_update BEFORE UPDATE ON events
BEGIN
    SELECT RAISE(ABORT, 'events are append-only');
END;
CREATE TRIGGER events_no_delete BEFORE DELETE ON events
WHEN NOT EXISTS (SELECT 1 FROM forget_log WHERE session_id = OLD.session_id)
BEGIN
    SELECT RAISE(ABORT, 'events are append-only; use forget to remove a whole session');
END;

-- Full-text index over message text. External content: the text is stored once, in messages.
CREATE VIRTUAL TABLE messages_fts USING fts5 (
    text, content = 'messages', content_rowid = 'id', tokenize = 'unicode61 remove_diacritics 2'
);
-- Rows are indexed by the store as it appends them (in one batch for an import, which is several
-- times faster than a trigger row by row). System prompts are the same in every session and are
-- not indexed: they would make every search match everything.
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages WHEN OLD.role != 'system'
BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', OLD.id, OLD.text);
END;
"""

# Sub-agent transcripts (Claude Code sidechains) and forks hang under the session that spawned them.
# The parent's external id is kept too, so a child imported before its parent is linked when the
# parent arrives.
_SESSION_PARENT = """
ALTER TABLE sessions ADD COLUMN parent_id INTEGER REFERENCES sessions (id);
ALTER TABLE sessions ADD COLUMN parent_external_id TEXT;
CREATE INDEX sessions_by_parent ON sessions (parent_id) WHERE parent_id IS NOT NULL;
CREATE INDEX sessions_awaiting_parent ON sessions (source, parent_external_id)
WHERE parent_id IS NULL AND parent_external_id IS NOT NULL;
"""

# Imports: a message's external id is unique within its session (importing twice adds nothing),
# and each imported file remembers how far it was read (a grown transcript imports only new lines).
_IMPORTS = """
CREATE UNIQUE INDEX messages_by_external_id ON messages (session_id, external_id)
WHERE external_id IS NOT NULL;
CREATE TABLE import_cursors (
    path TEXT PRIMARY KEY,
    format TEXT NOT NULL,
    size INTEGER NOT NULL,
    mtime_ns INTEGER NOT NULL,
    offset INTEGER NOT NULL,
    lines INTEGER NOT NULL,
    head TEXT NOT NULL,
    tail TEXT NOT NULL,
    updated TEXT NOT NULL
);
"""

# The dreamer's log and its inbox. A dream and all its proposals commit in one transaction; the
# watermark of the newest committed dream is where the next one starts. Evidence is links to
# messages (and the span of their text that matters), never copies of the text.
_DREAMS = """
CREATE TABLE dreams (
    id INTEGER PRIMARY KEY,
    trigger TEXT NOT NULL,
    started TEXT NOT NULL,
    finished TEXT NOT NULL,
    seconds REAL NOT NULL,
    sessions TEXT NOT NULL,
    watermark_ended TEXT,
    watermark_session INTEGER,
    extractors TEXT NOT NULL,
    counts TEXT NOT NULL
);
CREATE TABLE proposals (
    id INTEGER PRIMARY KEY,
    dream_id INTEGER NOT NULL REFERENCES dreams (id),
    op TEXT NOT NULL CHECK (op IN ('add_node', 'add_edge', 'reinforce', 'update_statement',
                                   'merge', 'supersede', 'retire')),
    kind TEXT NOT NULL,
    statement TEXT NOT NULL,
    payload TEXT NOT NULL DEFAULT '{}',
    confidence REAL NOT NULL,
    support INTEGER NOT NULL,
    fingerprint TEXT NOT NULL,
    graph_hash TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'adopted', 'rejected', 'superseded', 'stale')),
    created TEXT NOT NULL,
    decided TEXT
);
CREATE INDEX proposals_by_status ON proposals (status, kind);
CREATE INDEX proposals_by_fingerprint ON proposals (fingerprint);
CREATE TABLE proposal_evidence (
    proposal_id INTEGER NOT NULL REFERENCES proposals (id),
    session_id INTEGER NOT NULL REFERENCES sessions (id),
    message_id INTEGER NOT NULL REFERENCES messages (id),
    span_start INTEGER NOT NULL,
    span_end INTEGER NOT NULL,
    PRIMARY KEY (proposal_id, message_id)
);
CREATE INDEX evidence_by_session ON proposal_evidence (session_id);
-- Every occurrence an extractor found, proposed or not yet: support is counted over all of
-- history without re-reading it (a pattern seen once last week and once today reaches 2).
CREATE TABLE observations (
    fingerprint TEXT NOT NULL,
    pattern TEXT NOT NULL,
    kind TEXT NOT NULL,
    session_id INTEGER NOT NULL REFERENCES sessions (id),
    message_id INTEGER NOT NULL REFERENCES messages (id),
    span_start INTEGER NOT NULL,
    span_end INTEGER NOT NULL,
    detail TEXT NOT NULL DEFAULT '{}',
    dream_id INTEGER NOT NULL REFERENCES dreams (id),
    PRIMARY KEY (fingerprint, message_id)
);
CREATE INDEX observations_by_session ON observations (session_id);
CREATE INDEX observations_by_pattern ON observations (pattern);
CREATE INDEX observation_leaders ON observations (kind) WHERE pattern = fingerprint;
"""

_DREAM_AUDIT = """
-- A dream that failed leaves a row saying why (and nothing else: no watermark, no proposals).
ALTER TABLE dreams ADD COLUMN error TEXT;
-- Every prompt a dream sent to a model and what came back, kept with the dream (llm-style
-- logging): a proposal the model made can be traced to the exact request.
CREATE TABLE dream_model_calls (
    id INTEGER PRIMARY KEY,
    dream_id INTEGER NOT NULL REFERENCES dreams (id),
    model TEXT NOT NULL,
    request TEXT NOT NULL,
    answer TEXT NOT NULL,
    rejected_citations INTEGER NOT NULL,
    rejected_patterns INTEGER NOT NULL
);
CREATE INDEX dream_model_calls_by_dream ON dream_model_calls (dream_id);
"""

# The adopted graph. Only a person's decision writes here (adopt, edit, undo, retire by hand);
# nothing is deleted by an adoption: superseded, merged and retired nodes keep their history.
_GRAPH = """
CREATE TABLE nodes (
    id INTEGER PRIMARY KEY,
    pattern TEXT NOT NULL UNIQUE,
    kind TEXT NOT NULL CHECK (kind IN ('preference', 'pattern', 'failure', 'fix', 'workflow',
                                       'topic', 'entity', 'fact')),
    statement TEXT NOT NULL,
    attributes TEXT NOT NULL DEFAULT '{}',
    support INTEGER NOT NULL,
    first_seen TEXT NOT NULL,
    last_seen TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'active'
        CHECK (status IN ('active', 'retired', 'superseded', 'merged')),
    adopted TEXT NOT NULL,
    updated TEXT NOT NULL
);
CREATE INDEX nodes_by_kind ON nodes (kind, status);
-- The patterns a node stands for: the one it was adopted from, and those merged into it.
-- Observations of any of them support the node.
CREATE TABLE node_patterns (
    fingerprint TEXT PRIMARY KEY,
    node_id INTEGER NOT NULL REFERENCES nodes (id)
) WITHOUT ROWID;
CREATE INDEX node_patterns_by_node ON node_patterns (node_id);
-- Edges name their ends by pattern: one adopted before the other waits until both are nodes.
CREATE TABLE edges (
    id INTEGER PRIMARY KEY,
    source TEXT NOT NULL,
    target TEXT NOT NULL,
    kind TEXT NOT NULL CHECK (kind IN ('resolved_by', 'about', 'occurs_with', 'contradicts',
                                       'supersedes', 'evidence')),
    weight REAL NOT NULL DEFAULT 1,
    UNIQUE (source, target, kind)
);
-- Recall reads a node's strongest edges either way, a hub's too, without sorting them all.
CREATE INDEX edges_by_source ON edges (source, weight DESC);
CREATE INDEX edges_by_target ON edges (target, weight DESC);
CREATE TABLE node_evidence (
    node_id INTEGER NOT NULL REFERENCES nodes (id),
    session_id INTEGER NOT NULL REFERENCES sessions (id),
    message_id INTEGER NOT NULL REFERENCES messages (id),
    span_start INTEGER NOT NULL,
    span_end INTEGER NOT NULL,
    PRIMARY KEY (node_id, message_id)
) WITHOUT ROWID;
CREATE INDEX node_evidence_by_session ON node_evidence (session_id);
-- Every decision on a proposal, with the steps that revert it: `undo` takes the newest one
-- not yet undone, as many levels deep as there are decisions.
-- A decision made in the memory browser (retiring a memory by hand) has no proposal.
CREATE TABLE decisions (
    id INTEGER PRIMARY KEY,
    proposal_id INTEGER REFERENCES proposals (id),
    verdict TEXT NOT NULL CHECK (verdict IN ('adopted', 'rejected', 'retired by hand')),
    statement TEXT,
    decided TEXT NOT NULL,
    undo TEXT NOT NULL DEFAULT '[]',
    undone TEXT
);
CREATE INDEX decisions_open ON decisions (id) WHERE undone IS NULL;
CREATE VIRTUAL TABLE nodes_fts USING fts5 (
    statement, content = 'nodes', content_rowid = 'id',
    tokenize = 'porter unicode61 remove_diacritics 2'
);
CREATE TRIGGER nodes_fts_insert AFTER INSERT ON nodes BEGIN
    INSERT INTO nodes_fts (rowid, statement) VALUES (NEW.id, NEW.statement);
END;
CREATE TRIGGER nodes_fts_delete AFTER DELETE ON nodes BEGIN
    INSERT INTO nodes_fts (nodes_fts, rowid, statement) VALUES ('delete', OLD.id, OLD.statement);
END;
CREATE TRIGGER nodes_fts_update AFTER UPDATE OF statement ON nodes BEGIN
    INSERT INTO nodes_fts (nodes_fts, rowid, statement) VALUES ('delete', OLD.id, OLD.statement);
    INSERT INTO nodes_fts (rowid, statement) VALUES (NEW.id, NEW.statement);
END;
-- The newest observation of a pattern in one index step: what `retire` asks of every node.
CREATE INDEX observations_latest ON observations (pattern, session_id);
"""

# Dreams follow the order sessions change in the log, never the dates they claim (an import of
# 2024 history after a dream, or one session dated 2100, hid sessions from every later dream).
# A clock that only moves forward stamps a session each time messages are added to it; a dream's
# watermark is the stamp of the last session it reviewed, so a grown session is reviewed again.
# Dreams before this one have no such watermark: the next dream starts over from the beginning,
# which re-reads what was read (observations and proposals are idempotent) and finds what the
# old watermark hid.
_CHANGE_CLOCK = """
CREATE TABLE change_clock (id INTEGER PRIMARY KEY CHECK (id = 1), value INTEGER NOT NULL);
ALTER TABLE sessions ADD COLUMN changed INTEGER NOT NULL DEFAULT 0;
UPDATE sessions SET changed = COALESCE(
    (SELECT MAX(m.id) FROM messages m WHERE m.session_id = sessions.id), 0);
INSERT INTO change_clock (id, value) SELECT 1, COALESCE(MAX(changed), 0) FROM sessions;
CREATE INDEX sessions_by_change ON sessions (changed);
ALTER TABLE dreams ADD COLUMN watermark_change INTEGER;
"""

# What recall hands a model is logged by reference, never by copy, so that `forget` can really
# forget: a memory's wording in every version it had (append-only), with the message each wording
# was taken from (NULL: the person's own words, or not known). Versions a forgotten message worded
# are deleted with it. Rows from before are given the evidence message that holds their wording.
# System prompts logged before this held recalled text; forget strips it from them, each such
# change of a message recorded in `prompt_scrubs` (the one exception to append-only besides the
# deletion of whole forgotten sessions).
_STATEMENT_VERSIONS = """
CREATE TABLE statement_versions (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    node_id INTEGER NOT NULL,
    statement TEXT NOT NULL,
    source_message_id INTEGER,
    created TEXT NOT NULL
);
CREATE INDEX statement_versions_by_node ON statement_versions (node_id, id);
CREATE INDEX statement_versions_by_source ON statement_versions (source_message_id)
WHERE source_message_id IS NOT NULL;
INSERT INTO statement_versions (node_id, statement, source_message_id, created)
SELECT n.id, n.statement, (
    SELECT e.message_id FROM node_evidence e JOIN messages m ON m.id = e.message_id
    WHERE e.node_id = n.id AND instr(m.text, n.statement) > 0 ORDER BY e.message_id LIMIT 1
), n.updated FROM nodes n ORDER BY n.id;
CREATE TRIGGER statement_versions_no_update BEFORE UPDATE ON statement_versions
BEGIN
    SELECT RAISE(ABORT, 'statement versions are append-only');
END;
-- `open` is set only while forget rewrites the message: the permission ends with the rewrite.
CREATE TABLE prompt_scrubs (
    message_id INTEGER NOT NULL,
    forget_id INTEGER NOT NULL REFERENCES forget_log (id),
    created TEXT NOT NULL,
    open INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (message_id, forget_id)
);
DROP TRIGGER messages_no_update;
CREATE TRIGGER messages_no_update BEFORE UPDATE ON messages
WHEN NOT (OLD.role = 'system' AND NEW.id = OLD.id AND NEW.session_id = OLD.session_id
          AND EXISTS (SELECT 1 FROM prompt_scrubs WHERE message_id = OLD.id AND open = 1))
BEGIN
    SELECT RAISE(ABORT, 'messages are append-only');
END;
"""

# Recall leaves out memories that private sessions alone back. It finds them from the private
# sessions, which are few: this index lists them without reading every session.
_PRIVATE_SESSIONS = """
CREATE INDEX sessions_private ON sessions (id) WHERE private = 1;
"""

# Who wrote each message (`memory_graph.store.origins`): messages cannot change, so origins sit
# beside them, one row for each message whose origin is not its role's default, as append-only
# as the messages and forgotten with them. Messages stored before get theirs from their text.
# Sessions keep the working directory they ran in.
_MESSAGE_ORIGINS = """
CREATE TABLE message_origins (
    message_id INTEGER PRIMARY KEY REFERENCES messages (id),
    origin TEXT NOT NULL CHECK (origin IN ('person', 'harness', 'agent', 'signal', 'recalled')),
    reason TEXT
);
CREATE TRIGGER message_origins_no_update BEFORE UPDATE ON message_origins
BEGIN
    SELECT RAISE(ABORT, 'message origins are append-only');
END;
CREATE TRIGGER message_origins_no_delete BEFORE DELETE ON message_origins
WHEN NOT EXISTS (SELECT 1 FROM messages m JOIN forget_log f ON f.session_id = m.session_id
                 WHERE m.id = OLD.message_id)
BEGIN
    SELECT RAISE(ABORT, 'message origins are append-only; use forget to remove a whole session');
END;
ALTER TABLE sessions ADD COLUMN cwd TEXT;
"""

# Topics and entities are no longer proposed: adopting a memory makes nodes of those it
# mentions. The ones waiting in the inbox leave it, superseded, and say why (`reason`: why a
# proposal left the inbox without a person's decision); their rows and evidence stay.
_PROPOSAL_REASONS = f"""
ALTER TABLE proposals ADD COLUMN reason TEXT;
UPDATE proposals SET status = 'superseded', decided = {_NOW},
    reason = 'topics and entities are no longer proposed: adopting a memory links it to those '
        || 'it mentions'
WHERE status = 'pending' AND kind IN ('topic', 'entity');
"""

# A dream proposes at most a page of new memories (`inbox_page`); the supported patterns it held
# back wait here, with their strength, so that a later dream tops the page up from the strongest
# without recounting all of history. One row per pattern, each naming the pattern it is proposed
# with (`lead`: a failure and its fix wait, and come back, as one); the lead's row carries the
# strength, in the inbox's order (confidence, then support).
# Nothing was held back before: the table starts empty.
_HELD_BACK = """
CREATE TABLE held_back (
    pattern TEXT PRIMARY KEY,
    lead TEXT NOT NULL,
    confidence REAL NOT NULL,
    support INTEGER NOT NULL
);
CREATE INDEX held_back_by_lead ON held_back (lead);
CREATE INDEX held_back_strongest ON held_back (confidence DESC, support DESC, lead)
WHERE pattern = lead;
"""

# A session spawned by a private one (a sub-agent, a compaction run) is private too: its words
# are the private session's work. The store keeps it so, whoever writes: a session that
# arrives with (or later gets) a private parent, and the sessions under one whose flag
# changes, follow it; those made ordinary again are stamped for the next dream to read.
# What a private session spawned before this migration becomes private now.
_SPAWNED = (
    "WITH RECURSIVE spawned (id) AS (SELECT id FROM sessions WHERE parent_id = {root} "
    "UNION SELECT s.id FROM sessions s JOIN spawned ON s.parent_id = spawned.id) "
    "SELECT id FROM spawned"
)
_PRIVATE_LINEAGE = f"""
UPDATE sessions SET private = 1 WHERE private = 0 AND id IN (
    WITH RECURSIVE spawned (id) AS (SELECT id FROM sessions WHERE private = 1
    UNION SELECT s.id FROM sessions s JOIN spawned ON s.parent_id = spawned.id)
    SELECT id FROM spawned);
CREATE TRIGGER sessions_private_with_parent AFTER INSERT ON sessions
WHEN NEW.private = 0 AND (SELECT private FROM sessions WHERE id = NEW.parent_id) = 1
BEGIN
    UPDATE sessions SET private = 1 WHERE id = NEW.id;
END;
CREATE TRIGGER sessions_private_with_new_parent AFTER UPDATE OF parent_id ON sessions
WHEN NEW.private = 0 AND (SELECT private FROM sessions WHERE id = NEW.parent_id) = 1
BEGIN
    UPDATE sessions SET private = 1 WHERE id = NEW.id;
END;
CREATE TRIGGER sessions_private_to_spawned AFTER UPDATE OF private ON sessions
WHEN NEW.private != OLD.private
BEGIN
    UPDATE sessions SET private = NEW.private, changed = (SELECT value FROM change_clock)
    WHERE private != NEW.private AND id IN ({_SPAWNED.format(root="NEW.id")});
END;
"""

# Standing memory (every turn's strongest preferences and facts) is read by kind, strongest
# first: from the index, not by sorting every memory of the kind.
_STANDING = """
CREATE INDEX nodes_by_strength ON nodes (kind, support DESC) WHERE status = 'active';
"""

# Recall quotes no message that backs a memory the person replaced: looked up by message.
_EVIDENCE_BY_MESSAGE = """
CREATE INDEX node_evidence_by_message ON node_evidence (message_id);
"""

# Recall matches words by their stem in earlier messages too ("installing" finds "install"), as
# it already did in memories' statements: the message index is rebuilt with the porter
# tokenizer (6.5 s for 500,500 messages on the bench machine, once).
_STEMMED_MESSAGES = """
DROP TRIGGER messages_fts_delete;
DROP TABLE messages_fts;
CREATE VIRTUAL TABLE messages_fts USING fts5 (
    text, content = 'messages', content_rowid = 'id',
    tokenize = 'porter unicode61 remove_diacritics 2'
);
INSERT INTO messages_fts (rowid, text) SELECT id, text FROM messages WHERE role != 'system';
CREATE TRIGGER messages_fts_delete AFTER DELETE ON messages WHEN OLD.role != 'system'
BEGIN
    INSERT INTO messages_fts (messages_fts, rowid, text) VALUES ('delete', OLD.id, OLD.text);
END;
"""

# A proposal may come from elsewhere than a dream: an agent's suggestion over MCP (`reverie mcp`)
# has no dream (`dream_id` NULL) and says where it came from (`source`: 'dream', or
# 'mcp:<client>'). SQLite drops a NOT NULL only by copying the table; every row keeps its id, so
# evidence and decisions still point at it. Proposals made before came from dreams.
_PROPOSAL_SOURCES = """
CREATE TABLE proposals_with_sources (
    id INTEGER PRIMARY KEY,
    dream_id INTEGER REFERENCES dreams (id),
    op TEXT NOT NULL CHECK (op IN ('add_node', 'add_edge', 'reinforce', 'update_statement',
                                   'merge', 'supersede', 'retire')),
    kind TEXT NOT NULL,
    statement TEXT NOT NULL,
    payload TEXT NOT NULL DEFAULT '{}',
    confidence REAL NOT NULL,
    support INTEGER NOT NULL,
    fingerprint TEXT NOT NULL,
    graph_hash TEXT NOT NULL,
    status TEXT NOT NULL DEFAULT 'pending'
        CHECK (status IN ('pending', 'adopted', 'rejected', 'superseded', 'stale')),
    created TEXT NOT NULL,
    decided TEXT,
    reason TEXT,
    source TEXT NOT NULL DEFAULT 'dream',
    CHECK (dream_id IS NOT NULL OR source != 'dream')
);
INSERT INTO proposals_with_sources (id, dream_id, op, kind, statement, payload, confidence,
    support, fingerprint, graph_hash, status, created, decided, reason)
SELECT id, dream_id, op, kind, statement, payload, confidence, support, fingerprint, graph_hash,
    status, created, decided, reason FROM proposals;
DROP TABLE proposals;
ALTER TABLE proposals_with_sources RENAME TO proposals;
CREATE INDEX proposals_by_status ON proposals (status, kind);
CREATE INDEX proposals_by_fingerprint ON proposals (fingerprint);
"""

# A memory's scope changed from the memory browser is a decision, undone like the others.
_RESCOPING = """
CREATE TABLE decisions_rebuilt (
    id INTEGER PRIMARY KEY,
    proposal_id INTEGER REFERENCES proposals (id),
    verdict TEXT NOT NULL
        CHECK (verdict IN ('adopted', 'rejected', 'retired by hand', 'rescoped by hand')),
    statement TEXT,
    decided TEXT NOT NULL,
    undo TEXT NOT NULL DEFAULT '[]',
    undone TEXT
);
INSERT INTO decisions_rebuilt (id, proposal_id, verdict, statement, decided, undo, undone)
SELECT id, proposal_id, verdict, statement, decided, undo, undone FROM decisions;
DROP TABLE decisions;
ALTER TABLE decisions_rebuilt RENAME TO decisions;
CREATE INDEX decisions_open ON decisions (id) WHERE undone IS NULL;
"""

# Decisions made together (`reverie adopt 3 4 5`, the inbox's selection) share a batch, the id
# of the first of them: one undo reverts the whole batch. A decision made alone has none.
_DECISION_BATCHES = """
ALTER TABLE decisions ADD COLUMN batch INTEGER;
CREATE INDEX decisions_by_batch ON decisions (batch) WHERE batch IS NOT NULL;
"""

# An imported session is read-only (only its importer adds to it): continuing it starts a
# session of Reverie's own that says which one it continues. Not `parent_id`, which means
# spawned by (a sub-agent counts toward its parent's support; a continuation is a session
# of its own).
_SESSION_CONTINUATIONS = """
ALTER TABLE sessions ADD COLUMN continues_id INTEGER REFERENCES sessions (id);
"""


def _ticks(table: str, event: str, when: str = "") -> str:
    """A trigger that moves the memory clock after `event` (INSERT, UPDATE, DELETE, or UPDATE
    OF a column) on `table`, when `when` holds."""
    name = f"{table}_{event.split()[0].lower()}_ticks"
    condition = f"\n    WHEN {when}" if when else ""
    return (
        f"CREATE TRIGGER {name} AFTER {event} ON {table}{condition}\n"
        "BEGIN\n    UPDATE memory_clock SET value = value + 1;\nEND;\n"
    )


_TARGETS = (
    "(CASE WHEN json_valid({row}.payload) THEN json_extract({row}.payload, '$.target') END) "
    "IS NOT NULL"
)
"""A proposal's row targets a memory (a supersede, a retire): its evidence counts against it."""
_OF_TARGETING = "EXISTS (SELECT 1 FROM proposals p WHERE p.id = {row}.proposal_id AND {targets})"

# A counter that every change to what recall and the handed context read moves (memories,
# their wording, patterns, evidence and edges; proposals that target a memory, whose evidence
# can count against it, not those that add one; a session made private or forgotten, which can
# hide a memory), kept by triggers so that no writer can forget it. What is computed from
# memory alone is kept while the counter stands still: standing memory between turns, the
# context Claude Code's hook hands over. An import moves it not: new sessions change no
# memory. A migration that rebuilds one of these tables must create its triggers again. And
# the replaced memories, which recall reads to leave out their evidence, in an index of their
# own.
_MEMORY_CLOCK = (
    "CREATE TABLE memory_clock (id INTEGER PRIMARY KEY CHECK (id = 1), value INTEGER NOT NULL);\n"
    "INSERT INTO memory_clock (id, value) VALUES (1, 0);\n"
    "CREATE INDEX nodes_superseded ON nodes (id) WHERE status = 'superseded';\n"
    + "".join(
        _ticks(table, event)
        for table in ("nodes", "node_patterns", "node_evidence", "edges")
        for event in ("INSERT", "UPDATE", "DELETE")
    )
    + _ticks("proposals", "INSERT", _TARGETS.format(row="NEW"))
    + _ticks("proposals", "UPDATE", f"{_TARGETS.format(row='NEW')} OR {_TARGETS.format(row='OLD')}")
    + _ticks("proposals", "DELETE", _TARGETS.format(row="OLD"))
    + "".join(
        _ticks(
            "proposal_evidence",
            event,
            _OF_TARGETING.format(row=row, targets=_TARGETS.format(row="p")),
        )
        for event, row in (("INSERT", "NEW"), ("UPDATE", "NEW"), ("DELETE", "OLD"))
    )
    # Statement versions are append-only (a trigger refuses updates).
    + _ticks("statement_versions", "INSERT")
    + _ticks("statement_versions", "DELETE")
    + _ticks("sessions", "UPDATE OF private", "NEW.private != OLD.private")
    + _ticks("sessions", "DELETE")
)

# Recall reads each memory's strongest edges, and from each edge the memory at its other end:
# an index holding that end answers from the index alone, where one without it read a row of
# the table per edge (a third of the time of reading a neighbourhood over 500,000 edges).
_EDGES_COVERED = """
DROP INDEX edges_by_source;
DROP INDEX edges_by_target;
CREATE INDEX edges_by_source ON edges (source, weight DESC, target);
CREATE INDEX edges_by_target ON edges (target, weight DESC, source);
"""

MIGRATIONS: tuple[Migration, ...] = (
    Migration("001_session_log", _SESSION_LOG),
    Migration("002_session_parent", _SESSION_PARENT),
    Migration("003_imports", _IMPORTS),
    Migration("004_dreams", _DREAMS),
    Migration("005_dream_audit", _DREAM_AUDIT),
    Migration("006_graph", _GRAPH),
    Migration("007_change_clock", _CHANGE_CLOCK),
    Migration("008_statement_versions", _STATEMENT_VERSIONS),
    Migration("009_private_sessions", _PRIVATE_SESSIONS),
    Migration("010_message_origins", _MESSAGE_ORIGINS, origins.backfill),
    Migration("011_proposal_reasons", _PROPOSAL_REASONS),
    Migration("012_held_back", _HELD_BACK),
    Migration("013_private_lineage", _PRIVATE_LINEAGE),
    Migration("014_standing_memory", _STANDING),
    Migration("015_evidence_by_message", _EVIDENCE_BY_MESSAGE),
    Migration("016_stemmed_messages", _STEMMED_MESSAGES),
    Migration("017_proposal_sources", _PROPOSAL_SOURCES, rebuilds=True),
    Migration("018_rescoping", _RESCOPING),
    Migration("019_decision_batches", _DECISION_BATCHES),
    Migration("020_session_continuations", _SESSION_CONTINUATIONS),
    Migration("021_memory_clock", _MEMORY_CLOCK),
    Migration("022_edges_covered", _EDGES_COVERED),
)
"""Every migration, oldest first. Append new ones; never edit one that has shipped."""

SCHEMA_VERSION = len(MIGRATIONS)
