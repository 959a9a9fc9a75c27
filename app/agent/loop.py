"""The conversation loop: one user turn, streamed replies, tool calls, retries, and a log entry
for everything as it happens."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Literal

from app.agent.history import api_messages
from app.agent.model_client import (
    NO_MODEL_MESSAGE,
    EndpointError,
    StreamCutShort,
    describe_failure,
    make_client,
    retry_delay,
)
from app.agent.permissions import Decision, SessionPermissions
from app.agent.prompt import system_prompt, with_recalled
from app.agent.tools import Toolbox, ToolOutcome
from app.agent.workspace import Workspace
from app.config import Config
from memory_graph.store.errors import StoreError
from memory_graph.store.records import RECALL_EVENT, Block, Message, Session
from memory_graph.store.session_log import SessionLog

if TYPE_CHECKING:
    from anthropic import AsyncAnthropic
    from anthropic.types import Message as AnthropicMessage

    from memory_graph.memory.recall import Recalled, RecallHit

MAX_TOOL_ROUNDS = 25
DRAFT_INTERVAL_S = 0.5
"""How often a streaming reply is saved, so a crash loses at most this much of it."""


@dataclass(frozen=True)
class ToolCall:
    """A tool call the model made."""

    id: str
    name: str
    input: dict[str, Any]


class TurnObserver:
    """What a surface (TUI, headless CLI) hears during a turn. Every method is optional."""

    async def reply_started(self) -> None:
        """A request is about to stream a reply (again, after a retry)."""

    async def text_delta(self, text: str) -> None:
        """More reply text arrived."""

    async def reply_finished(self, message: Message) -> None:
        """The reply was logged (possibly marked interrupted)."""

    async def tool_started(self, call: ToolCall) -> None:
        """The model asked for a tool."""

    async def tool_finished(self, call: ToolCall, outcome: ToolOutcome) -> None:
        """A tool call has its result (denied calls included)."""

    async def recalled(self, recalled: Recalled) -> None:
        """What memory brought to the turn (standing memory and what bears on it)."""

    async def status(self, text: str) -> None:
        """A transient state worth showing: retrying, waiting."""

    async def notice(self, text: str) -> None:
        """A one-line message for the user: no model connected, a request that failed."""

    async def ask_permission(self, call: ToolCall) -> Decision:
        """Whether a tool that writes or executes may run. Deny unless a surface says otherwise."""
        return Decision.DENY


@dataclass
class TurnResult:
    """How a turn ended."""

    session_id: int
    status: Literal["ok", "no_model", "failed"]
    reply: str = ""
    error: str | None = None
    tool_calls: int = 0
    messages: list[int] = field(default_factory=list)
    recalled: list[RecallHit] = field(default_factory=list)
    """What memory brought to the turn: standing memory, then what bears on it."""

    def to_json(self) -> dict[str, Any]:
        """The `reverie chat --json` shape."""
        return {
            "session_id": self.session_id,
            "status": self.status,
            "reply": self.reply,
            "error": self.error,
            "tool_calls": self.tool_calls,
            "message_ids": self.messages,
            "recalled": [recalled_json(hit) for hit in self.recalled],
        }


def recalled_json(hit: RecallHit) -> dict[str, Any]:
    """A recalled memory as `reverie chat --json` lists it (an earlier message by its id)."""
    if hit.node_id is None:
        return {
            "message_id": hit.evidence[0].message_id if hit.evidence else None,
            "kind": "episode",
            "statement": hit.statement,
            "reason": hit.reason,
        }
    return {
        "node_id": hit.node_id,
        "kind": hit.kind,
        "statement": hit.statement,
        "reason": hit.reason,
    }


class TurnFailed(Exception):
    """The model could not be reached or answered with an error, retries included."""


class _Partial:
    """What has streamed so far in one request, for drafts and for keeping an interrupted reply."""

    def __init__(self) -> None:
        self.text: list[str] = []

    def blocks(self) -> list[Block]:
        text = "".join(self.text)
        return [{"type": "text", "text": text}] if text else []


def _stored_block(block: Any) -> Block:
    """A content block of the SDK as stored in the log."""
    if block.type == "text":
        return {"type": "text", "text": block.text}
    if block.type == "tool_use":
        return {"type": "tool_use", "id": block.id, "name": block.name, "input": block.input}
    return dict(block.model_dump(mode="json", exclude_none=True))


_MALFORMED = (ValueError, KeyError, IndexError, TypeError, AttributeError)
"""What the SDK lets through when an event is not what the Messages API sends: data that is not
JSON (a ValueError), or JSON of the wrong shape (a block index out of range, a missing delta)."""


async def _next_event(events: AsyncIterator[Any]) -> Any | None:
    """The stream's next event, None at its end; a malformed event is the endpoint's fault."""
    try:
        return await anext(events)
    except StopAsyncIteration:
        return None
    except _MALFORMED as error:
        raise EndpointError(
            f"a malformed event in the stream ({type(error).__name__}: {error})"
        ) from None


def _stops(event: Any) -> bool:
    """Whether a stream event carries the message's stop reason (a message_delta does)."""
    delta = getattr(event, "delta", None) if event.type == "message_delta" else None
    return getattr(delta, "stop_reason", None) is not None


class Agent:
    """Runs turns of a conversation against the Messages API, logging everything it does."""

    def __init__(self, log: SessionLog, config: Config) -> None:
        self.log = log
        self.config = config
        self.toolbox = Toolbox(Workspace.at(config.workspace_root), config.command_timeout)
        self._client: AsyncAnthropic | None = None
        self._permissions: dict[int, SessionPermissions] = {}
        self._recall_failed: set[int] = set()

    @property
    def client(self) -> AsyncAnthropic:
        """The SDK client, created (and `anthropic` imported) on first use."""
        if self._client is None:
            self._client = make_client(self.config)
        return self._client

    async def new_session(self, continues: Session | None = None) -> Session:
        """Start a session of this agent: its model, and the workspace it works in; linked to
        the imported session it `continues`, if any."""
        return await self.log.create_session(
            model=self.config.model,
            cwd=str(self.toolbox.workspace.root),
            continues_id=continues.id if continues else None,
        )

    async def run_turn(self, session_id: int, text: str, observer: TurnObserver) -> TurnResult:
        """Send one user message and carry the reply through any tool calls.

        The user's message is logged first, so it is kept whatever happens next. Cancelling the
        task keeps what streamed so far as an interrupted reply and re-raises.
        """
        result = TurnResult(session_id, "ok")
        # A reply a dead process left half-streamed in this session goes before the new turn.
        await self.log.drafts.recover(session_id)
        user = await self.log.append_message(session_id, "user", [{"type": "text", "text": text}])
        result.messages.append(user.id)
        recalled, system = None, ""
        if self.config.connected:
            recalled = await self._recall(session_id, text, observer)
            system = await self._log_system_prompt(session_id, recalled)
        if recalled is not None and recalled.found:
            result.recalled = [*recalled.standing, *recalled.hits]
            await observer.recalled(recalled)
            # Recorded with the turn, so what was recalled is never taken for new evidence.
            await self.log.add_event(
                session_id,
                RECALL_EVENT,
                {
                    "memories": recalled.memories,
                    "episodes": recalled.episodes,
                    "references": recalled.references,
                },
                message_id=user.id,
            )
        try:
            if not self.config.connected:
                await self.log.add_event(session_id, "no_model", {}, message_id=user.id)
                await observer.notice(NO_MODEL_MESSAGE)
                result.status, result.error = "no_model", NO_MODEL_MESSAGE
                return result
            await self._converse(session_id, system, observer, result)
        except TurnFailed as failure:
            result.status, result.error = "failed", str(failure)
            await observer.notice(f"The model did not answer: {failure}. Your message is kept.")
        finally:
            await self.log.touch_session(session_id, model=self.config.model)
        return result

    async def _recall(self, session_id: int, text: str, observer: TurnObserver) -> Recalled:
        """What memory brings to this turn; nothing when recall fails. Memory helps a turn and
        must never cost one: the failure is said once per session and the turn goes on."""
        # Imported at the first turn, not with the agent: recall (and the injection detector
        # under it) is not needed for the TUI's first frame. The chat preimports it after that.
        from memory_graph.memory.projects import project_of
        from memory_graph.memory.recall import Recalled, recall

        try:
            return await recall(
                self.log,
                text,
                budget=self.config.recall_budget,
                exclude_session=session_id,
                project=project_of(str(self.toolbox.workspace.root)),
            )
        except Exception as error:  # whatever broke, the user's turn is worth more
            if session_id not in self._recall_failed:
                self._recall_failed.add(session_id)
                await observer.status(f"memory unavailable, answering without it: {error}")
            return Recalled(text, [])

    async def _log_system_prompt(self, session_id: int, recalled: Recalled) -> str:
        """Log the turn's system prompt when it changed, and return it as the model sees it.
        What recall added is logged by reference (memory versions, message ids), never copied
        into this session: `forget` of another session then leaves no trace of it here."""
        prompt = system_prompt(self.toolbox.workspace)
        meta = {"recalled": recalled.references} if recalled.found else {}
        previous = [m for m in await self.log.messages(session_id) if m.role == "system"]
        if not previous or previous[-1].text != prompt or previous[-1].meta != meta:
            await self.log.append_message(
                session_id, "system", [{"type": "text", "text": prompt}], meta=meta
            )
        return with_recalled(prompt, recalled)

    async def _converse(
        self, session_id: int, system: str, observer: TurnObserver, result: TurnResult
    ) -> None:
        for _ in range(MAX_TOOL_ROUNDS):
            history = await self.log.messages(session_id)
            reply, stop_reason = await self._request_with_retries(
                session_id, system, api_messages(history), observer
            )
            result.messages.append(reply.id)
            result.reply += "".join(b["text"] for b in reply.content if b["type"] == "text")
            calls = [b for b in reply.content if b["type"] == "tool_use"]
            if stop_reason != "tool_use" or not calls:
                return
            for block in calls:
                call = ToolCall(block["id"], block["name"], block.get("input") or {})
                result.messages.append(await self._run_tool(session_id, call, observer))
                result.tool_calls += 1
        await observer.notice(f"Stopped after {MAX_TOOL_ROUNDS} rounds of tool calls.")

    async def _run_tool(self, session_id: int, call: ToolCall, observer: TurnObserver) -> int:
        await observer.tool_started(call)
        permissions = self._permissions.setdefault(session_id, SessionPermissions())
        denied = False
        if self.toolbox.needs_permission(call.name) and not permissions.allowed(call.name):
            decision = await observer.ask_permission(call)
            permissions.record(call.name, decision)
            denied = decision is Decision.DENY
            await self.log.add_event(
                session_id,
                "tool_denied" if denied else "tool_allowed",
                {"tool": call.name, "tool_use_id": call.id, "decision": decision.value},
            )
        if denied:
            outcome = ToolOutcome("The user denied permission for this tool call.", is_error=True)
        else:
            try:
                outcome = await self.toolbox.run(call.name, call.input)
            except asyncio.CancelledError:
                reason = f"cancelled by the user while {call.name} ran"
                await self.log.add_event(session_id, "interrupted", {"reason": reason})
                raise
        block: Block = {
            "type": "tool_result",
            "tool_use_id": call.id,
            "content": outcome.output,
            "is_error": outcome.is_error,
        }
        if outcome.exit_code is not None:
            block["exit_code"] = outcome.exit_code
        message = await self.log.append_message(
            session_id, "tool", [block], meta={"tool": call.name, "denied": denied}
        )
        await observer.tool_finished(call, outcome)
        return message.id

    async def _request_with_retries(
        self,
        session_id: int,
        system: str,
        messages: list[dict[str, Any]],
        observer: TurnObserver,
    ) -> tuple[Message, str | None]:
        attempts = self.config.max_retries + 1
        for attempt in range(1, attempts + 1):
            partial = _Partial()
            try:
                return await self._request(session_id, system, messages, observer, partial)
            except asyncio.CancelledError:
                await self._keep_partial(session_id, partial, "cancelled by the user", observer)
                raise
            except Exception as error:
                failure = describe_failure(error)
                if failure is None:
                    await self._keep_partial(session_id, partial, repr(error), observer)
                    raise
                await self.log.add_event(
                    session_id, "api_error", {**failure.to_json(), "attempt": attempt}
                )
                if partial.blocks():
                    # Retrying would repeat what the user already read; keep it and stop here.
                    await self._keep_partial(session_id, partial, failure.summary, observer)
                    raise TurnFailed(f"the reply was cut off ({failure.summary})") from None
                if not failure.retryable or attempt == attempts:
                    tries = f" after {attempt} attempts" if attempt > 1 else ""
                    raise TurnFailed(f"{failure.summary}{tries}") from None
                delay = retry_delay(attempt, self.config.retry_base_delay, failure.retry_after)
                await self.log.add_event(session_id, "retry", {"attempt": attempt, "delay": delay})
                await observer.status(
                    f"{failure.label}: retry {attempt + 1}/{attempts} in {delay:.1f} s"
                )
                await asyncio.sleep(delay)
        raise AssertionError("unreachable: the last attempt returns or raises")

    async def _request(
        self,
        session_id: int,
        system: str,
        messages: list[dict[str, Any]],
        observer: TurnObserver,
        partial: _Partial,
    ) -> tuple[Message, str | None]:
        params: dict[str, Any] = {
            "model": self.config.model,
            "max_tokens": self.config.max_tokens,
            "system": system,
            "messages": messages,
            "tools": self.toolbox.api_tools(),
        }
        await observer.reply_started()
        if self.config.stream:
            final = await self._stream(session_id, params, observer, partial)
        else:
            final = await self.client.messages.create(**params)
            if not hasattr(final, "content"):
                raise EndpointError(f"expected a message, got {type(final).__name__}")
            for block in final.content:
                if block.type == "text":
                    partial.text.append(block.text)
                    await observer.text_delta(block.text)
        meta = {
            "stop_reason": final.stop_reason,
            "model": final.model,
            "usage": {
                "input_tokens": final.usage.input_tokens,
                "output_tokens": final.usage.output_tokens,
            },
        }
        content = [_stored_block(block) for block in final.content]
        message = await self.log.drafts.commit(session_id, "assistant", content, meta)
        await observer.reply_finished(message)
        return message, final.stop_reason

    async def _stream(
        self, session_id: int, params: dict[str, Any], observer: TurnObserver, partial: _Partial
    ) -> AnthropicMessage:
        async with self.client.messages.stream(**params) as stream:
            events = aiter(stream)
            saved_at, unsaved = time.monotonic(), False
            started = ended = False
            while (event := await _next_event(events)) is not None:
                started = started or event.type == "message_start"
                # A stop reason says the message is whole, even from an endpoint that never
                # sends message_stop after it.
                ended = ended or event.type == "message_stop" or _stops(event)
                if event.type == "text":
                    partial.text.append(event.text)
                    await observer.text_delta(event.text)
                # Any event refreshes the draft, so a long silent tool input never makes a
                # live reply look abandoned to another process.
                if time.monotonic() - saved_at >= DRAFT_INTERVAL_S:
                    saved_at = time.monotonic()
                    try:
                        await self.log.drafts.save(session_id, "assistant", partial.blocks(), {})
                    except StoreError as error:
                        # A full disk (or a writer holding the database) must not cut off an
                        # answer the user is reading: it streams on, the draft is tried again
                        # at the next interval, and the reply's commit says if it was kept.
                        if not unsaved:
                            await observer.status(f"draft not saved: {error}")
                        unsaved = True
            if started and not ended:
                # The SDK hands back whatever arrived as if it were the message; an empty or
                # half reply stored as complete would look like the model's whole answer.
                raise StreamCutShort("the stream ended before the reply was complete")
            try:
                return await stream.get_final_message()
            except AssertionError:
                raise EndpointError("the stream ended without a complete message") from None

    async def _keep_partial(
        self, session_id: int, partial: _Partial, reason: str, observer: TurnObserver
    ) -> None:
        """Log what streamed before an interruption as an interrupted reply, never dropping it."""
        blocks = partial.blocks()
        if not blocks:
            await self.log.drafts.discard(session_id)
            await self.log.add_event(session_id, "interrupted", {"reason": reason})
            return
        message = await self.log.drafts.commit(
            session_id, "assistant", blocks, {"interrupted": True, "reason": reason}
        )
        await self.log.add_event(session_id, "interrupted", {"reason": reason}, message.id)
        await observer.reply_finished(message)
