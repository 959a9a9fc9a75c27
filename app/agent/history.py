"""From the session log to the `messages` list of a Messages API request."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from memory_graph.records import Block, Message

_INTERRUPTED_RESULT = "not run: the reply was interrupted before this tool ran"


def _api_block(block: Block) -> Block | None:
    kind = block.get("type")
    if kind == "text":
        text = block.get("text", "")
        return {"type": "text", "text": text} if text else None
    if kind == "tool_use":
        return {
            "type": "tool_use",
            "id": block["id"],
            "name": block["name"],
            "input": block.get("input", {}),
        }
    if kind == "tool_result":
        # exit_code is ours, not the API's: send only what the API accepts.
        return {
            "type": "tool_result",
            "tool_use_id": block["tool_use_id"],
            "content": block.get("content", ""),
            "is_error": bool(block.get("is_error", False)),
        }
    return None


def api_messages(log: Iterable[Message]) -> list[dict[str, Any]]:
    """Messages for the API: system and empty messages dropped, tool results sent as user turns,
    consecutive turns of one role merged, and every tool_use answered by a tool_result (a reply
    interrupted between a call and its result gets a synthetic error result)."""
    turns: list[dict[str, Any]] = []
    for message in log:
        if message.role == "system":
            continue
        role = "assistant" if message.role == "assistant" else "user"
        blocks = [b for b in (_api_block(block) for block in message.content) if b is not None]
        if not blocks:
            continue
        if turns and turns[-1]["role"] == role:
            turns[-1]["content"].extend(blocks)
        else:
            turns.append({"role": role, "content": blocks})
    _answer_every_tool_use(turns)
    while turns and turns[0]["role"] != "user":
        turns.pop(0)
    return turns


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
