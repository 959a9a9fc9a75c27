"""Reverie's own transcript format: JSON Lines, a header then one session per line.

    {"format": "reverie", "version": 1, "exported": "<time>"}
    {"session": {source, external_id, title, started, ended, model, outcome, private,
                 parent_external_id, cwd}, "messages": [{role, content, meta, origin,
                 origin_reason, external_id, created}]}

Export then import into a fresh home gives back every session, message, origin, outcome and
external id exactly; sessions keep their original source, so a Claude Code session stays one.
`cwd`, `origin` and `origin_reason` may be absent (exports made before they were kept): such
messages get their origin from their text, as the log's own rows did.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Iterator, Sequence
from pathlib import Path
from typing import Any, get_args

from memory_graph.store.blocks import checked
from memory_graph.store.records import Message, Outcome, Role, Session, dumps, now_iso
from memory_graph.store.session_log import SessionLog
from memory_graph.transcripts import origins
from memory_graph.transcripts.jsonl import records
from memory_graph.transcripts.parsed import ImportedMessage, ImportedSession, ParsedFile, Problem

FORMAT = "reverie"
VERSION = 1
_ROLES = set(get_args(Role))
_OUTCOMES: tuple[Outcome, ...] = get_args(Outcome)


def looks_like(sample: dict[str, Any]) -> bool:
    """Whether a line is a Reverie export's header or one of its sessions."""
    return sample.get("format") == FORMAT or (
        isinstance(sample.get("session"), dict) and isinstance(sample.get("messages"), list)
    )


def header() -> str:
    """The first line of an export."""
    return dumps({"format": FORMAT, "version": VERSION, "exported": now_iso()})


def session_line(session: Session, parent: Session | None, messages: Sequence[Message]) -> str:
    """One exported session with its messages, as a line of JSON."""
    return dumps(
        {
            "session": {
                "source": session.source,
                "external_id": session.external_id,
                "title": session.title,
                "started": session.started,
                "ended": session.ended,
                "model": session.model,
                "outcome": session.outcome,
                "private": session.private,
                "parent_external_id": parent.external_id if parent else None,
                "cwd": session.cwd,
            },
            "messages": [
                {
                    "role": m.role,
                    "content": m.content,
                    "meta": m.meta,
                    "origin": m.origin,
                    "origin_reason": m.origin_reason,
                    "external_id": m.external_id,
                    "created": m.created,
                }
                for m in messages
            ],
        }
    )


async def export_lines(log: SessionLog, session_ids: Sequence[int]) -> AsyncIterator[str]:
    """The lines of an export of these sessions (header first), one session at a time."""
    yield header()
    for session_id in session_ids:
        session = await log.get_session(session_id)
        parent = await log.get_session(session.parent_id) if session.parent_id else None
        yield session_line(session, parent, await log.messages(session_id))


def _string(value: Any) -> str | None:
    return value if isinstance(value, str) else None


def _outcome(value: Any) -> Outcome:
    for outcome in _OUTCOMES:
        if value == outcome:
            return outcome
    return "unknown"


def _message(message: Any, index: int, spawned: bool) -> tuple[ImportedMessage | None, list[str]]:
    """Message `index` of a session (`spawned`: one another session spawned), and what is wrong
    with it: a message without a known role is skipped, a block that is not what an export
    holds is kept, repaired."""
    role = message.get("role") if isinstance(message, dict) else None
    if not isinstance(role, str) or role not in _ROLES:
        return None, [f"message {index} has no known role; skipped"]
    assert isinstance(message, dict)
    content, defects = checked(message.get("content"))
    meta = message.get("meta", {})
    meta = meta if isinstance(meta, dict) else {}
    imported = ImportedMessage(
        role=message["role"],
        content=content,
        external_id=_string(message.get("external_id")),
        created=_string(message.get("created")),
        meta=meta,
        provenance=origins.exported(message, message["role"], content, meta, spawned),
    )
    return imported, [f"message {index}, {defect}; kept, repaired" for defect in defects]


def _session(
    value: dict[str, Any], path: Path, number: int, problems: list[Problem]
) -> ImportedSession | str:
    """The session on a line, or why there is none; what is wrong in its messages goes to
    `problems`, and the rest of the session is kept."""
    fields = value.get("session")
    messages = value.get("messages")
    if not isinstance(fields, dict) or not isinstance(messages, list):
        return "line without session and messages"
    source, external_id = _string(fields.get("source")), _string(fields.get("external_id"))
    if not source or not external_id:
        return "session without source and external_id"
    outcome = fields.get("outcome")
    session = ImportedSession(
        source=source,
        external_id=external_id,
        title=_string(fields.get("title")) or "",
        started=_string(fields.get("started")),
        ended=_string(fields.get("ended")),
        model=_string(fields.get("model")),
        outcome=_outcome(outcome),
        private=fields.get("private") is True,
        parent_external_id=_string(fields.get("parent_external_id")),
        cwd=_string(fields.get("cwd")),
    )
    for index, message in enumerate(messages):
        imported, reasons = _message(message, index, session.parent_external_id is not None)
        problems.extend(Problem(path, number, reason) for reason in reasons)
        if imported is not None:
            session.messages.append(imported)
    return session


def parse(
    path: Path, into: ParsedFile, offset: int = 0, first_line: int = 1, *, final: bool = True
) -> Iterator[ImportedSession]:
    """Read an export from `offset` on, one session at a time. A header says which version
    follows (exports joined one after another each keep theirs); a damaged header does not
    hide the sessions after it."""
    for number, value in records(path, into, offset, first_line, final=final):
        if value.get("format") == FORMAT:
            if value.get("version") != VERSION:
                reason = f"a Reverie export of another version than {VERSION}; not read"
                into.problems.append(Problem(path, number, reason))
                return
            continue
        session = _session(value, path, number, into.problems)
        if isinstance(session, str):
            into.problems.append(Problem(path, number, session))
        else:
            yield session
