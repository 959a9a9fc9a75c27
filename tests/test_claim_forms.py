"""Claims said without the usual cue words are heard, and their paraphrases group: a preference
on a common scale (answer length, letter case) said at either end of it, facts about the
person's world in free forms (`X runs Y`, `X = Y`, `Name does my Z`, `my Z (Name)`), a
routine ("the usual drill: …") and what may not be done ("… is banned", "… only"). A sentence
that shares one word with two different claims joins neither to the other."""

from __future__ import annotations

from dreamer.extractors.statements import fact_in, negated_words
from memory_graph.store.session_log import SessionLog
from memory_graph.store.text import key_words
from tests.support.sessions import sessions_cited_by, stated_proposals


async def test_one_answer_length_said_in_words_that_share_no_stem(log: SessionLog) -> None:
    found = await stated_proposals(
        log,
        ("translate the menu into Dutch", "way too wordy"),
        ("summarise the supplier contract", "keep it terse, bullet the dates"),
        ("what changed in the VAT rules", "spare me the lecture, just the rates"),
        ("draft the note to the landlord", "succinct replies from now on"),
    )
    [proposal] = found
    assert sessions_cited_by(proposal) == {1, 2, 3, 4}
    # A sentence that states it, not the complaint, is the memory.
    assert "wordy" not in str(proposal["memory"]).lower()


def test_either_end_of_a_scale_points_one_way() -> None:
    assert key_words("keep it terse") == key_words("too wordy") == {"breviti"}
    assert negated_words("keep it terse") == negated_words("spare me the essay") == set()
    assert negated_words("walk me through it in depth") == {"breviti"}
    assert negated_words("write the headings in all caps") == {"lowercas"}
    # A complaint names what is wrong: it wants the other end.
    assert negated_words("ugh, CAPITALISED headings again") == set()
    assert negated_words("headings in lower case please") == set()


async def test_a_long_and_a_short_answer_stay_apart(log: SessionLog) -> None:
    found = await stated_proposals(
        log,
        ("explain the lease clause", "keep it terse"),
        ("explain the deposit rules", "succinct answers from now on"),
        ("explain the notice period", "I prefer thorough explanations with examples"),
        ("explain the rent review", "always give me the detailed version"),
    )
    groups = [sessions_cited_by(proposal) for proposal in found]
    assert {1, 2} in groups
    assert not [group for group in groups if group & {1, 2} and group & {3, 4}]


async def test_facts_about_the_persons_world_in_free_forms(log: SessionLog) -> None:
    found = await stated_proposals(
        log,
        ("the backup job is slow", "the build server (forge) runs NixOS"),
        ("add a cron entry", "fyi forge is on NixOS, not Ubuntu"),
        ("why is the disk full", "remember: ci box = nixos"),
    )
    [proposal] = found
    assert proposal["kind"] == "fact" and sessions_cited_by(proposal) == {1, 2, 3}


async def test_who_does_what_for_the_person(log: SessionLog) -> None:
    found = await stated_proposals(
        log,
        ("cut the 2.4 release", "Marta signs off all my releases, so wait for her"),
        ("prepare the hotfix", "Marta's my release approver, ping her"),
        ("tag the beta", "loop in my release approver (Marta Ilves) before tagging"),
    )
    [proposal] = found
    assert proposal["kind"] == "fact" and sessions_cited_by(proposal) == {1, 2, 3}
    assert "Marta" in str(proposal["memory"])


def test_forms_that_are_no_facts() -> None:
    for sentence in (
        "then run the linter",
        "it runs on port 5000",
        "this is on the second page",
        "so = is the operator here",
    ):
        assert fact_in(sentence) is None, sentence


async def test_a_routine_said_three_ways(log: SessionLog) -> None:
    found = await stated_proposals(
        log,
        ("ship 1.8", "the usual routine: changelog entry, version bump, signed tag"),
        ("ship 1.9", "same drill as always, changelog, bump the version, sign the tag"),
        ("ship 2.0", "release checklist: changelog, version bump, then the signed tag"),
    )
    [proposal] = found
    assert sessions_cited_by(proposal) == {1, 2, 3}


async def test_what_may_not_be_used_and_what_alone_may(log: SessionLog) -> None:
    found = await stated_proposals(
        log,
        ("merge the docs fix", "force pushes to main are banned"),
        ("rebase my branch", "never force push to main"),
        ("tidy the history", "squash merges only, on every repo"),
        ("merge the feature", "we do squash merges only"),
    )
    assert sorted(map(sessions_cited_by, found), key=min) == [{1, 2}, {3, 4}]


async def test_a_word_two_claims_share_does_not_join_them(log: SessionLog) -> None:
    found = await stated_proposals(
        log,
        ("plan the week", "never deploy on fridays"),
        ("plan the sprint", "no deploys on a friday please"),
        ("write the runbook", "never deploy without a rollback plan"),
        ("review the runbook", "don't deploy unless a rollback plan exists"),
        ("plan the release", "never deploy, ok?"),
    )
    groups = sorted(map(sessions_cited_by, found), key=min)
    assert {1, 2} in [g - {5} for g in groups] and {3, 4} in [g - {5} for g in groups]
    assert len(groups) == 2
