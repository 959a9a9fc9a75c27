"""Failures read from a tool's text alone (`dreamer.extractors.failure_text`): measured on a
labelled set and on real Claude Code transcripts, refusals and cascades set aside, and a
recurring failure of an OpenAI-style log (no `is_error` anywhere) found by a dream."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from dreamer.dream import dream
from dreamer.extractors import failure_text
from dreamer.extractors.failure_text import Aside, aside, read, result_failed
from dreamer.extractors.failures import extract
from dreamer.observation import SessionView
from memory_graph.store.records import Message, Session
from memory_graph.store.session_log import SessionLog
from memory_graph.transcripts.importer import import_paths
from tests.support.failure_cases import labelled_set, measure, transcript_results
from tests.support.inbox import inbox_json
from tests.support.shared_data import CLAUDE_CODE, needs_shared_data

TARGET = 0.9


def test_the_classifier_reaches_its_targets_on_the_labelled_set() -> None:
    cases = labelled_set()
    assert sum(c.failed for c in cases) >= 100 and sum(not c.failed for c in cases) >= 100
    measured = measure(cases)
    assert measured.precision >= TARGET, measured.false_positives
    assert measured.recall >= TARGET, measured.false_negatives


@needs_shared_data
def test_the_classifier_agrees_with_claude_codes_own_labels() -> None:
    measured = measure(transcript_results(CLAUDE_CODE))
    # Refusals and cascades carry is_error there, and are neither class.
    assert measured.set_aside >= 2 and measured.failed >= 10
    assert measured.precision >= TARGET, measured.false_positives
    assert measured.recall >= TARGET, measured.false_negatives


def test_every_match_holds_an_anchor() -> None:
    # A cue is tried only on lines holding one of its anchors: an anchor missing from a cue's
    # list would hide its matches silently.
    for case in labelled_set():
        lines = failure_text._said(case.text)
        for cue in failure_text._CUES:
            for line in lines:
                if cue.pattern.search(line):
                    assert any(a in line.lower() for a in cue.anchors), (cue.label, line)


@pytest.mark.parametrize(
    ("text", "failed"),
    [
        ("bash: kubectx: command not found", True),
        # Quoted, grepped or listed, the same words are what a tool read, not what it said.
        ("If you see `command not found`, add ~/.local/bin to PATH.", False),
        ('src/app.py:12:    log.error("Permission denied for %s", user)', False),
        ("    12→        raise ConfigError('No such file or directory')", False),
        ("9b8e7d6 feat: retry on connection refused", False),
        ("ERROR: could not parse the date\n[exit code 0]", False),
        ("collected 12 items\n\n12 passed, 0 failed in 0.40s", False),
        ("Error: flight HAT030 not available on date 2024-05-13", True),
        ('{"ok": false, "error": "channel_not_found"}', True),
        ('{"data": [], "error": null}', False),
        # Weak words fire only together, and only where a failure is reported: at the end.
        ("The reservation cannot be changed.", False),
        ("Tool execution failed: timeout after 30s", True),
    ],
)
def test_cues(text: str, failed: bool) -> None:
    assert read(text).failed is failed, read(text)


REFUSALS = [
    "The user doesn't want to proceed with this tool use. The tool use was rejected (eg. if it "
    "was a file edit, the new_string was NOT written to the file). STOP what you are doing.",
    "The user denied permission for this tool call.",
    "[Request interrupted by user for tool use]",
]
CASCADES = [
    "<tool_use_error>Sibling tool call errored</tool_use_error>",
    "<tool_use_error>Cancelled: parallel tool call Bash(make test) errored</tool_use_error>",
]


def test_refusals_and_cascades_are_set_aside_whatever_their_label() -> None:
    for text in REFUSALS:
        assert aside(text) is Aside.REFUSED, text
    for text in CASCADES:
        assert aside(text) is Aside.CASCADE, text
    for text in REFUSALS + CASCADES:
        for label in ({"is_error": True}, {}):
            assert result_failed({"type": "tool_result", "content": text, **label}) is None
    # A label is trusted when there is one; without, the text decides.
    trusted = {"type": "tool_result", "content": "Error: boom", "is_error": False}
    assert result_failed(trusted) is False
    assert result_failed({"type": "tool_result", "content": "Error: boom"}) is True
    assert result_failed({"type": "tool_result", "content": "done", "exit_code": 2}) is True


def _message(seq: int, role: str, content: list[dict[str, Any]]) -> Message:
    text = "\n".join(str(b.get("content") or b.get("text") or "") for b in content)
    return Message(seq, 1, seq, role, content, text, "2026-01-01")  # type: ignore[arg-type]


def _run(seq: int, command: str, output: str, **label: Any) -> list[Message]:
    call = {"type": "tool_use", "id": f"c{seq}", "name": "Bash", "input": {"command": command}}
    result = {"type": "tool_result", "tool_use_id": f"c{seq}", "content": output, **label}
    return [_message(seq, "assistant", [call]), _message(seq + 1, "tool", [result])]


def test_a_refused_or_cancelled_call_is_no_failure_and_fixes_nothing() -> None:
    session = Session(1, "claude-code", "x", "", "2026-01-01", None, None, "unknown", False)
    messages = [
        *_run(1, "make test", "Exit code 2\nmake: *** [test] Error 2", is_error=True),
        *_run(3, "git push", REFUSALS[0], is_error=True),
        *_run(5, "ls build", CASCADES[0], is_error=True),
        *_run(7, "make deps", "ok", is_error=False),
        *_run(9, "make test", "ok", is_error=False),
    ]
    found = extract(SessionView(session, messages))
    assert [(o.kind, o.detail["head"]) for o in found] == [
        ("failure", "make test"),
        ("fix", "make test"),
    ]
    # What fixed it is what ran in between and passed, not the refused push.
    assert found[1].detail["command"] == "make deps"


def _conversation(name: str, line: int) -> dict[str, Any]:
    def call(id_: str, command: str) -> dict[str, Any]:
        arguments = json.dumps({"command": command})
        return {
            "role": "assistant",
            "content": None,
            "tool_calls": [
                {
                    "id": id_,
                    "type": "function",
                    "function": {"name": "run_command", "arguments": arguments},
                }
            ],
        }

    return {
        "id": name,
        "messages": [
            {"role": "user", "content": "deploy tram-times to vercel please"},
            call("a", "pnpx vercel deploy --prod"),
            {
                "role": "tool",
                "tool_call_id": "a",
                "content": f"bash: line {line}: pnpx: command not found",
            },
            call("b", "npx vercel deploy --prod"),
            {
                "role": "tool",
                "tool_call_id": "b",
                "content": "Production: https://tram-times.vercel.app",
            },
            {"role": "assistant", "content": "Deployed."},
        ],
    }


async def test_a_recurring_failure_in_openai_style_logs_is_found_from_its_text(
    log: SessionLog, tmp_path: Path
) -> None:
    path = tmp_path / "chats.jsonl"
    lines = [_conversation("deploy-1", 1), _conversation("deploy-2", 3)]
    path.write_text("".join(json.dumps(line) + "\n" for line in lines))
    await import_paths(log, [path])
    await dream(log)
    failures = [p for p in await inbox_json(log) if p["kind"] == "failure"]
    assert len(failures) == 1 and failures[0]["support"] == 2
    # The error line as both sessions had it (line 1, line 3), what worked instead, and the
    # request that met it each time.
    assert failures[0]["statement"] == (
        'Requests like "deploy tram-times to vercel please" fail first: when `pnpx vercel` '
        "fails with 'bash: line N: pnpx: command not found', `npx vercel deploy --prod` "
        "worked instead."
    )
