"""The agent loop with the real anthropic SDK against a local Messages API server."""

from __future__ import annotations

import asyncio
import contextlib
import typing
from dataclasses import replace
from pathlib import Path

import anthropic.types.model
import pytest

from app.agent.loop import Agent
from app.agent.model_client import NO_MODEL_MESSAGE
from app.agent.permissions import Decision
from app.config import DEFAULT_MODEL, Config
from memory_graph.store.session_log import SessionLog
from tests.support.fake_api import FakeMessagesAPI, Reply, dropped, error, text, tool_use
from tests.support.recorder import Recorder
from tests.support.waiting import eventually


async def _turn(log: SessionLog, config: Config, message: str):  # type: ignore[no-untyped-def]
    session = await log.create_session()
    agent = Agent(log, config)
    observer = Recorder()
    result = await agent.run_turn(session.id, message, observer)
    return session, result, observer


def test_default_model_is_a_current_sonnet_known_to_the_sdk() -> None:
    known = typing.get_args(typing.get_args(anthropic.types.model.Model)[0])
    assert DEFAULT_MODEL in known
    assert "sonnet" in DEFAULT_MODEL


async def test_streamed_reply_is_shown_and_logged(
    log: SessionLog, config: Config, fake_api: FakeMessagesAPI
) -> None:
    fake_api.add(text("Hello", ", ", "world"))
    session, result, observer = await _turn(log, config, "hi there")
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
    session, result, _ = await _turn(log, replace(config, stream=False), "hi")
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
    session, result, _ = await _turn(log, config, "what is in notes.txt?")
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


async def test_429_then_success_is_retried_with_a_visible_status(
    log: SessionLog, config: Config, fake_api: FakeMessagesAPI
) -> None:
    fake_api.add(error(429, "rate_limit_error", {"retry-after-ms": "10"}), text("finally"))
    session, result, observer = await _turn(log, config, "hello")
    assert result.status == "ok" and result.reply == "finally"
    assert len(observer.statuses) == 1 and "429" in observer.statuses[0]
    events = await log.events(session.id)
    assert [e.kind for e in events] == ["api_error", "retry"]
    assert events[0].data["status"] == 429


async def test_529_exhausted_keeps_the_message_and_the_session_goes_on(
    log: SessionLog, config: Config, fake_api: FakeMessagesAPI
) -> None:
    fake_api.add(*[error(529, "overloaded_error") for _ in range(3)])
    session = await log.create_session()
    agent = Agent(log, config)
    observer = Recorder()
    result = await agent.run_turn(session.id, "are you there?", observer)
    assert result.status == "failed" and "529" in (result.error or "")
    assert "after 3 attempts" in (result.error or "")
    assert len(fake_api.requests) == 3
    assert "Your message is kept" in observer.notices[0]
    messages = await log.messages(session.id)
    assert [m.text for m in messages if m.role == "user"] == ["are you there?"]
    fake_api.add(text("back now"))
    again = await agent.run_turn(session.id, "hello?", Recorder())
    assert again.status == "ok"
    # Both user turns reach the model, merged into one user message.
    sent = fake_api.requests[-1]["messages"]
    assert len(sent) == 1 and [b["text"] for b in sent[0]["content"]] == [
        "are you there?",
        "hello?",
    ]


async def test_connection_dropped_mid_stream_keeps_the_partial_reply(
    log: SessionLog, config: Config, fake_api: FakeMessagesAPI
) -> None:
    fake_api.add(dropped("The first half", " of a reply"))
    session, result, _ = await _turn(log, config, "tell me")
    assert result.status == "failed" and "cut off" in (result.error or "")
    assert len(fake_api.requests) == 1, "a reply already shown is not retried"
    reply = (await log.messages(session.id))[-1]
    assert reply.role == "assistant" and reply.interrupted
    assert reply.text == "The first half of a reply"
    assert "interrupted" in [e.kind for e in await log.events(session.id)]


async def test_error_event_inside_a_stream_is_retried(
    log: SessionLog, config: Config, fake_api: FakeMessagesAPI
) -> None:
    fake_api.add(Reply(stream_error="overloaded_error"), text("recovered"))
    _, result, observer = await _turn(log, config, "hi")
    assert result.reply == "recovered" and observer.statuses


async def test_bad_request_is_not_retried(
    log: SessionLog, config: Config, fake_api: FakeMessagesAPI
) -> None:
    fake_api.add(error(400, "invalid_request_error"))
    _, result, _ = await _turn(log, config, "hi")
    assert result.status == "failed" and len(fake_api.requests) == 1


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


async def test_without_a_model_the_turn_says_how_to_connect(log: SessionLog, home: Path) -> None:
    config = Config(home=home)
    session, result, observer = await _turn(log, config, "hello?")
    assert result.status == "no_model"
    assert observer.notices == [NO_MODEL_MESSAGE]
    assert "ANTHROPIC_API_KEY" in NO_MODEL_MESSAGE and "ANTHROPIC_BASE_URL" in NO_MODEL_MESSAGE
    assert [m.text for m in await log.messages(session.id)] == ["hello?"]


async def test_base_url_alone_is_enough_for_a_local_endpoint(
    log: SessionLog, config: Config, fake_api: FakeMessagesAPI
) -> None:
    fake_api.add(text("local model here"))
    _, result, _ = await _turn(log, replace(config, api_key=None), "hi")
    assert result.status == "ok"


async def test_an_endpoint_that_is_not_the_messages_api_fails_clearly(
    log: SessionLog, config: Config, fake_api: FakeMessagesAPI
) -> None:
    for streaming in (True, False):
        fake_api.add(Reply(html=True))
        _, result, observer = await _turn(log, replace(config, stream=streaming), "hi")
        assert result.status == "failed"
        assert "did not answer like the Messages API" in (result.error or "")
        assert observer.notices
    assert len(fake_api.requests) == 2, "a wrong endpoint is not retried"


async def test_a_crashed_reply_is_placed_before_the_next_turn(
    log: SessionLog, config: Config, fake_api: FakeMessagesAPI
) -> None:
    session = await log.create_session()
    await log.append_message(session.id, "user", [{"type": "text", "text": "story"}])
    await log.connection.execute(
        "INSERT INTO drafts (session_id, owner, pid, host, role, content, created, updated) "
        "VALUES (?, 'gone', 4194305, ?, 'assistant', ?, '2026-01-01', '2026-01-01')",
        (session.id, log.host, '[{"type":"text","text":"once upon a"}]'),
    )
    fake_api.add(text("...time"))
    await Agent(log, config).run_turn(session.id, "go on", Recorder())
    texts = [m.text for m in await log.messages(session.id) if m.role != "system"]
    assert texts == ["story", "once upon a", "go on", "...time"]
    sent = fake_api.requests[0]["messages"]
    assert [turn["role"] for turn in sent] == ["user", "assistant", "user"]


async def test_500_is_retried_with_backoff(
    log: SessionLog, config: Config, fake_api: FakeMessagesAPI
) -> None:
    fake_api.add(error(500, "api_error"), error(500, "api_error"), text("third time"))
    session, result, observer = await _turn(log, config, "hi")
    assert result.reply == "third time" and len(fake_api.requests) == 3
    assert [s.split(":")[0] for s in observer.statuses] == ["HTTP 500 api_error"] * 2
    retries = [e.data for e in await log.events(session.id) if e.kind == "retry"]
    assert [r["attempt"] for r in retries] == [1, 2] and retries[1]["delay"] > retries[0]["delay"]


@pytest.mark.parametrize(
    "garbage",
    [
        "{not json",
        '{"type": "content_block_delta", "index": 7, "delta": {"type": "text_delta", "text": "x"}}',
        '{"type": "content_block_delta", "index": 0}',
        "[1, 2, 3]",
    ],
    ids=["not-json", "no-such-block", "no-delta", "not-an-object"],
)
async def test_a_malformed_event_mid_stream_keeps_the_partial_reply(
    log: SessionLog, config: Config, fake_api: FakeMessagesAPI, garbage: str
) -> None:
    fake_api.add(Reply(text_chunks=["Half ", "a ", "reply"], garbage_after=2, garbage=garbage))
    session, result, observer = await _turn(log, config, "tell me")
    assert result.status == "failed" and "cut off" in (result.error or "")
    assert "malformed" in (result.error or "")
    assert "Your message is kept" in observer.notices[0]
    messages = await log.messages(session.id)
    assert [m.text for m in messages if m.role == "user"] == ["tell me"]
    assert messages[-1].interrupted and messages[-1].text == "Half a "


async def test_a_malformed_stream_before_any_text_is_a_clear_failure(
    log: SessionLog, config: Config, fake_api: FakeMessagesAPI
) -> None:
    fake_api.add(Reply(text_chunks=["never shown"], garbage_after=0))
    session, result, _ = await _turn(log, config, "hi")
    assert result.status == "failed" and "malformed" in (result.error or "")
    assert len(fake_api.requests) == 1, "an endpoint that garbles events is not asked again"
    assert [m.role for m in await log.messages(session.id)] == ["user", "system"]


async def test_a_hanging_endpoint_times_out_retries_and_gives_up(
    log: SessionLog, config: Config, fake_api: FakeMessagesAPI
) -> None:
    # Timeouts with a margin a loaded machine cannot eat: 0.5 s against 2 s of silence.
    config = replace(config, request_timeout=0.5)
    fake_api.add(*[Reply(text_chunks=["late"], silent_for=2.0) for _ in range(3)])
    session, result, observer = await asyncio.wait_for(_turn(log, config, "anyone?"), 10)
    assert result.status == "failed" and "timed out after 3 attempts" in (result.error or "")
    assert len(observer.statuses) == 2 and "timed out" in observer.statuses[0]
    assert [m.text for m in await log.messages(session.id) if m.role == "user"] == ["anyone?"]


async def test_a_stream_that_stalls_keeps_what_came_and_is_cut_off(
    log: SessionLog, config: Config, fake_api: FakeMessagesAPI
) -> None:
    config = replace(config, request_timeout=1.0)
    fake_api.add(
        Reply(text_chunks=["So far", " so good", " and then"], stall_after=2, silent_for=3.0)
    )
    session, result, _ = await asyncio.wait_for(_turn(log, config, "go on"), 10)
    assert result.status == "failed" and "cut off" in (result.error or "")
    reply = (await log.messages(session.id))[-1]
    assert reply.interrupted and reply.text == "So far so good"


async def test_cancel_works_while_the_endpoint_hangs(
    log: SessionLog, config: Config, fake_api: FakeMessagesAPI
) -> None:
    fake_api.add(Reply(text_chunks=["late"], silent_for=2.0))
    session = await log.create_session()
    task = asyncio.create_task(Agent(log, config).run_turn(session.id, "wait", Recorder()))
    await eventually(lambda: fake_api.requests, "the request")
    task.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await asyncio.wait_for(task, 3)
    assert task.cancelled()
    assert [m.text for m in await log.messages(session.id) if m.role == "user"] == ["wait"]
    assert "interrupted" in [e.kind for e in await log.events(session.id)]


@pytest.mark.parametrize(
    ("cut_after", "broken"),
    [("message_start", False), ("message_start", True), ("content_block_start", False)],
)
async def test_a_stream_that_stops_before_its_message_ends_is_retried(
    log: SessionLog, config: Config, fake_api: FakeMessagesAPI, cut_after: str, broken: bool
) -> None:
    fake_api.add(Reply(text_chunks=["never sent"], cut_after=cut_after, broken=broken))
    fake_api.add(text("the whole answer"))
    session, result, _ = await _turn(log, config, "are you there")
    assert result.status == "ok" and result.reply == "the whole answer"
    assert len(fake_api.requests) == 2
    replies = [m for m in await log.messages(session.id) if m.role == "assistant"]
    assert [(m.text, m.interrupted) for m in replies] == [("the whole answer", False)]
    events = [e for e in await log.events(session.id) if e.kind == "api_error"]
    assert events and events[0].data["retryable"]


async def test_a_stream_that_keeps_stopping_early_fails_and_stores_no_empty_reply(
    log: SessionLog, config: Config, fake_api: FakeMessagesAPI
) -> None:
    for _ in range(3):
        fake_api.add(Reply(cut_after="message_start"))
    session, result, _ = await _turn(log, config, "hello")
    assert result.status == "failed" and "before the reply was complete" in (result.error or "")
    assert not [m for m in await log.messages(session.id) if m.role == "assistant"]


async def test_a_stream_whose_stop_reason_came_is_whole_without_message_stop(
    log: SessionLog, config: Config, fake_api: FakeMessagesAPI
) -> None:
    fake_api.add(Reply(text_chunks=["all ", "of it"], cut_after="message_delta"))
    session, result, _ = await _turn(log, config, "short answer please")
    assert result.status == "ok" and result.reply == "all of it"
    assert len(fake_api.requests) == 1
    reply = [m for m in await log.messages(session.id) if m.role == "assistant"][-1]
    assert not reply.interrupted
