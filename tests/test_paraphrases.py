"""One preference, correction or fact said in other words in other sessions is one pattern with
all its sessions; different things, and opposite ones, stay apart. Each memory reads as one
complete sentence of the person's, without the chat around it."""

from __future__ import annotations

import pytest

from dreamer.extractors.statements import fact_in
from dreamer.wording import as_memory
from memory_graph.memory.vocabulary import FactSubject
from memory_graph.store.session_log import SessionLog
from memory_graph.store.text import key_words
from tests.support.sessions import sessions_cited_by, stated_proposals


async def test_a_preference_said_three_ways_is_one_proposal(log: SessionLog) -> None:
    found = await stated_proposals(
        log,
        ("tidy up parse_row", "I prefer no trailing commas in function calls"),
        ("refactor the loader", "stop adding trailing commas to calls, please"),
        ("write the CSV writer", "ugh, drop those trailing commas"),
    )
    [proposal] = found
    assert sessions_cited_by(proposal) == {1, 2, 3} and proposal["support"] == 3
    assert "trailing comma" in str(proposal["memory"]).lower()


async def test_one_tool_over_another_in_any_order(log: SessionLog) -> None:
    found = await stated_proposals(
        log,
        ("add tests for the parser", "I'd rather use pytest than unittest"),
        ("set up CI", "use pytest, not unittest"),
        ("new module", "going forward, pytest over unittest"),
    )
    [proposal] = found
    assert sessions_cited_by(proposal) == {1, 2, 3}


async def test_a_fact_in_free_word_order(log: SessionLog) -> None:
    found = await stated_proposals(
        log,
        ("my shell is fish",),
        ("I use fish as my shell",),
        ("fish is my shell",),
    )
    [proposal] = found
    assert proposal["kind"] == "fact" and sessions_cited_by(proposal) == {1, 2, 3}


async def test_a_fact_about_the_team_said_with_we_or_our(log: SessionLog) -> None:
    found = await stated_proposals(
        log,
        ("check the dashboards", "we run ClickHouse in production and SQLite in tests"),
        ("the query is slow", "our production database is ClickHouse, remember"),
        ("add a migration", "fyi we run clickhouse in production"),
    )
    [proposal] = found
    assert proposal["kind"] == "fact" and sessions_cited_by(proposal) == {1, 2, 3}
    assert "ClickHouse" in str(proposal["memory"])


async def test_different_and_opposite_things_stay_apart(log: SessionLog) -> None:
    found = await stated_proposals(
        log,
        ("notes", "I prefer dark mode in the editor"),
        ("todo", "I prefer the editor to autosave"),
        ("notes again", "I really prefer dark mode in my editor"),
        ("todo again", "I'd like the editor to autosave"),
        ("lint", "use tabs, not spaces"),
        ("lint again", "I want tabs, not spaces"),
        ("format", "use spaces, not tabs"),
        ("format again", "always spaces, never tabs"),
    )
    by_sessions = sorted(sorted(sessions_cited_by(p)) for p in found)
    assert by_sessions == [[1, 3], [2, 4], [5, 6], [7, 8]]


async def test_a_request_said_again_is_no_preference(log: SessionLog) -> None:
    found = await stated_proposals(
        log,
        ("I'd like to move my dentist appointment to Friday",),
        ("I want to move my dentist appointment",),
        ("I would like to move the dentist appointment, please",),
    )
    assert found == []


def test_facts_know_whose_they_are() -> None:
    mine = fact_in("I code in Rust")
    project = fact_in("our codebase uses Poetry")
    assert mine is not None and mine.subject is FactSubject.PERSON
    assert project is not None and project.subject is FactSubject.PROJECT
    assert fact_in("the build is slow today") is None


@pytest.mark.parametrize(
    ("said", "about", "memory"),
    [
        ("btw remember that my shell is fish", "shell fish", "My shell is fish."),
        ("no trailing commas please, I've asked before", "trailing commas", "No trailing commas."),
        (
            "ok so, always run ruff before committing!!",
            "ruff commit",
            "Always run ruff before committing.",
        ),
        ("Nope, use pytest", "pytest", "Use pytest."),
    ],
)
def test_a_memory_is_a_sentence_without_the_chat(said: str, about: str, memory: str) -> None:
    assert as_memory(said, key_words(about)) == memory


def test_a_long_memory_loses_whole_clauses_never_half_a_word() -> None:
    said = "always squash the commits before merging, " + ", ".join(
        f"which is something I mentioned in meeting number {n}" for n in range(8)
    )
    memory = as_memory(said, key_words("squash commits merging"))
    assert memory == "Always squash the commits before merging."
    assert not memory.endswith("…")


async def test_sentences_sharing_rare_words_are_one_preference(log: SessionLog) -> None:
    # Three of six words in common: too few alone, but they are what this person rarely says.
    found = await stated_proposals(
        log,
        (
            "restyle the pricing page",
            "no inline styles in templates please — move each rule to the stylesheet",
        ),
        (
            "fix the footer gap",
            "I'd rather have one stylesheet than inline styles, even for small tweaks",
        ),
        ("write the changelog", "always write commit messages in English"),
        ("tidy the compose file", "I prefer two-space indentation in YAML"),
        ("bump the deps", "always write commit messages in English"),
        ("the header is off", "I prefer dark mode screenshots in the docs"),
        ("fix the lint", "always pin the node version in CI"),
        ("draft the email", "never sign emails with my full name"),
        ("plan the sprint", "I prefer estimates in days, not points"),
        ("review the PR", "always squash before merging"),
    )
    assert sorted(sessions_cited_by(p) for p in found) == [{1, 2}, {3, 5}]


def test_one_rare_word_in_common_is_a_topic_not_a_claim() -> None:
    from dreamer.similarity import Rarity, relation

    tabs = {"words": ["tab", "makefil"]}
    spaces = {"words": ["indent", "makefil", "space"]}
    others = [frozenset({"commit", "english"}), frozenset({"yaml", "indent"})] * 5
    rarity = Rarity([frozenset(tabs["words"]), frozenset(spaces["words"]), *others])
    assert rarity.overlap(frozenset(tabs["words"]), frozenset(spaces["words"]))[0] > 0.4
    assert relation(tabs, spaces, rarity) == "unrelated"


def test_a_negation_ends_with_its_clause_a_dash_or_a_bracket_included() -> None:
    from dreamer.extractors.statements import negated_words

    assert negated_words("no subqueries please — pull each step into a CTE") == {"subqueri"}
    assert negated_words("never mocks (use the real sqlite file) in these tests") == {"mock"}
    assert negated_words("skip the ORM - write plain SQL") == {"orm"}


def test_an_acronym_and_its_plural_are_one_word() -> None:
    assert key_words("split it into CTEs") == key_words("split it into a CTE") == {"split", "cte"}
    assert "pr" in key_words("open two PRs") and "url" in key_words("check the URLs")
