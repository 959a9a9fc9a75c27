"""Sessions written straight into a log, for tests of what the dreamer makes of them."""

from __future__ import annotations

import json
from typing import Any

from dreamer.dream import dream
from memory_graph.memory.nodes import Node
from memory_graph.store.session_log import SessionLog
from tests.support.inbox import inbox_json


def text_content(value: str) -> list[dict[str, str]]:
    """A message's content: one text block saying `value`."""
    return [{"type": "text", "text": value}]


async def chat_session(log: SessionLog, *turns: str, workspace: str = "") -> int:
    """A session where the user says each of `turns`, each answered with a short reply; with
    the system prompt Reverie writes when `workspace` is given. Its id."""
    session = await log.create_session(title=turns[0] if turns else "")
    if workspace:
        prompt = f"You are Reverie. The workspace is {workspace}.\nBe concise."
        await log.append_message(session.id, "system", [{"type": "text", "text": prompt}])
    for turn in turns:
        await log.append_message(session.id, "user", [{"type": "text", "text": turn}])
        await log.append_message(session.id, "assistant", [{"type": "text", "text": "Done."}])
    return session.id


async def command_session(
    log: SessionLog,
    request: str,
    steps: list[tuple[str, str, int]],
    tool: str = "run_command",
    labelled: bool = True,
) -> int:
    """A session: the user's request, then commands run by `tool` with their output and exit
    code; unless `labelled`, a result says its exit status only in its text, as OpenAI-style
    logs do ("exit status 1" on its first line)."""
    session = await log.create_session(title=request)
    await log.append_message(session.id, "user", [{"type": "text", "text": request}])
    for number, (command, output, code) in enumerate(steps):
        call = {"type": "tool_use", "id": f"t{number}", "name": tool}
        await log.append_message(session.id, "assistant", [{**call, "input": {"command": command}}])
        result = {"type": "tool_result", "tool_use_id": f"t{number}", "content": output}
        if labelled:
            result |= {"is_error": code != 0, "exit_code": code}
        else:
            result["content"] = f"exit status {code}\n{output}"
        await log.append_message(session.id, "tool", [result])
    return session.id


async def proposals_against(log: SessionLog, node: Node, *ops: str) -> None:
    """Pending proposals (one per op) made against this memory as it is now, as a dream would
    make them: adopting one changes the state the others were made for."""
    async with log.transaction() as conn:
        for op in ops:
            await conn.execute(
                "INSERT INTO proposals (dream_id, op, kind, statement, payload, confidence, "
                "support, fingerprint, graph_hash, created) "
                "VALUES (1, ?, ?, ?, ?, 0.9, 12, ?, ?, '2026-11-25')",
                (
                    op,
                    node.kind,
                    f"{op} {node.statement}",
                    json.dumps({"target": node.pattern}),
                    f"{op}:{node.pattern}",
                    node.state_hash,
                ),
            )


async def stated_proposals(log: SessionLog, *sessions: tuple[str, ...]) -> list[dict[str, Any]]:
    """Each of `sessions` (its turns) logged, one dream, and the preference and fact proposals
    it made, as `reverie inbox --json` shows them."""
    for turns in sessions:
        await chat_session(log, *turns)
    await dream(log)
    return [p for p in await inbox_json(log) if p["kind"] in ("preference", "fact")]


def sessions_cited_by(proposal: dict[str, Any]) -> set[int]:
    """The ids of the sessions a proposal's evidence cites."""
    return {int(link["session_id"]) for link in proposal["evidence"]}
