"""The MCP server: four tools and one resource over stdio, on the official SDK (`mcp`), which
does the protocol (framing, initialisation, schemas from the signatures, errors as results).

A tool that is given a bad argument, or meets a database it cannot read (busy, gone), answers an
MCP error with one line (the SDK's `ToolError`, sent as a result with `isError`); the server goes
on serving. Anything else is a bug: the SDK answers a generic error and logs the traceback on
standard error, and the server goes on too.
"""

from __future__ import annotations

from collections.abc import Awaitable
from typing import Any, TypeVar

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ToolError
from mcp.types import CallToolResult, InputRequiredResult
from pydantic import ValidationError

from app.errors import USER_ERRORS
from app.mcp_server.memory import MAX_K, ServedMemory
from memory_graph.memory.vocabulary import PROPOSED_KINDS, MemoryKind
from memory_graph.store.origins import SERVED

NAME = "reverie"
STANDING_URI = "reverie://memory/standing"
INSTRUCTIONS = (
    "Reverie holds what the user adopted into memory, each memory traceable to the sessions "
    "behind it. Read the standing memory resource at the start; `recall` what bears on a "
    "request; `why` shows a memory's evidence. `propose` only suggests: the user decides in "
    "Reverie's inbox whether it becomes memory."
)

Answer = TypeVar("Answer")


async def _answered(work: Awaitable[Answer]) -> Answer:
    """The tool's answer, or an MCP error whose one line says what to fix."""
    try:
        return await work
    except USER_ERRORS as error:
        raise ToolError(str(error)) from None


class _Server(MCPServer[Any]):
    """The SDK's server, with arguments of the wrong type answered in one line: its own
    message is pydantic's, several lines long with a link to pydantic's documentation."""

    async def call_tool(
        self, name: str, arguments: dict[str, Any], context: Context[Any, Any] | None = None
    ) -> CallToolResult | InputRequiredResult:
        try:
            return await super().call_tool(name, arguments, context)
        except ToolError as error:
            invalid = error.__cause__
            if not isinstance(invalid, ValidationError):
                raise
            problems = "; ".join(
                f"{'.'.join(map(str, problem['loc'])) or 'arguments'}: {problem['msg']}"
                for problem in invalid.errors()
            )
            raise ToolError(f"Error executing tool {name}: {problems}") from invalid


def _served(answer: dict[str, Any]) -> dict[str, Any]:
    """An answer marked as Reverie's memory: coming back in the agent's transcript, it is known
    for what Reverie handed, never new evidence (`memory_graph.store.origins.SERVED`)."""
    return {"served_by": SERVED, **answer}


def _client(ctx: Context) -> str:
    """The name the client gave when it connected (clientInfo), or "" when it gave none."""
    params = ctx.request_context.session.client_params
    return params.client_info.name if params is not None else ""


def build_server(memory: ServedMemory) -> MCPServer[Any]:
    """The server, its tools answering from `memory`."""
    # WARNING: the SDK logs each tool error at INFO on standard error, which a client shows
    # as noise; the agent reads the error in the result anyway.
    server = _Server(NAME, instructions=INSTRUCTIONS, log_level="WARNING")
    kinds = ", ".join(PROPOSED_KINDS)

    @server.tool(
        description=(
            "What Reverie's memory would carry into a turn about `query`, as `reverie recall "
            "--json` prints it: the standing memory (the user's preferences and facts about "
            "them), then the memories and earlier messages relevant to the text, best first, "
            f"each with its evidence. k: at most this many hits (1 to {MAX_K})."
        )
    )
    async def recall(query: str, k: int = 10) -> dict[str, Any]:
        return _served((await _answered(memory.recall(query, k))).to_json())

    @server.tool(
        description=(
            "The memories the user adopted that are active, strongest first (at most 200, with "
            f"the total). kind: one of {', '.join(MemoryKind)}; default: all but topics and "
            "entities. project: a folder; only the memories that apply in its project "
            "(default: every project's)."
        )
    )
    async def memories(kind: str | None = None, project: str | None = None) -> dict[str, Any]:
        return _served((await _answered(memory.memories(kind, project))).to_json())

    @server.tool(
        description=(
            "Why a memory is believed: the sessions and excerpts (secrets redacted) that back "
            "it; for one an agent suggested, who suggested it and its unverified reason."
        )
    )
    async def why(memory_id: int) -> dict[str, Any]:
        return _served((await _answered(memory.why(memory_id))).to_json())

    @server.tool(
        description=(
            "Suggest a memory. It is not remembered: it waits in Reverie's inbox for the user "
            f"to adopt or reject, with your reason as its only evidence. kind: one of {kinds}. "
            "statement: one sentence, as it should be remembered. reason: why the user would "
            "want it (what they said or did)."
        )
    )
    async def propose(statement: str, kind: str, reason: str, ctx: Context) -> dict[str, Any]:
        suggested = await _answered(memory.propose(statement, kind, reason, _client(ctx)))
        return {
            "proposal_id": suggested.proposal_id,
            "status": "pending: waits in the inbox for the user's decision",
            "new": suggested.new,
            "source": suggested.source,
            "flag": suggested.flag or None,
        }

    @server.resource(
        STANDING_URI,
        name="standing-memory",
        description=(
            "What a new session in this project starts with: the user's standing memory and the "
            "project's own, as Markdown (`reverie context`)."
        ),
        mime_type="text/markdown",
    )
    async def standing() -> str:
        try:
            return await memory.standing_markdown()
        except USER_ERRORS as error:
            raise ResourceError(str(error)) from None

    return server
