"""The agent loop with the real anthropic SDK against a local Messages API server: a turn streamed
(or not) to its observer and logged, the user's words first; tool calls sent back with their
results, each asked for (denied, the model is told; allowed for the session, asked once); a
cancelled reply kept as interrupted; a reply a crashed process left placed before the next
turn; a model reached by key or by base URL alone, and without one a notice saying how to
connect. When the endpoint fails: test_agent_retries.py."""

from __future__ import annotations

import asyncio
import contextlib
import typing
from dataclasses import replace
from pathlib import Path

import anthropic.types.model

from app.agent.loop import Agent
from app.agent.model_client import NO_MODEL_MESSAGE
from app.agent.permissions import Decision
from app.config import DEFAULT_MODEL, Config
from memory_graph.store.session_log import SessionLog
from tests.support.fake_api import FakeMessagesAPI, text, tool_use
from tests.support.recorder import Recorder, turn


def test_default_model_is_a_current_sonnet_known_to_the_sdk() -> None:
    known = typing.get_args(typing.get_args(anthropic.types.model.Model)[0])
    assert DEFAULT_MODEL in known
    assert "sonnet" in DEFAULT_MODEL


async def test_streamed_reply_is_shown_and_logged(
    log: SessionLog, config: Config, fake_api: FakeMessagesAPI
) -> None:
    fake_api.add(text("Hello", ", ", "world"))
    session, result, observer = await turn(log, config, "hi there")
    assert result.status == "ok"
    assert observer.deltas == ["Hello", ", ", "world"]
    messages = await log.messages(session.id)
    # The user's words first: they are kept whatever the steps after them do.
    assert [m.role for m in messages] == ["user", "system", "assistant"]
    assert messages[-1].text == "Hello, world"
    assert messages[-1].meta["stop_reason"] == "end_turn"
    request = fake_api.requests[0]
    assert request["stream"] is True
    assert request["model"] == config.model
    assert request["messages"] == [
        {"role": "user", "content": [{"type": "text", "text": "hi there"}]}
    ]
    assert {tool["name"] for tool in request["tools"]} >= {"read_file", "run_command"}
    sent_key = fake_api.headers[0].get("x-api-key") or fake_api.headers[0]["authorization"]
    assert sent_key.removeprefix("Bearer ") == "test-key"
    assert (await log.get_session(session.id)).title == "hi there"


async def test_non_streamed_reply(
    log: SessionLog, config: Config, fake_api: FakeMessagesAPI
) -> None:
    fake_api.add(text("plain answer"))
    session, result, _ = await turn(log, replace(config, stream=False), "hi")
    assert result.reply == "plain answer"
    assert "stream" not in fake_api.requests[0] or not fake_api.requests[0]["stream"]
    assert (await log.messages(session.id))[-1].text == "plain answer"


async def test_tool_use_round_trip(
    log: SessionLog, config: Config, fake_api: FakeMessagesAPI, workspace: Path
) -> None:
    (workspace / "notes.txt").write_text("the answer is 42\n")
    fake_api.add(
        tool_use("read_file", {"path": "notes.txt"}, say="Let me look."), text("It is 42.")
    )
    session, result, _ = await turn(log, config, "what is in notes.txt?")
    assert result.status == "ok" and result.tool_calls == 1
    assert result.reply == "Let me look.It is 42."
    second = fake_api.requests[1]["messages"]
    assert [turn["role"] for turn in second] == ["user", "assistant", "user"]
    assert second[1]["content"][1]["type"] == "tool_use"
    tool_result = second[2]["content"][0]
    assert tool_result["type"] == "tool_result" and tool_result["tool_use_id"] == "toolu_1"
    assert "the answer is 42" in tool_result["content"] and tool_result["is_error"] is False
    roles = [m.role for m in await log.messages(session.id)]
    assert roles == ["user", "system", "assistant", "tool", "assistant"]


async def test_permission_denied_is_logged_and_reported_to_the_model(
    log: SessionLog, config: Config, fake_api: FakeMessagesAPI, workspace: Path
) -> None:
    fake_api.add(tool_use("write_file", {"path": "x.txt", "content": "x"}), text("OK, I won't."))
    session = await log.create_session()
    observer = Recorder([Decision.DENY])
    await Agent(log, config).run_turn(session.id, "write x", observer)
    assert not (workspace / "x.txt").exists()
    assert [call.name for call in observer.asked] == ["write_file"]
    result_block = fake_api.requests[1]["messages"][2]["content"][0]
    assert result_block["is_error"] is True and "denied" in result_block["content"]
    kinds = [event.kind for event in await log.events(session.id)]
    assert "tool_denied" in kinds


async def test_allow_for_session_asks_only_once(
    log: SessionLog, config: Config, fake_api: FakeMessagesAPI, workspace: Path
) -> None:
    fake_api.add(
        tool_use("run_command", {"command": "echo one > a.txt"}, call_id="t1"),
        tool_use("run_command", {"command": "exit 3"}, call_id="t2"),
        text("done"),
    )
    session = await log.create_session()
    observer = Recorder([Decision.SESSION])
    result = await Agent(log, config).run_turn(session.id, "run things", observer)
    assert len(observer.asked) == 1 and result.tool_calls == 2
    assert (workspace / "a.txt").read_text() == "one\n"
    tool_messages = [m for m in await log.messages(session.id) if m.role == "tool"]
    assert tool_messages[0].content[0]["exit_code"] == 0
    assert tool_messages[1].content[0]["exit_code"] == 3
    assert tool_messages[1].content[0]["is_error"] is True
    # exit_code is ours: it is never sent to the API.
    assert "exit_code" not in fake_api.requests[2]["messages"][-1]["content"][0]


async def test_cancel_keeps_what_streamed_as_interrupted(
    log: SessionLog, config: Config, fake_api: FakeMessagesAPI
) -> None:
    fake_api.add(text(*[f"word{i} " for i in range(200)], delay=0.02))
    session = await log.create_session()
    observer = Recorder()
    task = asyncio.create_task(Agent(log, config).run_turn(session.id, "long story", observer))
    while len(observer.deltas) < 3:
        await asyncio.sleep(0.01)
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await task
    reply = (await log.messages(session.id))[-1]
    assert reply.interrupted and reply.meta["reason"] == "cancelled by the user"
    assert reply.text.startswith("word0 word1 word2")


async def test_a_crashed_reply_is_placed_before_the_next_turn(
    log: SessionLog, config: Config, fake_api: FakeMessagesAPI
) -> None:
    session = await log.create_session()
    await log.append_message(session.id, "user", [{"type": "text", "text": "story"}])
    await log.connection.execute(
        "INSERT INTO drafts (session_id, owner, pid, host, role, content, created, updated) "
        "VALUES (?, 'gone', 4194305, ?, 'assistant', ?, '2026-01-01', '2026-01-01')",
        (session.id, log.drafts.host, '[{"type":"text","text":"once upon a"}]'),
    )
    fake_api.add(text("...time"))
    await Agent(log, config).run_turn(session.id, "go on", Recorder())
    texts = [m.text for m in await log.messages(session.id) if m.role != "system"]
    assert texts == ["story", "once upon a", "go on", "...time"]
    sent = fake_api.requests[0]["messages"]
    assert [turn["role"] for turn in sent] == ["user", "assistant", "user"]


async def test_without_a_model_the_turn_says_how_to_connect(log: SessionLog, home: Path) -> None:
    config = Config(home=home)
    session, result, observer = await turn(log, config, "hello?")
    assert result.status == "no_model"
    assert observer.notices == [NO_MODEL_MESSAGE]
    assert "ANTHROPIC_API_KEY" in NO_MODEL_MESSAGE and "ANTHROPIC_BASE_URL" in NO_MODEL_MESSAGE
    assert [m.text for m in await log.messages(session.id)] == ["hello?"]


async def test_base_url_alone_is_enough_for_a_local_endpoint(
    log: SessionLog, config: Config, fake_api: FakeMessagesAPI
) -> None:
    fake_api.add(text("local model here"))
    _, result, _ = await turn(log, replace(config, api_key=None), "hi")
    assert result.status == "ok"
