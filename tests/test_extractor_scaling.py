"""However large a message or a session, a dream costs about what its text does: extractors read
a message's head and tail only (evidence still pointing into the whole text), and nothing
compares every sentence, failure or observation with every other."""

from __future__ import annotations

import asyncio
import json
import random
import threading
from collections.abc import Callable
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

import dreamer.consolidate
import dreamer.extractors.failures
from dreamer.consolidate import assign_patterns, consolidate
from dreamer.extractors import entities, failures, llm, statements
from dreamer.journal import Observation
from dreamer.observation import SessionView
from dreamer.similarity import Rarity, contradicts, relation
from memory_graph.memory.vocabulary import MemoryKind
from memory_graph.store.content import HEAD_CHARACTERS, TAIL_CHARACTERS
from memory_graph.store.records import Block, Message, Role, Session
from memory_graph.store.session_log import SessionLog
from tests.support.processes import clean_environment, reverie

SESSION = Session(1, "reverie", "x", "", "2026-01-01", None, None, "unknown", False)


def _message(number: int, role: Role, content: list[Block], text: str) -> Message:
    return Message(number, 1, number, role, content, text, "2026-01-01")


def _said(number: int, role: Role, text: str) -> Message:
    return _message(number, role, [{"type": "text", "text": text}], text)


def _filler(characters: int) -> str:
    """Plain sentences that are neither preferences, facts nor names."""
    sentence = "the parcel went out on the morning van and arrived late. "
    return sentence * (characters // len(sentence) + 1)


def _run(number: int, command: str, output: str, code: int) -> list[Message]:
    """A command the assistant ran and its result (message `number` and the next)."""
    call = {"type": "tool_use", "id": f"c{number}", "name": "run_command"}
    result = {"type": "tool_result", "tool_use_id": f"c{number}", "content": output}
    return [
        _message(number, "assistant", [{**call, "input": {"command": command}}], ""),
        _message(
            number + 1, "tool", [{**result, "is_error": code != 0, "exit_code": code}], output
        ),
    ]


def test_a_huge_message_is_read_at_its_head_and_its_tail() -> None:
    head = "I prefer British spelling. Send it to Hannah Price first. "
    middle = "Always use tabs, not spaces. Send it to Wayfarer Quarterly. "
    tail = "From now on answer in bullet points. Then tell Marta Silva."
    text = head + _filler(HEAD_CHARACTERS) + middle + _filler(TAIL_CHARACTERS) + tail
    view = SessionView(SESSION, [_said(1, "user", text)])

    found = statements.extract(view)
    said = [o.detail["sentence"] for o in found]
    assert said == ["I prefer British spelling", "From now on answer in bullet points"]
    for observation in found:
        start, end = observation.span
        assert text[start:end] == observation.detail["sentence"]

    names = {o.detail["name"]: o.span for o in entities.extract(view)}
    assert set(names) == {"British", "Hannah Price", "Marta Silva"}  # not Wayfarer Quarterly
    for name, (start, end) in names.items():
        assert text[start:end] == name


def test_a_failure_at_the_end_of_a_huge_output_is_found_where_it_is() -> None:
    lines = [f"compiled module_{n}.py\n" for n in range((HEAD_CHARACTERS + TAIL_CHARACTERS) // 10)]
    lines[len(lines) // 2] = "KeyError: 'only in the middle'\n"
    traceback = 'Traceback (most recent call last):\n  File "build.py"\nOSError: disk full\n'
    output = "".join(lines) + traceback
    view = SessionView(SESSION, [_said(1, "user", "build it"), *_run(2, "make", output, 2)])

    [failure] = failures.extract(view)
    assert failure.detail["line"] == "OSError: disk full"
    start, end = failure.span
    assert output[start:end] == "OSError: disk full"

    # With nothing that reads like an error at either end, the middle's exception is unread.
    quiet = output.replace(traceback, "done\n")
    [failure] = failures.extract(SessionView(SESSION, _run(1, "make", quiet, 2)))
    assert "middle" not in failure.detail["line"]


def _finishes(work: Callable[[], object], seconds: float) -> bool:
    """Whether `work` is done within `seconds` (a bound, not a measure: what is linear takes a
    fraction of it, what is quadratic hours). A daemon thread: one left running ends with us."""
    done = threading.Event()

    def run() -> None:
        work()
        done.set()

    threading.Thread(target=run, daemon=True).start()
    return done.wait(seconds)


def test_splitting_a_long_text_into_sentences_is_linear() -> None:
    # 100,000 sentences: looking back to the text's start at every stop never finished.
    text = "Dr. Silva said so. " * 100_000
    assert _finishes(lambda: list(statements.sentences(text)), 60)
    assert list(statements.sentences("Ask Dr. Silva. Or Mr. Price.")) == [
        ("Ask Dr. Silva", 0, 13),
        ("Or Mr. Price", 15, 27),
    ]


def test_the_model_is_shown_a_huge_messages_head_with_no_secret_cut_through() -> None:
    # A quoted secret on the head's one long line, running past the head's end: cut there, its
    # closing quote would be lost and the redaction would mask only its first word.
    secret = "correct horse battery staple " * 1_000
    text = f'deploy with password="{secret}" please\n' + _filler(HEAD_CHARACTERS + TAIL_CHARACTERS)
    request, shown = llm.build_request([SessionView(SESSION, [_said(1, "user", text)])])
    prompt = request["messages"][0]["content"]
    assert shown == {1: 1} and "deploy with password=" in prompt
    assert "horse" not in prompt


def test_many_failures_of_one_session_cost_their_number(monkeypatch: pytest.MonkeyPatch) -> None:
    asked = 0
    real = dreamer.extractors.failures.command_head

    def counted(tool: str, arguments: dict[str, Any]) -> str:
        nonlocal asked
        asked += 1
        return real(tool, arguments)

    monkeypatch.setattr(dreamer.extractors.failures, "command_head", counted)
    runs = 2_000
    missing = "E   ModuleNotFoundError: No module named 'requests'"
    messages = [m for n in range(runs) for m in _run(2 * n, "pytest -q", missing, 1)]
    messages += _run(2 * runs, "pip install -r requirements.txt", "ok", 0)
    messages += _run(2 * runs + 2, "pytest -q", "3 passed", 0)
    found = failures.extract(SessionView(SESSION, messages))

    fixes = [o for o in found if o.kind == "fix"]
    assert len(fixes) == runs and {o.message_id for o in fixes} == {2 * runs + 1}
    assert all(o.detail["workaround"] is False for o in fixes)  # pytest passed after it
    assert asked <= 2 * (runs + 2)  # each call once or so, not once per later call


def _resolved_by_scanning(steps: list[tuple[str | None, str, bool]], outcome: str) -> list[Any]:
    """For each failed step (command or tool, head, failed): None when it is a slip put right at
    once, else what resolved it, found by scanning every later step, as the rules say: the last
    command that changed something before the same call passed, or the first after it when it
    never did (`ls` only looks)."""
    found: list[Any] = []
    for position, (_, head, failed) in enumerate(steps):
        if not failed:
            continue
        later = list(enumerate(steps))[position + 1 :]
        succeeded: list[int] = []
        fix = None
        for index, (command, other, other_failed) in later:
            if command is None:
                continue
            if other_failed:
                succeeded = [] if other == head else succeeded
            elif other == head:
                fix = (succeeded[-1], True) if succeeded else None
                break
            elif other != "ls":
                succeeded.append(index)
        else:
            fix = (succeeded[0], False) if succeeded else None
        passed_next = next((not f for _, h, f in steps[position + 1 :] if h == head), False)
        found.append(None if fix is None and outcome == "success" and passed_next else ("f", fix))
    return found


@pytest.mark.parametrize("seed", range(6))
def test_resolving_failures_in_one_pass_finds_what_scanning_finds(seed: int) -> None:
    rng = random.Random(seed)
    commands = {"pytest -q": "pytest", "git push": "git push", "make": "make", "ls": "ls"}
    steps: list[tuple[str | None, str, bool]] = []
    messages: list[Message] = []
    for _ in range(300):
        failed = rng.random() < 0.5
        command = rng.choice([*commands, None])
        head = commands[command] if command else "read_file"
        steps.append((command, head, failed))
        number = len(messages)
        if command is None:
            call = {"type": "tool_use", "id": f"c{number}", "name": "read_file", "input": {}}
            result = {"type": "tool_result", "tool_use_id": f"c{number}", "content": "Error: x"}
            messages += [
                _message(number, "assistant", [call], ""),
                _message(number + 1, "tool", [{**result, "is_error": failed}], "Error: x"),
            ]
        else:
            messages += _run(number, command, "Error: x" if failed else "ok", int(failed))
    outcome = rng.choice(["success", "unknown"])
    session = replace(SESSION, outcome=outcome)
    found = iter(failures.extract(SessionView(session, messages)))

    for step, expected in enumerate(_resolved_by_scanning(steps, outcome)):
        if expected is None:
            continue
        assert next(found).kind == "failure", step
        if expected[1] is not None:
            index, retried = expected[1]
            fix = next(found)
            assert (fix.message_id, fix.detail["workaround"]) == (2 * index + 1, not retried)
    assert next(found, None) is None


def _statement(
    number: int, words: list[str], kind: MemoryKind = MemoryKind.PREFERENCE, **detail: Any
) -> Observation:
    """An observation of a sentence of `words`, message `number`, in one of three sessions."""
    detail = {"sentence": " ".join(words), "words": sorted(set(words)), **detail}
    return Observation(f"s{number:05}", kind, 1 + number % 3, number, (0, 1), detail)


def test_many_sentences_about_one_thing_are_grouped_without_comparing_each_pair(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    compared = 0

    def counted(one: Any, other: Any, rarity: Rarity | None = None) -> Any:
        nonlocal compared
        compared += 1
        return relation(one, other, rarity)

    monkeypatch.setattr(dreamer.consolidate, "relation", counted)
    # 3,000 different sentences sharing one word, then each said again.
    different = [_statement(n, ["apple", f"red{n}", f"ripe{n}", f"sweet{n}"]) for n in range(3_000)]
    again = [_statement(3_000 + n, o.detail["words"]) for n, o in enumerate(different)]
    assigned = assign_patterns([*different, *again], [])

    patterns = [o.group for o in assigned]
    assert patterns[:3_000] == [o.fingerprint for o in different]
    assert patterns[3_000:] == patterns[:3_000]
    assert compared <= 2 * len(assigned)


def _compared_with_all(new: list[Observation], known: list[Observation]) -> list[str]:
    """Each observation's pattern, found by trying every earlier sentence of its kind that shares
    a word with it (the words weighed by their rarity among all of them, as a dream weighs
    them): the pattern of the first that says the same (a stored pattern before a new one),
    and the new patterns of the others that share two words with it join that one; never one
    it takes back."""
    rarity = Rarity(frozenset(o.detail["words"]) for o in (*known, *new))
    stored = {o.group for o in known}
    earlier = list(known)
    merged: dict[str, str] = {}

    def joined(pattern: str) -> str:
        while pattern in merged:
            pattern = merged[pattern]
        return pattern

    patterns = []
    for observation in new:
        words = set(observation.detail["words"])
        same = sorted(
            (
                other
                for other in earlier
                if other.kind == observation.kind
                and words & set(other.detail["words"])
                and relation(observation.detail, other.detail, rarity) == "same"
                and not contradicts(observation.detail, other.detail)
            ),
            key=lambda o: (o.message_id, o.fingerprint),
        )
        groups = [joined(o.group) for o in same]
        first = groups[0] if groups else observation.fingerprint
        pattern = next((group for group in groups if group in stored), first)
        for other, group in zip(same, groups, strict=True):
            shared = len(words & set(other.detail["words"]))
            if group != pattern and group not in stored and shared >= 2:
                merged[group] = pattern
        earlier.append(replace(observation, pattern=pattern))
        patterns.append(pattern)
    return [joined(pattern) for pattern in patterns]


def test_grouping_by_the_rarest_words_groups_as_trying_every_pattern_would() -> None:
    rng = random.Random(5)
    vocabulary = ["tea", "coffee", "milk", "sugar", "cup", "pot", "hot", "cold"]
    observations = []
    for number in range(800):
        words = rng.sample(vocabulary, rng.randint(1, 5))
        if rng.random() < 0.5:
            negated = rng.sample(words, rng.randint(0, 1))
            observations.append(_statement(number, words, negated=negated))
        elif rng.random() < 0.8:  # a fact the user stated: its subject, what they said of it
            subject, value = words[:2], words[2:] or ["yes"]
            fact = _statement(number, words, MemoryKind.FACT, attribute=subject, value=value)
            observations.append(fact)
        else:  # a fact in the model's words: no subject told apart
            observations.append(_statement(number, words, MemoryKind.FACT, how="model"))
    # The first 200 lead patterns of earlier dreams.
    known = [replace(o, pattern=o.fingerprint) for o in observations[:200]]
    assigned = assign_patterns(observations[200:], known)
    assert [o.group for o in assigned] == _compared_with_all(observations[200:], known)
    assert len({o.group for o in assigned}) < len(assigned) // 2  # many did group


def test_a_sentence_said_in_every_turn_is_quoted_without_comparing_each_pair(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    compared = 0
    real = dreamer.consolidate.overlap

    def counted(one: frozenset[str], other: frozenset[str]) -> float:
        nonlocal compared
        compared += 1
        return real(one, other)

    monkeypatch.setattr(dreamer.consolidate, "overlap", counted)
    said = [replace(_statement(n, ["reply", "json"]), pattern="s00000") for n in range(5_000)]
    [proposal] = consolidate(said, 2)
    assert proposal.support == 3 and "reply json" in proposal.statement.lower()
    assert compared == 1


async def _huge_session(log: SessionLog, number: int) -> None:
    """About 2 MB: a preference, a pasted document with another in its middle, and a build whose
    1 MB log ends in a traceback."""
    session = await log.create_session(title=f"huge {number}")
    document = _filler(500_000) + "I always want tabs. " + _filler(500_000)
    turn = f"Hi. I prefer British spelling. {document}"
    await log.append_message(session.id, "user", [{"type": "text", "text": turn}])
    call = {"type": "tool_use", "id": "m", "name": "run_command", "input": {"command": "make"}}
    await log.append_message(session.id, "assistant", [call])
    output = "".join(f"compiled module_{n}.py\n" for n in range(50_000))
    output += 'Traceback (most recent call last):\n  File "build.py"\nOSError: disk full\n'
    result = {"type": "tool_result", "tool_use_id": "m", "content": output, "exit_code": 2}
    await log.append_message(session.id, "tool", [result])


async def test_a_dream_over_three_2mb_sessions_finishes(log: SessionLog, home: Path) -> None:
    for number in range(3):
        await _huge_session(log, number)
    dreaming = await asyncio.create_subprocess_exec(
        *reverie(home, "dream", "--json"),
        stdout=asyncio.subprocess.PIPE,
        env=clean_environment(),
    )
    try:
        # A bound, not a measure: it takes seconds now, and never finished before.
        output, _ = await asyncio.wait_for(dreaming.communicate(), 120)
    except TimeoutError:
        dreaming.kill()
        await dreaming.wait()
        raise
    assert dreaming.returncode == 0 and json.loads(output)["sessions_reviewed"] == 3

    rows = await log.connection.execute_fetchall(
        "SELECT p.kind, p.support, m.text, e.span_start, e.span_end FROM proposals p "
        "JOIN proposal_evidence e ON e.proposal_id = p.id JOIN messages m ON m.id = e.message_id "
        "WHERE p.kind IN ('preference', 'failure')"
    )
    quoted = {(kind, support, text[start:end]) for kind, support, text, start, end in rows}
    assert quoted == {
        ("preference", 3, "I prefer British spelling"),
        ("failure", 3, "OSError: disk full"),
    }  # and nothing from the middle ("I always want tabs")
    [[dreams]] = await log.connection.execute_fetchall("SELECT COUNT(*) FROM dreams")
    assert dreams == 1
