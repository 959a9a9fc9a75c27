"""The optional model extractor (`reverie dream --llm`), through the real `anthropic` SDK
against the local Messages API server: what is sent, what is kept of the answer, and what
happens when the endpoint fails."""

from __future__ import annotations

import asyncio
import json
import subprocess
from pathlib import Path
from typing import Any

import pytest

from app.cli import main
from app.config import Config
from app.dream_model import DreamModel, DreamModelError, dream_as_configured
from dreamer.dream import dream
from dreamer.extractors.llm import TOOL_NAME
from memory_graph.store.session_log import SessionLog
from memory_graph.transcripts.importer import import_paths
from tests.support.demo import DEMO_HISTORY, PROPOSED
from tests.support.fake_api import FakeMessagesAPI, error, text, tool_use
from tests.support.inbox import inbox_json
from tests.support.processes import clean_environment, reverie


async def _first(log: SessionLog, external_id: str, role: str) -> int:
    """The id of the first message of this role in a demo session."""
    async with log.connection.execute(
        "SELECT m.id FROM messages m JOIN sessions s ON s.id = m.session_id "
        "WHERE s.external_id = ? AND m.role = ? ORDER BY m.seq LIMIT 1",
        (external_id, role),
    ) as cursor:
        row = await cursor.fetchone()
    assert row is not None
    return int(row[0])


async def _answer(log: SessionLog) -> dict[str, Any]:
    """What a model might answer about the demo: one pattern of its own, one the extractors
    found too, and three whose citations must all be refused."""
    essay, newsletter = await _first(log, "demo-009", "user"), await _first(log, "demo-015", "user")
    dashes = await _first(log, "demo-003", "user")
    private = await _first(log, "demo-016", "user")
    assistant = await _first(log, "demo-009", "assistant")
    return {
        "patterns": [
            {
                "kind": "workflow",
                "statement": "Ines writes pieces about Lisbon life for her editor Hannah",
                "message_ids": [essay, newsletter],
            },
            {
                "kind": "preference",
                "statement": "No em dashes in anything written for the user",
                "message_ids": [dashes],
            },
            {"kind": "fact", "statement": "Salary is known", "message_ids": [private]},
            {"kind": "preference", "statement": "Likes dark mode", "message_ids": [assistant]},
            {"kind": "fact", "statement": "Made up", "message_ids": [10**9, -1, "7"]},
            {"kind": "opinion", "statement": "Not a kind we know", "message_ids": [essay]},
        ]
    }


async def test_the_model_reads_the_batch_once_and_only_its_citable_messages_count(
    log: SessionLog, config: Config, fake_api: FakeMessagesAPI
) -> None:
    await import_paths(log, [DEMO_HISTORY])
    fake_api.add(tool_use(TOOL_NAME, await _answer(log)))
    model = DreamModel(config)
    summary = await dream(log, model=model)
    await model.close()

    assert len(fake_api.requests) == 1
    request = fake_api.requests[0]
    assert request["model"] == config.model
    assert request["tool_choice"] == {"type": "tool", "name": TOOL_NAME}
    assert request["tools"][0]["input_schema"]["required"] == ["patterns"]
    sent = json.dumps(request)
    # Private sessions, assistant text, injected turns and secrets never leave the machine.
    for absent in ("4,850", "Budget for 2027", "As you always prefer", "sk-ant-api03-Jx8", "spam"):
        assert absent not in sent, absent
    assert "em dashes" in sent and "pdflatex not found" in sent

    # The model's; the extractors' PDF workflow is proposed with its failure and fix.
    assert summary.proposals["workflow"] == 1
    proposals = await inbox_json(log)
    found = [p for p in proposals if p["statement"].startswith("Found by the model")]
    assert [(p["kind"], p["support"]) for p in found] == [("workflow", 2)]
    assert "editor Hannah" in found[0]["statement"]
    assert {e["session_external_id"] for e in found[0]["evidence"]} == {"demo-009", "demo-015"}
    # The model's "no em dashes" joined the pattern the extractors found in the user's words.
    dashes = [p for p in proposals if "em dash" in p["statement"].lower()]
    assert len(dashes) == 1 and dashes[0]["statement"].startswith("The user said in 4 sessions")
    assert len(proposals) == PROPOSED + 1

    async with log.connection.execute(
        "SELECT d.extractors, c.model, c.rejected_citations, c.rejected_patterns, c.request "
        "FROM dream_model_calls c JOIN dreams d ON d.id = c.dream_id"
    ) as cursor:
        extractors, model_name, citations, patterns, logged = await cursor.fetchone()
    assert json.loads(extractors)["llm"] == f"llm-2 {config.model}"
    assert model_name == config.model and json.loads(logged)["tool_choice"]["name"] == TOOL_NAME
    # Private, assistant, two unknown ids and a string; four patterns left with nothing valid
    # or of a kind that does not exist.
    assert (citations, patterns) == (5, 4)


async def test_an_overloaded_endpoint_is_retried(
    log: SessionLog, config: Config, fake_api: FakeMessagesAPI
) -> None:
    await import_paths(log, [DEMO_HISTORY])
    fake_api.add(error(529, "overloaded_error"), tool_use(TOOL_NAME, {"patterns": []}))
    statuses: list[str] = []
    model = DreamModel(config, statuses.append)
    summary = await dream(log, model=model)
    await model.close()
    assert len(fake_api.requests) == 2 and summary.sessions_reviewed == 32
    assert statuses == ["HTTP 529 overloaded_error: retry 2/3 in 0.0 s"]


async def test_a_failing_endpoint_writes_nothing_and_unasked_dreams_go_on_offline(
    log: SessionLog, config: Config, fake_api: FakeMessagesAPI
) -> None:
    await import_paths(log, [DEMO_HISTORY])
    fake_api.add(*[error(500, "api_error")] * 3)
    model = DreamModel(config)
    with pytest.raises(
        DreamModelError, match=r"HTTP 500: api_error .* after 3 attempts; nothing was written"
    ):
        await dream(log, model=model)
    await model.close()
    async with log.connection.execute("SELECT error, watermark_change FROM dreams") as cursor:
        rows = [tuple(row) for row in await cursor.fetchall()]
    assert len(rows) == 1 and "HTTP 500" in rows[0][0] and rows[0][1] is None
    async with log.connection.execute("SELECT COUNT(*) FROM proposals") as cursor:
        assert tuple(await cursor.fetchone()) == (0,)
    # An idle or scheduled dream with `dream_llm` on dreams offline and says why.
    fake_api.add(error(400, "invalid_request_error"))
    with_model = Config(**{**config.__dict__, "dream_llm": True})
    summary, why = await dream_as_configured(log, with_model, trigger="schedule")
    assert summary.sessions_reviewed == 32 and why is not None and "HTTP 400" in why


def test_dream_llm_without_a_model_says_how_to_connect_one(
    capsys: pytest.CaptureFixture[str], home: Path
) -> None:
    assert main(["--home", str(home), "import", str(DEMO_HISTORY)]) == 0
    code = main(["--home", str(home), "dream", "--llm"])
    err = capsys.readouterr().err
    assert code == 1 and "ANTHROPIC_API_KEY" in err and "ANTHROPIC_BASE_URL" in err, err
    assert main(["--home", str(home), "dream", "--no-llm", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["sessions_reviewed"] == 32


def test_an_answer_in_plain_text_fails_a_manual_dream_and_is_audited(
    home: Path, fake_api: FakeMessagesAPI
) -> None:
    """A model that answers in prose instead of calling the tool found nothing readable: the
    dream says so and exits 1 (it does not pass for a dream that found nothing), the failed
    dream and the answer are in the audit, and the sessions wait for the next dream."""
    env = clean_environment(ANTHROPIC_BASE_URL=fake_api.base_url, ANTHROPIC_API_KEY="test-key")

    def run(*argv: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(reverie(home, *argv), capture_output=True, text=True, env=env)

    assert run("import", str(DEMO_HISTORY)).returncode == 0
    fake_api.add(text("The user seems to like short answers and British spelling."))
    done = run("dream", "--llm")
    assert done.returncode == 1 and done.stdout == "" and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines()[-1] == (
        "reverie: the model's answer was unusable: plain text instead of the "
        f"{TOOL_NAME} tool call; nothing was written (run it again, or dream with --no-llm)"
    )
    assert len(fake_api.requests) == 1

    async def audit() -> tuple[list[tuple[Any, ...]], list[tuple[Any, ...]], int]:
        async with await SessionLog.open(home) as log:
            dreams = await log.connection.execute_fetchall(
                "SELECT id, error, watermark_change FROM dreams"
            )
            calls = await log.connection.execute_fetchall(
                "SELECT dream_id, answer FROM dream_model_calls"
            )
            [(proposals,)] = await log.connection.execute_fetchall("SELECT COUNT(*) FROM proposals")
        return [tuple(r) for r in dreams], [tuple(r) for r in calls], int(proposals)

    dreams, calls, proposals = asyncio.run(audit())
    [(dream_id, why, watermark)] = dreams
    assert "plain text" in why and watermark is None and proposals == 0
    [(called_by, answer)] = calls
    assert called_by == dream_id
    assert json.loads(answer)["text"].startswith("The user seems to like short answers")

    # Asked again with a usable answer, the same sessions are reviewed.
    fake_api.add(tool_use(TOOL_NAME, {"patterns": []}))
    done = run("dream", "--llm", "--json")
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["sessions_reviewed"] == 32


async def test_an_unasked_dream_goes_on_offline_after_a_plain_text_answer(
    log: SessionLog, config: Config, fake_api: FakeMessagesAPI
) -> None:
    await import_paths(log, [DEMO_HISTORY])
    fake_api.add(text("Nothing to report."))
    with_model = Config(**{**config.__dict__, "dream_llm": True})
    summary, why = await dream_as_configured(log, with_model, trigger="schedule")
    assert summary.sessions_reviewed == 32 and summary.dream_id > 0
    assert why is not None and "plain text instead of the" in why
