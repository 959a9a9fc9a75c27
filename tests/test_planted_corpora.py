"""The planted corpora (tests/fixtures/planted) and their answer keys are what the key says they
are: they import without a problem, every session the key names exists, every pattern is said
differently in at least three sessions, and every trap is in the data where the key puts it.
Also: the scorer of bench/planted.py gives an inbox made of the key's own words full marks and
catches every trap. What the dreamer scores on them is a benchmark figure, not tested here."""

from __future__ import annotations

import itertools
import json
import re
import sys
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest

from bench.planted import ACCEPTED_KINDS, CORPORA, PLANTED, Key, load_key, score, trap_hits
from memory_graph.store.records import Message
from memory_graph.store.session_log import SessionLog
from memory_graph.transcripts import claude_code
from memory_graph.transcripts.importer import ImportReport, import_paths, transcript_files

MIN_PATTERNS = 6
MIN_SESSIONS_PER_PATTERN = 3
MIN_SESSIONS = 12
MOST_SHARED_WORDS = 0.5
"""Two phrasings of one pattern share less than this share of their words (Jaccard)."""
SAID_BY_PERSON = ("preference", "fact", "workflow")
CLAUDE_CODE_TRAPS = {
    "assistant_echo",
    "compaction_summary",
    "hook_context",
    "one_off_failure",
    "private",
    "secret",
    "slash_command",
    "subagent_prompt",
}
OPENAI_TRAPS = {"assistant_echo", "one_off_failure", "private", "secret"}


class Imported:
    """A corpus imported into a fresh home: the report, and each session's messages."""

    def __init__(self, key: Key, report: ImportReport, messages: dict[str, list[Message]]):
        self.key = key
        self.report = report
        self.messages = messages

    def texts(self, session: str, roles: tuple[str, ...] | None = None) -> list[str]:
        return [m.text for m in self.messages[session] if roles is None or m.role in roles]


async def _import(corpus: str, home: Path) -> Imported:
    key = load_key(corpus)
    async with await SessionLog.open(home) as log:
        report = await import_paths(log, [key.import_path])
        messages = {
            session.external_id: await log.messages(session.id)
            for session in await log.list_sessions(limit=1000)
        }
    return Imported(key, report, messages)


@pytest.fixture(params=CORPORA)
async def imported(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Imported]:
    yield await _import(request.param, tmp_path / "home")


def _raw_lines(key: Key) -> list[dict[str, Any]]:
    """Every line of a Claude Code corpus, parsed."""
    lines = []
    for path in transcript_files(key.import_path):
        lines += [json.loads(line) for line in path.read_text().splitlines() if line.strip()]
    return lines


def _line_text(line: dict[str, Any]) -> str:
    message = line.get("message")
    content = message.get("content") if isinstance(message, dict) else None
    return json.dumps(content, ensure_ascii=False) if not isinstance(content, str) else content


def _words(text: str) -> set[str]:
    return set(re.findall(r"\w+", text.lower()))


async def test_every_file_imports_without_a_problem(imported: Imported) -> None:
    report = imported.report
    files = transcript_files(imported.key.import_path)
    assert report.problems == [] and report.skipped == 0
    assert report.files == len(files) and report.sessions_new == len(imported.messages)
    assert all(messages for messages in imported.messages.values())


async def test_every_session_the_key_names_exists(imported: Imported) -> None:
    key = imported.key
    named = {*key.private_sessions}
    for pattern in key.patterns:
        named |= set(pattern.sessions)
    for trap in key.traps:
        named |= set(trap.sessions)
    assert named - set(imported.messages) == set()


async def test_patterns_recur_in_enough_sessions(imported: Imported) -> None:
    key = imported.key
    assert len(key.patterns) >= MIN_PATTERNS
    assert {p.kind for p in key.patterns} == set(ACCEPTED_KINDS)
    top_level = [s for s in imported.messages if ":agent-" not in s]
    assert len(top_level) >= MIN_SESSIONS
    for pattern in key.patterns:
        assert len(pattern.sessions) >= MIN_SESSIONS_PER_PATTERN, pattern.id
        # A private session is no evidence: a pattern is counted in the others only.
        assert not set(pattern.sessions) & set(key.private_sessions), pattern.id
        assert all(":agent-" not in session for session in pattern.sessions), pattern.id


async def test_each_phrasing_is_in_its_session(imported: Imported) -> None:
    """A preference, fact or workflow is in the person's own turns; a failure in a tool's."""
    for pattern in imported.key.patterns:
        roles = ("user",) if pattern.kind in SAID_BY_PERSON else ("tool",)
        for session, phrasing in pattern.sessions.items():
            texts = imported.texts(session, roles)
            assert any(phrasing in text for text in texts), (pattern.id, session)


async def test_phrasings_differ_between_sessions(imported: Imported) -> None:
    for pattern in imported.key.patterns:
        phrasings = [" ".join(p.lower().split()) for p in pattern.sessions.values()]
        assert len(set(phrasings)) == len(phrasings), pattern.id
        if pattern.kind not in SAID_BY_PERSON:
            continue  # the world words a failure; its particulars differ (ports, pids, paths)
        for one, other in itertools.combinations(phrasings, 2):
            shared = len(_words(one) & _words(other)) / len(_words(one) | _words(other))
            assert shared < MOST_SHARED_WORDS, (pattern.id, one, other)


async def test_each_phrasing_matches_its_pattern_only(imported: Imported) -> None:
    """The key's own words, as a proposal of the pattern's kind, match the pattern and no other
    pattern a proposal of that kind could be."""
    for pattern in imported.key.patterns:
        kind = sorted(ACCEPTED_KINDS[pattern.kind])[0]
        for phrasing in [pattern.statement, *pattern.sessions.values()]:
            matching = [p.id for p in imported.key.patterns if p.matches(kind, phrasing)]
            assert matching == [pattern.id], (pattern.id, phrasing, matching)


async def test_traps_are_in_the_data(imported: Imported) -> None:
    """Each trap's text is in its session: in a stored message, or (Claude Code) in one of the
    isMeta lines the importer leaves out."""
    key = imported.key
    kinds = {trap.kind for trap in key.traps}
    assert kinds >= (CLAUDE_CODE_TRAPS if key.format == "claude-code" else OPENAI_TRAPS)
    raw = _raw_lines(key) if key.format == "claude-code" else []
    for trap in key.traps:
        for session, text in trap.sessions.items():
            if any(text in stored for stored in imported.texts(session)):
                continue
            meta = [
                line
                for line in raw
                if line.get("isMeta") and claude_code.session_key(line) == (session, None)
            ]
            assert any(text in _line_text(line) for line in meta), (trap.id, session)


async def test_claims_sit_where_the_key_says(tmp_path: Path) -> None:
    """In the Claude Code corpus: compaction claims are in isCompactSummary lines, sub-agent
    claims in the first turn of a sidechain, hook claims in <system-reminder> blocks, assistant
    echoes in the assistant's words; one-off failures happen in one session only."""
    key = load_key("claude_code")
    raw = _raw_lines(key)
    where = {
        "compaction_summary": lambda line: bool(line.get("isCompactSummary")),
        "subagent_prompt": lambda line: line.get("isSidechain") and line["parentUuid"] is None,
        "hook_context": lambda line: "<system-reminder>" in _line_text(line),
        "assistant_echo": lambda line: line.get("type") == "assistant",
    }
    for trap in key.traps:
        found_in = where.get(trap.kind)
        for session, text in trap.sessions.items():
            lines = [line for line in raw if claude_code.session_key(line) is not None]
            lines = [line for line in lines if claude_code.session_key(line)[0] == session]
            holding = [line for line in lines if text in _line_text(line)]
            assert holding, (trap.id, session)
            if found_in is not None:
                assert all(found_in(line) for line in holding), (trap.id, session)
    imported = await _import("claude_code", tmp_path / "home")
    for trap in key.traps:
        if trap.kind == "one_off_failure":
            (text,) = trap.sessions.values()
            holding = {s for s in imported.messages if any(text in t for t in imported.texts(s))}
            assert holding == set(trap.sessions), trap.id


@pytest.mark.parametrize("corpus", [c for c in CORPORA if load_key(c).format == "openai"])
async def test_an_openai_failure_recurs_without_is_error(corpus: str, tmp_path: Path) -> None:
    """A failure the OpenAI-style tool reports only in its text ("exit status 1", "Process
    exited with code 1"), never as an error, recurs with its fix across sessions."""
    imported = await _import(corpus, tmp_path / "home")
    unmarked = []
    for pattern in imported.key.patterns:
        if pattern.kind != "failure_with_fix":
            continue
        blocks = [
            block
            for session, phrasing in pattern.sessions.items()
            for message in imported.messages[session]
            if message.role == "tool" and phrasing in message.text
            for block in message.content
        ]
        if blocks and not any(b.get("is_error") or b.get("exit_code") for b in blocks):
            unmarked.append(pattern.id)
    assert unmarked


def test_the_corpora_are_built_from_their_scripts(tmp_path: Path) -> None:
    """The committed files are what build.py makes of the scripts in source/."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("planted_build", PLANTED / "build.py")
    assert spec is not None and spec.loader is not None
    build = importlib.util.module_from_spec(spec)
    # Its dataclasses look their module up while they are made.
    sys.modules[spec.name] = build
    try:
        spec.loader.exec_module(build)
    finally:
        del sys.modules[spec.name]
    build.build(tmp_path / "openai", tmp_path / "claude_code", tmp_path / "firmware")
    for made, committed in (
        (tmp_path / "openai", PLANTED / "openai" / "logs"),
        (tmp_path / "claude_code", PLANTED / "claude_code" / "projects"),
        (tmp_path / "firmware", PLANTED / "firmware" / "logs"),
    ):
        ours = {p.relative_to(made): p.read_bytes() for p in made.rglob("*") if p.is_file()}
        theirs = {
            p.relative_to(committed): p.read_bytes() for p in committed.rglob("*") if p.is_file()
        }
        assert ours == theirs


def _proposal(kind: str, statement: str, sessions: dict[str, str]) -> dict[str, Any]:
    evidence = [
        {"session_external_id": session, "message_id": number, "excerpt": excerpt}
        for number, (session, excerpt) in enumerate(sessions.items())
    ]
    return {"kind": kind, "statement": statement, "memory": statement, "evidence": evidence}


@pytest.mark.parametrize("corpus", CORPORA)
def test_an_inbox_of_the_keys_own_words_scores_full_marks(corpus: str) -> None:
    key = load_key(corpus)
    inbox = [
        _proposal(sorted(ACCEPTED_KINDS[p.kind])[0], p.statement, p.sessions) for p in key.patterns
    ]
    found = score(key, inbox)
    assert found["recall"] == 1.0 and found["precision"] == 1.0
    assert found["coverage_min"] == 1.0 and found["max_items_per_pattern"] == 1
    assert found["traps_in_inbox"] == []


@pytest.mark.parametrize("corpus", CORPORA)
def test_the_scorer_catches_every_trap(corpus: str) -> None:
    """Each trap's words proposed (as a failure for a one-off failure, as a preference for the
    rest) are caught; so is a proposal that only cites a private session."""
    key = load_key(corpus)
    for trap in key.traps:
        kind = "failure" if trap.kind == "one_off_failure" else "preference"
        for session, text in trap.sessions.items():
            hits = trap_hits(key, _proposal(kind, text, {session: text}), {})
            assert trap.id in {hit["trap"] for hit in hits}, (trap.id, text)
    for session in key.private_sessions:
        proposal = _proposal("fact", "Something said in private", {session: ""})
        assert [hit["kind"] for hit in trap_hits(key, proposal, {})] == ["private"]
