"""The agent loop facing an endpoint that fails: rate limits, overloads and server errors are
retried with backoff and a visible status, a bad request and an endpoint that is not the
Messages API are not; a stream that is cut, garbled or stopped early keeps what came as
interrupted, is retried only while nothing was shown, and never leaves an empty reply; a
hanging endpoint times out, and a cancel works while it hangs. Whatever fails, the user's
message is kept."""

from __future__ import annotations

import asyncio
import contextlib
from dataclasses import replace

import pytest

from app.agent.loop import Agent
from app.config import Config
from memory_graph.store.session_log import SessionLog
from tests.support.fake_api import FakeMessagesAPI, Reply, dropped, error, text
from tests.support.recorder import Recorder, turn
from tests.support.waiting import eventually


async def test_429_then_success_is_retried_with_a_visible_status(
    log: SessionLog, config: Config, fake_api: FakeMessagesAPI
) -> None:
    fake_api.add(error(429, "rate_limit_error", {"retry-after-ms": "10"}), text("finally"))
    session, result, observer = await turn(log, config, "hello")
    assert result.status == "ok" and result.reply == "finally"
    assert len(observer.statuses) == 1 and "429" in observer.statuses[0]
    events = await log.events(session.id)
    assert [e.kind for e in events] == ["api_error", "retry"]
    assert events[0].data["status"] == 429


async def test_500_is_retried_with_backoff(
    log: SessionLog, config: Config, fake_api: FakeMessagesAPI
) -> None:
    fake_api.add(error(500, "api_error"), error(500, "api_error"), text("third time"))
    session, result, observer = await turn(log, config, "hi")
    assert result.reply == "third time" and len(fake_api.requests) == 3
    assert [s.split(":")[0] for s in observer.statuses] == ["HTTP 500 api_error"] * 2
    retries = [e.data for e in await log.events(session.id) if e.kind == "retry"]
    assert [r["attempt"] for r in retries] == [1, 2] and retries[1]["delay"] > retries[0]["delay"]


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


async def test_bad_request_is_not_retried(
    log: SessionLog, config: Config, fake_api: FakeMessagesAPI
) -> None:
    fake_api.add(error(400, "invalid_request_error"))
    _, result, _ = await turn(log, config, "hi")
    assert result.status == "failed" and len(fake_api.requests) == 1


async def test_an_endpoint_that_is_not_the_messages_api_fails_clearly(
    log: SessionLog, config: Config, fake_api: FakeMessagesAPI
) -> None:
    for streaming in (True, False):
        fake_api.add(Reply(html=True))
        _, result, observer = await turn(log, replace(config, stream=streaming), "hi")
        assert result.status == "failed"
        assert "did not answer like the Messages API" in (result.error or "")
        assert observer.notices
    assert len(fake_api.requests) == 2, "a wrong endpoint is not retried"


async def test_error_event_inside_a_stream_is_retried(
    log: SessionLog, config: Config, fake_api: FakeMessagesAPI
) -> None:
    fake_api.add(Reply(stream_error="overloaded_error"), text("recovered"))
    _, result, observer = await turn(log, config, "hi")
    assert result.reply == "recovered" and observer.statuses


async def test_connection_dropped_mid_stream_keeps_the_partial_reply(
    log: SessionLog, config: Config, fake_api: FakeMessagesAPI
) -> None:
    fake_api.add(dropped("The first half", " of a reply"))
    session, result, _ = await turn(log, config, "tell me")
    assert result.status == "failed" and "cut off" in (result.error or "")
    assert len(fake_api.requests) == 1, "a reply already shown is not retried"
    reply = (await log.messages(session.id))[-1]
    assert reply.role == "assistant" and reply.interrupted
    assert reply.text == "The first half of a reply"
    assert "interrupted" in [e.kind for e in await log.events(session.id)]


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
    session, result, observer = await turn(log, config, "tell me")
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
    session, result, _ = await turn(log, config, "hi")
    assert result.status == "failed" and "malformed" in (result.error or "")
    assert len(fake_api.requests) == 1, "an endpoint that garbles events is not asked again"
    assert [m.role for m in await log.messages(session.id)] == ["user", "system"]


@pytest.mark.parametrize(
    ("cut_after", "broken"),
    [("message_start", False), ("message_start", True), ("content_block_start", False)],
)
async def test_a_stream_that_stops_before_its_message_ends_is_retried(
    log: SessionLog, config: Config, fake_api: FakeMessagesAPI, cut_after: str, broken: bool
) -> None:
    fake_api.add(Reply(text_chunks=["never sent"], cut_after=cut_after, broken=broken))
    fake_api.add(text("the whole answer"))
    session, result, _ = await turn(log, config, "are you there")
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
    session, result, _ = await turn(log, config, "hello")
    assert result.status == "failed" and "before the reply was complete" in (result.error or "")
    assert not [m for m in await log.messages(session.id) if m.role == "assistant"]


async def test_a_stream_whose_stop_reason_came_is_whole_without_message_stop(
    log: SessionLog, config: Config, fake_api: FakeMessagesAPI
) -> None:
    fake_api.add(Reply(text_chunks=["all ", "of it"], cut_after="message_delta"))
    session, result, _ = await turn(log, config, "short answer please")
    assert result.status == "ok" and result.reply == "all of it"
    assert len(fake_api.requests) == 1
    reply = [m for m in await log.messages(session.id) if m.role == "assistant"][-1]
    assert not reply.interrupted


async def test_a_hanging_endpoint_times_out_retries_and_gives_up(
    log: SessionLog, config: Config, fake_api: FakeMessagesAPI
) -> None:
    # Timeouts with a margin a loaded machine cannot eat: 0.5 s against 2 s of silence.
    config = replace(config, request_timeout=0.5)
    fake_api.add(*[Reply(text_chunks=["late"], silent_for=2.0) for _ in range(3)])
    session, result, observer = await asyncio.wait_for(turn(log, config, "anyone?"), 10)
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
    session, result, _ = await asyncio.wait_for(turn(log, config, "go on"), 10)
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
