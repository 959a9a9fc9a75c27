"""OpenAI-style chat logs: a JSON list (or one object) or JSONL of conversations.

A conversation has `messages` (or `traj`, as in tau-bench) of system/user/assistant/tool
messages; assistant `tool_calls` become tool_use blocks and `tool` messages tool_result blocks.
Optional fields: `id`, `title`, `created`, `outcome` or `reward` (1 success, 0 failure),
`private`, and a message's `id` (kept as its external id).

A conversation without an `id` is named by a digest of all its messages (prefixed with
tau-bench's `task_id`/`trial` when present): the same data imports once and different
conversations never merge; one that grows later imports as a new session (give it an `id`).
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from memory_graph.store.records import Block, Outcome, Role, dumps, iso
from memory_graph.store.session_log import title_from
from memory_graph.transcripts import json_stream
from memory_graph.transcripts.jsonl import first_record, records, sample
from memory_graph.transcripts.parsed import ImportedMessage, ImportedSession, ParsedFile, Problem

SOURCE = "openai"
_ROLES = {"system", "user", "assistant", "tool", "function", "developer"}


def looks_like(sample: Any) -> bool:
    """Whether a parsed JSON value looks like one conversation."""
    if not isinstance(sample, dict):
        return False
    turns = sample.get("messages", sample.get("traj"))
    return isinstance(turns, list)


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, int | float) and not isinstance(content, bool):
        return str(content)
    if isinstance(content, list):
        parts = [
            str(part.get("text", ""))
            for part in content
            if isinstance(part, dict) and part.get("type") in ("text", "input_text", "output_text")
        ]
        return "\n".join(part for part in parts if part)
    return ""


def _timestamp(value: Any) -> str | None:
    if isinstance(value, bool):
        return None
    if isinstance(value, int | float):
        try:
            moment = datetime.fromtimestamp(float(value), UTC)
        except (OverflowError, OSError, ValueError):
            return None
        return iso(moment)
    if isinstance(value, str) and value.strip():
        return value.strip()
    return None


def _outcome(conversation: dict[str, Any]) -> Outcome:
    outcome = conversation.get("outcome")
    if outcome in ("success", "failure"):
        return outcome  # type: ignore[no-any-return]
    reward = conversation.get("reward")
    if isinstance(reward, int | float) and not isinstance(reward, bool):
        if reward >= 1:
            return "success"
        if reward <= 0:
            return "failure"
    return "unknown"


def _external_id(conversation: dict[str, Any], turns: list[Any]) -> str:
    given = conversation.get("id")
    if isinstance(given, str | int) and not isinstance(given, bool) and str(given):
        return str(given)
    # Without an id, the whole conversation names it: the same data imports once, and two
    # different conversations (two models' runs of one tau-bench task) never merge.
    digest = hashlib.sha256(dumps(turns).encode("utf-8", "replace")).hexdigest()[:16]
    task, trial = conversation.get("task_id"), conversation.get("trial")
    if isinstance(task, str | int) and isinstance(trial, str | int):
        return f"task-{task}-trial-{trial}-{digest}"
    return f"sha256-{digest}"


def _message(turn: dict[str, Any], role: str) -> ImportedMessage | None:
    text = _text(turn.get("content"))
    blocks: list[Block] = []
    kind: Role
    if role in ("system", "developer"):
        kind = "system"
    elif role == "user":
        kind = "user"
    elif role == "assistant":
        kind = "assistant"
    else:
        kind = "tool"
    if kind == "tool":
        # The format says nothing of whether a call failed: no `is_error` is made up here, and
        # the dreamer reads the text (`dreamer.extractors.failure_text`).
        blocks.append(
            {
                "type": "tool_result",
                "tool_use_id": str(turn.get("tool_call_id") or turn.get("name") or ""),
                "content": text,
            }
        )
    elif text.strip():
        blocks.append({"type": "text", "text": text})
    calls = turn.get("tool_calls")
    for call in calls if kind == "assistant" and isinstance(calls, list) else []:
        if not isinstance(call, dict):
            continue
        function: dict[str, Any] = (
            call["function"] if isinstance(call.get("function"), dict) else {}
        )
        arguments: Any = function.get("arguments", {})
        if isinstance(arguments, str):
            try:
                arguments = json.loads(arguments) if arguments.strip() else {}
            except (ValueError, RecursionError):
                arguments = {"_raw": arguments}
        blocks.append(
            {
                "type": "tool_use",
                "id": str(call.get("id", "")),
                "name": str(function.get("name", "")),
                "input": arguments if isinstance(arguments, dict) else {"_value": arguments},
            }
        )
    if not blocks:
        return None
    external = turn.get("id")
    return ImportedMessage(
        role=kind,
        content=blocks,
        external_id=str(external) if isinstance(external, str | int) and external != "" else None,
        created=_timestamp(turn.get("created")),
    )


def conversation(
    value: dict[str, Any], path: Path, where: int | None, problems: list[Problem]
) -> ImportedSession | Problem:
    """One conversation read from a JSON object, or the problem that stops it; messages that
    cannot be read are skipped and added to `problems`."""
    turns = value.get("messages", value.get("traj"))
    if not isinstance(turns, list):
        return Problem(path, where, "conversation without a messages (or traj) list")
    session = ImportedSession(SOURCE, _external_id(value, turns), outcome=_outcome(value))
    session.private = value.get("private") is True
    created = _timestamp(value.get("created"))
    session.saw(created)
    model = value.get("model")
    session.model = model if isinstance(model, str) else None
    for index, turn in enumerate(turns):
        role = turn.get("role") if isinstance(turn, dict) else None
        role = role.lower() if isinstance(role, str) else None
        if role not in _ROLES:
            problems.append(Problem(path, where, f"message {index} has no known role; skipped"))
            continue
        message = _message(turn, role)
        if message is not None:
            session.saw(message.created)
            session.messages.append(message)
    if not session.messages:
        return Problem(path, where, "conversation with no messages")
    title = value.get("title")
    if isinstance(title, str) and title.strip():
        session.title = title_from(title)
    first_user = next(
        (m.content[0].get("text", "") for m in session.messages if m.role == "user"), ""
    )
    session.fallback_title = title_from(first_user)
    return session


def parse(
    path: Path, into: ParsedFile, offset: int = 0, first_line: int = 1, *, final: bool = True
) -> Iterator[ImportedSession]:
    """Read conversations from a JSON document (a list, read item by item, or an object spread
    over lines) or from JSON Lines (from `offset`), one at a time."""
    if _is_document(path):
        yield from _document(path, into)
        return
    for number, value in records(path, into, offset, first_line, final=final):
        outcome = conversation(value, path, number, into.problems)
        if isinstance(outcome, Problem):
            into.problems.append(outcome)
        else:
            yield outcome


def _is_document(path: Path) -> bool:
    """Whether a file holds one JSON document (a list, or a conversation spread over lines)
    rather than a conversation per line. A first line that does not parse followed by lines
    that are conversations is JSON Lines with a bad line, not a document."""
    start = json_stream.first_char(path)
    if start != "{":
        return start == "["
    return first_record(path) is None and not any(looks_like(value) for value in sample(path))


def _document(path: Path, into: ParsedFile) -> Iterator[ImportedSession]:
    """The conversations of a JSON document, decoded one item at a time."""
    with path.open("rb") as handle:
        into.end_offset = os.fstat(handle.fileno()).st_size
        try:
            for index, item in enumerate(json_stream.items(handle)):
                into.lines += 1
                outcome = _item(path, index, item, into.problems)
                if isinstance(outcome, Problem):
                    into.problems.append(outcome)
                else:
                    yield outcome
        except json_stream.DocumentError as error:
            into.problems.append(Problem(path, error.line, error.reason))


def _item(
    path: Path, index: int, item: json_stream.Item, problems: list[Problem]
) -> ImportedSession | Problem:
    if not isinstance(item.value, dict):
        return Problem(path, item.line, f"item {index} is not a JSON object")
    outcome = conversation(item.value, path, item.line, problems)
    if isinstance(outcome, Problem):
        return Problem(path, item.line, f"item {index}: {outcome.reason}")
    return outcome
