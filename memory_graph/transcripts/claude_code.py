"""Claude Code transcripts (`~/.claude/projects/<project>/<session>.jsonl`).

Each line is an event. `user` and `assistant` lines carry a Messages-API message; one assistant
reply is spread over several lines (one content block each), and every line becomes one Reverie
message whose external id is the line's `uuid`, with its origin (`transcripts.origins`: many user
lines are the harness's, not the person's). Sub-agent files (`<session>/subagents/agent-*.jsonl`,
`isSidechain`) become child sessions. `summary` lines title the session they point into.
Progress, hook, snapshot and queue lines carry no conversation and are counted as ignored.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from memory_graph.store.content import blocks_text, tool_result_text
from memory_graph.store.origins import RECALLED, person_text, recalled_in
from memory_graph.store.records import Block, MessageOrigin, Role
from memory_graph.store.session_log import title_from
from memory_graph.transcripts import origins
from memory_graph.transcripts.jsonl import records
from memory_graph.transcripts.parsed import (
    ImportedMessage,
    ImportedSession,
    ParsedFile,
    Problem,
    TitleHint,
)

SOURCE = "claude-code"
_EXIT_CODE = re.compile(r"^Exit code (\d+)\b")
_CONVERSATION = {"user", "assistant"}
_KNOWN_NOISE = {"progress", "file-history-snapshot", "queue-operation", "system"}


def looks_like(sample: dict[str, Any]) -> bool:
    """Whether a parsed line looks like Claude Code's."""
    kind = sample.get("type")
    if not isinstance(kind, str):
        return False
    return (
        ("sessionId" in sample and kind in _CONVERSATION | _KNOWN_NOISE)
        or (kind == "summary" and "leafUuid" in sample)
        or kind == "file-history-snapshot"
    )


def session_key(line: dict[str, Any]) -> tuple[str, str | None] | None:
    """(external id, parent external id) of the session a line belongs to."""
    session_id = line.get("sessionId")
    if not isinstance(session_id, str) or not session_id:
        return None
    agent = line.get("agentId")
    if line.get("isSidechain") and isinstance(agent, str) and agent:
        return f"{session_id}:agent-{agent}", session_id
    return session_id, None


def _tool_result(block: dict[str, Any]) -> Block:
    content = block.get("content", "")
    if not isinstance(content, str | list):
        content = str(content)
    result: Block = {
        "type": "tool_result",
        "tool_use_id": str(block.get("tool_use_id", "")),
        "content": content,
        "is_error": bool(block.get("is_error", False)),
    }
    # Claude Code's Bash tool reports failures as "Exit code N" at the top of the output.
    match = _EXIT_CODE.match(tool_result_text(content))
    if match:
        result["exit_code"] = int(match.group(1))
    return result


def blocks_of(content: Any) -> list[Block]:
    """Content blocks as Reverie stores them: text, tool_use and tool_result; thinking and
    images are left out (not conversation a person or the dreamer reads)."""
    if isinstance(content, str):
        return [{"type": "text", "text": content}] if content.strip() else []
    if not isinstance(content, list):
        return []
    blocks: list[Block] = []
    for block in content:
        if not isinstance(block, dict):
            continue
        kind = block.get("type")
        if kind == "text" and isinstance(block.get("text"), str) and block["text"].strip():
            blocks.append({"type": "text", "text": block["text"]})
        elif kind == "tool_use":
            arguments = block.get("input")
            blocks.append(
                {
                    "type": "tool_use",
                    "id": str(block.get("id", "")),
                    "name": str(block.get("name", "")),
                    "input": arguments if isinstance(arguments, dict) else {},
                }
            )
        elif kind == "tool_result":
            blocks.append(_tool_result(block))
    return blocks


class _Reading:
    """The sessions of the part of a file read so far that are not yet handed on, and the
    summaries waiting for theirs."""

    def __init__(self, path: Path, into: ParsedFile) -> None:
        self.path = path
        self.into = into
        self.sessions: dict[str, ImportedSession] = {}
        self.owner_of: dict[str, ImportedSession] = {}
        self.summaries: list[TitleHint] = []
        self.root: str | None = None

    def add(self, number: int, line: dict[str, Any]) -> None:
        """Take one line of the transcript."""
        kind = line.get("type")
        if not isinstance(kind, str):
            self.into.problems.append(Problem(self.path, number, "line without a type"))
            return
        if kind == "summary":
            leaf, text = line.get("leafUuid"), line.get("summary")
            if isinstance(leaf, str) and isinstance(text, str) and text.strip():
                self.summaries.append(TitleHint(number, leaf, title_from(text)))
            return
        if kind not in _CONVERSATION:
            self.into.ignored += 1
            return
        message = line.get("message")
        key = session_key(line)
        if not isinstance(message, dict) or key is None:
            problem = Problem(self.path, number, f"{kind} line without message/sessionId")
            self.into.problems.append(problem)
            return
        blocks = blocks_of(message.get("content"))
        if not blocks:
            self.into.ignored += 1
            return
        self._add_message(self._session(*key), kind, line, message, blocks)

    def moves_on(self, line: dict[str, Any]) -> bool:
        """Whether this line starts another session than the ones held (their sub-agents' lines
        share their session id, so they do not count)."""
        root = line.get("sessionId")
        if not isinstance(root, str) or not root or root == self.root:
            return False
        moved, self.root = self.root is not None, root
        return moved

    def hand_on(self) -> list[ImportedSession]:
        """The sessions held, titled by the summaries that point into them; they are no longer
        held (a summary found later titles them in the log)."""
        waiting = []
        for hint in self.summaries:
            owner = self.owner_of.get(hint.leaf)
            if owner is None:
                waiting.append(hint)
            else:
                owner.title = hint.title
        sessions = list(self.sessions.values())
        self.summaries, self.sessions, self.owner_of = waiting, {}, {}
        return sessions

    def _session(self, external_id: str, parent: str | None) -> ImportedSession:
        session = self.sessions.get(external_id)
        if session is None:
            session = ImportedSession(SOURCE, external_id, parent_external_id=parent)
            self.sessions[external_id] = session
        return session

    def _add_message(
        self,
        session: ImportedSession,
        kind: str,
        line: dict[str, Any],
        message: dict[str, Any],
        blocks: list[Block],
    ) -> None:
        role: Role = "assistant" if kind == "assistant" else "user"
        uuid = line.get("uuid") if isinstance(line.get("uuid"), str) else None
        timestamp = line.get("timestamp") if isinstance(line.get("timestamp"), str) else None
        session.saw(timestamp)
        cwd = line.get("cwd")
        if session.cwd is None and isinstance(cwd, str) and cwd:
            session.cwd = cwd
        if uuid:
            self.owner_of[uuid] = session
        results = [b for b in blocks if b["type"] == "tool_result"]
        if role == "user" and results:
            # Tool results are the world's answer; words typed beside them stay the user's.
            # What Reverie's MCP server answered (`origins.SERVED`) is memory coming back.
            served = RECALLED if recalled_in(blocks_text(results)) else None
            session.messages.append(ImportedMessage("tool", results, uuid, timestamp, {}, served))
            blocks = [b for b in blocks if b["type"] != "tool_result"]
            uuid = f"{uuid}:words" if uuid else None
            if not blocks:
                return
        meta: dict[str, Any] = {}
        imported = ImportedMessage(role, blocks, uuid, timestamp, meta)
        if role == "assistant":
            model = message.get("model")
            if isinstance(model, str) and not model.startswith("<"):
                session.model = model
                meta["model"] = model
        else:
            words = blocks_text(blocks)
            imported.provenance = origins.claude_code(line, words)
            if imported.provenance.origin is MessageOrigin.PERSON and not session.fallback_title:
                session.fallback_title = title_from(person_text(words))
        session.messages.append(imported)


def parse(
    path: Path, into: ParsedFile, offset: int = 0, first_line: int = 1, *, final: bool = True
) -> Iterator[ImportedSession]:
    """Read a Claude Code transcript from `offset` (line `first_line`) to its end, handing on
    its sessions one at a time: those held so far go when a line of another session arrives."""
    reading = _Reading(path, into)
    for number, line in records(path, into, offset, first_line, final=final):
        if reading.moves_on(line):
            yield from reading.hand_on()
        reading.add(number, line)
    yield from reading.hand_on()
    into.titles.extend(reading.summaries)
