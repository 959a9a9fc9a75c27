"""Sessions written straight into a log, for tests of what the dreamer makes of them."""

from __future__ import annotations

from memory_graph.session_log import SessionLog


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


async def command_session(log: SessionLog, request: str, steps: list[tuple[str, str, int]]) -> int:
    """A session: the user's request, then commands run with their output and exit code."""
    session = await log.create_session(title=request)
    await log.append_message(session.id, "user", [{"type": "text", "text": request}])
    for number, (command, output, code) in enumerate(steps):
        call = {"type": "tool_use", "id": f"t{number}", "name": "run_command"}
        await log.append_message(session.id, "assistant", [{**call, "input": {"command": command}}])
        result = {"type": "tool_result", "tool_use_id": f"t{number}", "content": output}
        await log.append_message(
            session.id, "tool", [{**result, "is_error": code != 0, "exit_code": code}]
        )
    return session.id
