"""From the session log to the `messages` list of a Messages API request."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from memory_graph.store.blocks import well_formed
from memory_graph.store.content import tool_result_text
from memory_graph.store.records import Block, Message

_INTERRUPTED_RESULT = "not run: the reply was interrupted before this tool ran"
_UNPAIRED_RESULT = "[the output of a tool call that is not in this conversation]"


def _api_block(block: Block) -> Block | None:
    kind = block["type"]
    if kind == "text":
        # The API refuses a text block of only whitespace.
        return {"type": "text", "text": block["text"]} if block["text"].strip() else None
    if kind == "tool_use":
        if not (block["id"] and block["name"]):
            return None  # a call without an id or a name can neither be sent nor answered
        return {
            "type": "tool_use",
            "id": block["id"],
            "name": block["name"],
            "input": block["input"],
        }
    if kind == "tool_result":
        # exit_code is ours, not the API's: send only what the API accepts.
        return {
            "type": "tool_result",
            "tool_use_id": block["tool_use_id"],
            "content": block.get("content") or "",
            "is_error": bool(block.get("is_error", False)),
        }
    return None


def api_messages(log: Iterable[Message]) -> list[dict[str, Any]]:
    """Messages for the API: system and empty messages dropped, tool results sent as user turns,
    consecutive turns of one role merged, and every tool_use answered by a tool_result (a reply
    interrupted between a call and its result gets a synthetic error result). Whatever the log
    holds, the request is one the API accepts: a call it could not pair is left out, and a
    result that answers no call just before it is sent as text."""
    turns: list[dict[str, Any]] = []
    for message in log:
        if message.role == "system":
            continue
        role = "assistant" if message.role == "assistant" else "user"
        content = well_formed(message.content)
        blocks = [b for b in (_api_block(block) for block in content) if b is not None]
        if not blocks:
            continue
        if turns and turns[-1]["role"] == role:
            turns[-1]["content"].extend(blocks)
        else:
            turns.append({"role": role, "content": blocks})
    while turns and turns[0]["role"] != "user":
        turns.pop(0)
    _unpaired_results_as_text(turns)
    _answer_every_tool_use(turns)
    return turns


def _unpaired_results_as_text(turns: list[dict[str, Any]]) -> None:
    calls: set[str] = set()
    for turn in turns:
        if turn["role"] == "assistant":
            calls = {b["id"] for b in turn["content"] if b["type"] == "tool_use"}
            continue
        turn["content"] = [
            b if b["type"] != "tool_result" or b["tool_use_id"] in calls else _as_text(b)
            for b in turn["content"]
        ]
        calls = set()


def _as_text(result: Block) -> Block:
    """A tool result whose call is not in the conversation, as words the model can still read."""
    output = tool_result_text(result["content"])
    return {"type": "text", "text": f"{_UNPAIRED_RESULT}\n{output}".strip()}


def _answer_every_tool_use(turns: list[dict[str, Any]]) -> None:
    index = 0
    while index < len(turns):
        turn = turns[index]
        if turn["role"] == "assistant":
            calls = [b["id"] for b in turn["content"] if b["type"] == "tool_use"]
            following = turns[index + 1] if index + 1 < len(turns) else None
            if calls and (following is None or following["role"] != "user"):
                following = {"role": "user", "content": []}
                turns.insert(index + 1, following)
            if calls and following is not None:
                answered = {
                    b["tool_use_id"] for b in following["content"] if b["type"] == "tool_result"
                }
                missing = [
                    {
                        "type": "tool_result",
                        "tool_use_id": call,
                        "content": _INTERRUPTED_RESULT,
                        "is_error": True,
                    }
                    for call in calls
                    if call not in answered
                ]
                # Tool results must come first in the user turn that follows the calls.
                results = [b for b in following["content"] if b["type"] == "tool_result"]
                others = [b for b in following["content"] if b["type"] != "tool_result"]
                following["content"] = results + missing + others
        index += 1
