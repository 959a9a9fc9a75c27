"""A person who changes their mind is heard: a later statement that takes an adopted memory back
("X, not Y", "never Y", "stop Y", "Y no longer", "X now", a new value for the same fact, the
other end of a scale) is never support for it: it becomes a `supersede` proposal, and once
that is adopted the older memory is never recalled again. Paraphrases of one claim are not
changes of mind."""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.mind_changes import _said, load, outcome
from dreamer.dream import dream
from dreamer.extractors.statements import negated_words
from dreamer.similarity import contradicts
from memory_graph.memory import adoption
from memory_graph.memory.confidence import confidence, contradicted
from memory_graph.memory.inbox import pending, replaced_evidence
from memory_graph.memory.recall import recall
from memory_graph.memory.vocabulary import ProposalOp
from memory_graph.store.session_log import SessionLog
from memory_graph.store.text import key_words

CHANGES = [
    {
        "id": "x-not-y",
        "before": ["I prefer gradle for the builds", "always build with gradle"],
        "after": [
            "build with maven, not gradle",
            "maven for the builds please, not gradle",
            "I prefer maven over gradle for builds now",
        ],
    },
    {
        "id": "no-longer",
        "before": ["always lint with eslint", "I prefer eslint for linting"],
        "after": [
            "eslint no longer, lint with biome",
            "lint with biome, never eslint",
            "stop linting with eslint, biome instead",
        ],
    },
    {
        "id": "swapped-now",
        "before": ["I prefer vim for quick edits", "always use vim for quick edits"],
        "after": [
            "I prefer nano for quick edits now",
            "I prefer nano for quick edits these days",
            "use nano for quick edits now",
        ],
    },
    {
        "id": "fact-value",
        "before": ["my shell is zsh", "remember my shell is zsh"],
        "after": ["my shell is fish now", "fyi my shell is fish", "my shell is fish these days"],
    },
    {
        "id": "scale",
        "before": ["I like long, detailed answers", "always give me the detailed version"],
        "after": ["way too long", "keep it terse from now on", "short answers please"],
    },
]


@pytest.mark.parametrize("change", CHANGES, ids=[change["id"] for change in CHANGES])
async def test_a_change_of_mind_is_a_supersede_never_a_reinforce(
    tmp_path: Path, change: dict[str, list[str]]
) -> None:
    found = await outcome(tmp_path / "home", change)
    assert found["superseded"], found
    assert not found["reinforced"], found


def test_the_written_set_of_mind_changes_is_heard() -> None:
    # tests/fixtures/mind_changes.jsonl: 22 changes, each said three ways (bench reports it).
    assert len(load()) >= 20


def _described(sentence: str) -> dict[str, object]:
    return {"words": sorted(key_words(sentence)), "negated": sorted(negated_words(sentence))}


def test_paraphrases_are_no_change_of_mind() -> None:
    for later, earlier in (
        ("versioned tags only", "no floating tags"),
        ("drop the semicolons", "no semicolons at line ends please"),
        ("use pytest, not unittest", "I would rather use pytest than unittest"),
        ("keep it brief", "skip the essay, just the commands"),
    ):
        assert not contradicts(_described(later), _described(earlier)), later


async def test_once_superseded_the_older_memory_is_never_recalled(log: SessionLog) -> None:
    await _said(log, ["I prefer gradle for the builds", "always build with gradle"])
    await dream(log)
    for item in await pending(log):
        await adoption.adopt(log, item.id)
    await _said(log, ["build with maven, not gradle", "maven for the builds, never gradle"])
    await dream(log)
    [change] = [item for item in await pending(log) if item.op == ProposalOp.SUPERSEDE]
    assert change.statement.startswith("Instead of ") and "gradle" in change.statement
    await adoption.adopt(log, change.id)
    recalled = await recall(log, "how do I run the gradle builds")
    statements = [hit.statement for hit in (*recalled.standing, *recalled.hits)]
    assert not [s for s in statements if "prefer gradle" in s]
    assert any("maven" in s for s in statements)


async def test_an_old_mind_is_not_quoted_beside_a_message_that_matches(log: SessionLog) -> None:
    # Each time, the old preference came right after a question the later turn asks again:
    # quoted as the answer to that question, it would bring the old mind back.
    for said in ("I prefer ant for compiling", "always compile with ant"):
        session = await log.create_session()
        for role, text in (
            ("user", "which tool packages the android app for the play store?"),
            ("user", said),
            ("assistant", "Done."),
        ):
            await log.append_message(session.id, role, [{"type": "text", "text": text}])
    await dream(log)
    await _adopt_all(log)
    await _said(log, ["compile with bazel, not ant", "bazel for compiling please, never ant"])
    await dream(log)
    [change] = [item for item in await pending(log) if item.op == ProposalOp.SUPERSEDE]
    await adoption.adopt(log, change.id)
    recalled = await recall(log, "which tool packages the android app")
    quoted = [hit.statement for hit in recalled.hits]
    assert any("play store" in line for line in quoted)
    assert not [line for line in quoted if line.endswith(("compiling", "with ant"))]


async def _adopt_all(log: SessionLog) -> None:
    for item in await pending(log):
        await adoption.adopt(log, item.id)


async def test_a_change_said_after_the_memory_is_no_conflict(log: SessionLog) -> None:
    await _said(log, ["I prefer meson for the C builds", "always build the C code with meson"])
    await dream(log)
    await _adopt_all(log)
    await _said(log, ["build the C code with cmake, not meson", "cmake for C builds, never meson"])
    await dream(log)
    [change] = [item for item in await pending(log) if item.op == ProposalOp.SUPERSEDE]
    assert not change.conflict
    assert "meson" in change.instead_of and change.replaces is not None


async def test_going_back_and_forth_is_a_conflict_the_person_settles(log: SessionLog) -> None:
    await _said(log, ["I prefer podman for containers", "always run containers with podman"])
    await dream(log)
    await _adopt_all(log)
    # The new choice, then the old one said again, then the new one: no order to trust.
    await _said(
        log,
        [
            "run containers with docker, not podman",
            "I prefer podman for containers",
            "docker for the containers please, never podman",
        ],
    )
    await dream(log)
    [change] = [item for item in await pending(log) if item.op == ProposalOp.SUPERSEDE]
    assert change.conflict
    assert "Which stands?" in change.statement and "podman" in change.statement
    replaced = await replaced_evidence(log, change)
    assert replaced and all("podman" in link.excerpt for link in replaced)
    shape = change.to_json([], replaced)
    assert shape["conflict"] is True
    assert shape["instead_of"]["node_id"] == change.replaces
    assert shape["instead_of"]["evidence"][0]["session_id"] == replaced[0].session_id


async def test_evidence_against_a_memory_lowers_its_confidence_until_decided(
    log: SessionLog,
) -> None:
    await _said(log, ["I prefer rsync for copying backups", "always copy backups with rsync"])
    await dream(log)
    await _adopt_all(log)
    [memory] = (await recall(log, "anything")).standing
    assert memory.node_id is not None
    assert await contradicted(log, [memory.node_id]) == {}
    await _said(log, ["copy backups with rclone, not rsync", "rclone for the backups, never rsync"])
    await dream(log)
    against = await contradicted(log, [memory.node_id])
    assert against == {memory.node_id: 2}
    assert confidence(2, against[memory.node_id]) < confidence(2)
    [change] = [item for item in await pending(log) if item.op == ProposalOp.SUPERSEDE]
    await adoption.reject(log, change.id)
    # Rejected: the person said the memory stands, and nothing counts against it any more.
    assert await contradicted(log, [memory.node_id]) == {}


async def test_a_contradicted_memory_ranks_below_an_equal_one(log: SessionLog) -> None:
    await _said(log, ["I prefer sqlite for side projects", "always use sqlite for side projects"])
    await dream(log)
    await _adopt_all(log)
    await _said(log, ["I prefer httpie for api calls", "always use httpie for api calls"])
    await dream(log)
    await _adopt_all(log)
    before = [hit.statement for hit in (await recall(log, "hello")).standing]
    assert len(before) == 2 and "httpie" in before[0]  # as strong, and seen last
    await _said(log, ["use curl for api calls, not httpie", "curl for api calls, never httpie"])
    await dream(log)
    after = [hit.statement for hit in (await recall(log, "hello")).standing]
    assert "sqlite" in after[0] and "httpie" in after[1]
