"""Turning the session log into a valid Messages API conversation."""

from __future__ import annotations

from typing import Any

from app.agent.history import api_messages
from memory_graph.store.records import Message


def _message(seq: int, role: str, *blocks: dict[str, Any], **meta: Any) -> Message:
    return Message(
        id=seq,
        session_id=1,
        seq=seq,
        role=role,
        content=list(blocks),
        text="",  # type: ignore[arg-type]
        created="",
        meta=meta,
    )


def _text(value: str) -> dict[str, Any]:
    return {"type": "text", "text": value}


def test_system_dropped_tool_results_become_user_turns_without_our_fields() -> None:
    log = [
        _message(1, "system", _text("prompt")),
        _message(2, "user", _text("list files")),
        _message(
            3,
            "assistant",
            _text("ok"),
            {"type": "tool_use", "id": "t1", "name": "list_dir", "input": {}},
        ),
        _message(
            4,
            "tool",
            {
                "type": "tool_result",
                "tool_use_id": "t1",
                "content": "a.txt",
                "is_error": False,
                "exit_code": 0,
            },
        ),
        _message(5, "assistant", _text("one file")),
    ]
    turns = api_messages(log)
    assert [turn["role"] for turn in turns] == ["user", "assistant", "user", "assistant"]
    assert turns[2]["content"] == [
        {"type": "tool_result", "tool_use_id": "t1", "content": "a.txt", "is_error": False}
    ]


def test_an_interrupted_tool_call_gets_a_synthetic_result_before_the_next_words() -> None:
    log = [
        _message(1, "user", _text("run it")),
        _message(
            2, "assistant", {"type": "tool_use", "id": "t1", "name": "run_command", "input": {}}
        ),
        _message(3, "user", _text("never mind")),
    ]
    turns = api_messages(log)
    assert [turn["role"] for turn in turns] == ["user", "assistant", "user"]
    result, words = turns[2]["content"]
    assert result["type"] == "tool_result" and result["tool_use_id"] == "t1" and result["is_error"]
    assert words == _text("never mind")


def test_consecutive_user_turns_merge_and_empty_text_is_dropped() -> None:
    log = [
        _message(1, "assistant", _text("orphan greeting")),
        _message(2, "user", _text("first")),
        _message(3, "assistant", _text(""), interrupted=True),
        _message(4, "user", _text("second")),
    ]
    assert api_messages(log) == [{"role": "user", "content": [_text("first"), _text("second")]}]
