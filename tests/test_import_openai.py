"""Importing OpenAI-style conversations (chat JSON and JSONL, tau-bench runs): ids, titles, times,
private and outcome kept; tool calls become tool_use blocks and their results keep is_error;
conversations that only share their opening never merge, one that changed since it was imported
is refused rather than grafted, and shapes no exporter writes are reported, not raised."""

from __future__ import annotations

import json
from pathlib import Path

from memory_graph.store.session_log import SessionLog
from memory_graph.transcripts.importer import import_paths
from tests.support.shared_data import TAUBENCH_AIRLINE, needs_shared_data


@needs_shared_data
async def test_taubench_imports_as_is(log: SessionLog) -> None:
    report = await import_paths(log, [TAUBENCH_AIRLINE])
    assert report.sessions_new == 100 and report.problems == []
    sessions = await log.list_sessions(limit=200)
    outcomes = [s.outcome for s in sessions]
    assert outcomes.count("failure") == 69 and outcomes.count("success") == 31
    first = next(s for s in sessions if s.external_id.startswith("task-0-trial-0-"))
    messages = await log.messages(first.id)
    assert messages[0].role == "system" and messages[1].role == "user"
    calls = {b["id"] for m in messages for b in m.content if b["type"] == "tool_use"}
    results = {b["tool_use_id"] for m in messages for b in m.content if b["type"] == "tool_result"}
    assert calls and results <= calls
    assert not [b for m in messages for b in m.content if "is_error" in b]
    assert (await import_paths(log, [TAUBENCH_AIRLINE])).messages == 0


async def test_openai_jsonl_with_ids_titles_times_and_private(
    log: SessionLog, tmp_path: Path
) -> None:
    path = tmp_path / "chats.jsonl"
    conversation = {
        "id": "conv-1",
        "title": "Trip planning",
        "created": 1767225600,
        "private": True,
        "outcome": "success",
        "messages": [
            {"role": "user", "content": "Book Lisbon", "id": "m1"},
            {
                "role": "assistant",
                "content": None,
                "id": "m2",
                "tool_calls": [
                    {
                        "id": "c1",
                        "type": "function",
                        "function": {"name": "search", "arguments": '{"q": "LIS"}'},
                    }
                ],
            },
            {"role": "tool", "tool_call_id": "c1", "content": "Error: no flights", "id": "m3"},
            {"role": "assistant", "content": [{"type": "text", "text": "None found."}], "id": "m4"},
        ],
    }
    path.write_text(
        json.dumps(conversation)
        + "\n"
        + json.dumps({"reward": 0, "messages": [{"role": "user", "content": "hi"}]})
        + "\n"
    )
    report = await import_paths(log, [path])
    assert report.sessions_new == 2 and report.problems == []
    sessions = {s.external_id: s for s in await log.list_sessions()}
    trip = sessions["conv-1"]
    assert (trip.title, trip.private, trip.outcome) == ("Trip planning", True, "success")
    assert trip.started == "2026-01-01T00:00:00.000Z"
    messages = await log.messages(trip.id)
    assert [m.external_id for m in messages] == ["m1", "m2", "m3", "m4"]
    assert messages[1].content[0] == {
        "type": "tool_use",
        "id": "c1",
        "name": "search",
        "input": {"q": "LIS"},
    }
    # The format does not say whether a call failed: the dreamer reads the text.
    assert "is_error" not in messages[2].content[0]
    other = next(s for key, s in sessions.items() if key != "conv-1")
    assert other.outcome == "failure" and other.external_id.startswith("sha256-")


@needs_shared_data
async def test_different_conversations_never_merge(log: SessionLog, tmp_path: Path) -> None:
    runs = json.loads(TAUBENCH_AIRLINE.read_text())[:4]
    other_model = json.loads(json.dumps(runs))
    for run in other_model:
        for turn in run["traj"]:
            if turn["role"] == "assistant" and turn.get("content"):
                turn["content"] = "(other model) " + turn["content"]
    (tmp_path / "a.json").write_text(json.dumps(runs))
    (tmp_path / "b.json").write_text(json.dumps(other_model))
    opening = [{"role": "system", "content": "S"}, {"role": "user", "content": "book a flight"}]
    (tmp_path / "c.jsonl").write_text(
        json.dumps({"messages": [*opening, {"role": "user", "content": "alice"}]})
        + "\n"
        + json.dumps({"messages": [*opening, {"role": "user", "content": "bob"}]})
        + "\n"
    )
    report = await import_paths(log, [tmp_path])
    assert report.sessions_new == 4 + 4 + 2 and report.problems == []


async def test_a_conversation_that_changed_is_refused_not_grafted(
    log: SessionLog, tmp_path: Path
) -> None:
    path = tmp_path / "chat.json"
    turns = [{"role": "user", "content": "hello"}, {"role": "assistant", "content": "hi"}]
    path.write_text(json.dumps({"id": "c1", "messages": turns}))
    await import_paths(log, [path])
    turns[0]["content"] = "something else entirely"
    path.write_text(
        json.dumps({"id": "c1", "messages": [*turns, {"role": "user", "content": "x"}]})
    )
    report = await import_paths(log, [path])
    assert report.messages == 0 and "not merged" in report.problems[0].reason
    assert [m.text for m in await log.messages(1)] == ["hello", "hi"]


async def test_hostile_shapes_are_reported_not_raised(log: SessionLog, tmp_path: Path) -> None:
    deep = "[" * 100_000 + "]" * 100_000
    path = tmp_path / "odd.jsonl"
    lines = [
        {
            "messages": [
                {"role": "user", "content": "q"},
                {"role": "assistant", "content": "a", "tool_calls": 5},
            ]
        },
        {
            "messages": [
                {
                    "role": "assistant",
                    "content": None,
                    "tool_calls": [{"id": "c", "function": {"name": "f", "arguments": deep}}],
                }
            ]
        },
        {
            "messages": [
                {"role": ["user"], "content": "unhashable role"},
                {"role": "Assistant", "content": 42},
            ]
        },
        {"messages": [{"role": "user", "content": "cut \ud83d mid-character"}]},
    ]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    report = await import_paths(log, [path])
    assert report.sessions_new == 4
    assert [p.reason for p in report.problems] == ["message 0 has no known role; skipped"]
    texts = [m.text for s in await log.list_sessions() for m in await log.messages(s.id)]
    assert "42" in texts and any(t.startswith("cut ") for t in texts)
    reverie_file = tmp_path / "odd-export.jsonl"
    reverie_file.write_text(
        '{"format": "reverie", "version": 1}\n'
        + json.dumps(
            {
                "session": {"source": "x", "external_id": "1", "outcome": ["bad"]},
                "messages": [{"role": {"a": 1}, "content": []}],
            }
        )
        + "\n"
    )
    report = await import_paths(log, [reverie_file])
    assert report.problems[0].reason == "message 0 has no known role; skipped"
