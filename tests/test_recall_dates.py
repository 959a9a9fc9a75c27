"""Recall and the dates a query names: "what did we plant in March 2024" prefers what was
said then (or in the week after), and never from a private session."""

from __future__ import annotations

import pytest

from memory_graph.memory.recall import recall
from memory_graph.memory.recall.dates import Period, periods
from memory_graph.memory.vocabulary import RecallReason
from memory_graph.store.session_log import SessionLog


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("what did we plant in June?", [Period(None, 6)]),
        ("the talk on 14 March, 2024", [Period(2024, 3, 14)]),
        ("due September 2nd 2025 or so", [Period(2025, 9, 2)]),
        ("the 3rd of November", [Period(None, 11, 3)]),
        ("anything in 2021?", [Period(2021)]),
        ("between 2024-02-10 and 2024-03", [Period(2024, 2, 10), Period(2024, 3)]),
        ("in May", [Period(None, 5)]),
        ("back on May 9", [Period(None, 5, 9)]),
        ("June and June again, 2019 and 2019", [Period(None, 6), Period(2019)]),
        # Not dates: a modal verb, a version, a time, a lower-case word, a month that has no 13th.
        ("May I ask about the garden?", []),
        ("version 1.2019 of the tool", []),
        ("at 10:2030 sharp", []),
        ("we march on", []),
        ("2024-13-01", []),
    ],
)
def test_the_dates_a_text_names(text: str, expected: list[Period]) -> None:
    assert periods(text) == expected


def test_a_period_holds_what_was_said_in_it_and_in_the_week_after() -> None:
    day = Period(2024, 3, 14)
    assert day.holds("2024-03-14T08:00:00.000Z")
    assert day.holds("2024-03-20T23:00:00.000Z")  # "last Thursday I gave a talk"
    assert not day.holds("2024-03-13T23:59:00.000Z")
    assert not day.holds("2024-03-29T10:00:00.000Z")
    assert not day.holds("2025-03-14T10:00:00.000Z")
    # A month without a year is that month in any year; December runs into January.
    december = Period(None, 12)
    assert december.holds("2019-12-01T00:00:00Z") and december.holds("2023-01-05T00:00:00Z")
    assert not december.holds("2023-01-09T00:00:00Z") and not december.holds("2023-11-30T00:00:00Z")
    year = Period(2021)
    assert year.holds("2021-07-01T00:00:00+02:00") and not year.holds("2022-02-01T00:00:00Z")
    # A date that cannot be (the 30th of February) and a timestamp that cannot be read hold nothing.
    assert not Period(None, 2, 30).holds("2024-02-29T00:00:00Z")
    assert not Period(2024).holds("yesterday")


async def _said(log: SessionLog, when: str, text: str, *, private: bool = False) -> None:
    session = await log.create_session(started=when, private=private)
    await log.append_message(session.id, "user", [{"type": "text", "text": text}], created=when)
    await log.append_message(
        session.id, "assistant", [{"type": "text", "text": "Noted."}], created=when
    )


def _episodes(found: object) -> list[str]:
    hits = getattr(found, "hits", [])
    return [hit.statement for hit in hits if hit.reason is RecallReason.EPISODE]


async def test_a_query_naming_a_month_prefers_what_was_said_that_month(log: SessionLog) -> None:
    await _said(log, "2024-03-09T10:00:00.000Z", "We planted tomatoes in the garden today")
    await _said(log, "2024-06-02T10:00:00.000Z", "We planted garden beans and garden peas today")
    # Without a date, BM25 ranks the June line first (it says "garden" twice).
    assert _episodes(await recall(log, "what did we plant in the garden"))[0].startswith(
        "user: We planted garden beans"
    )
    for query in (
        "what did we plant in the garden in March?",
        "what did we plant in the garden in March 2024?",
        "what did we plant in the garden on 9 March 2024?",
        "what did we plant in the garden on 2024-03-09?",
    ):
        assert _episodes(await recall(log, query))[0] == (
            "user: We planted tomatoes in the garden today"
        ), query
    # Another year's March is not this one.
    assert _episodes(await recall(log, "what did we plant in the garden in March 2023?"))[
        0
    ].startswith("user: We planted garden beans")


async def test_a_private_session_said_then_is_never_recalled(log: SessionLog) -> None:
    await _said(log, "2024-01-03T10:00:00.000Z", "the garden gate squeaks")
    await _said(log, "2024-05-12T10:00:00.000Z", "the garden key is under the stone", private=True)
    for query in ("the garden in May 2024", "the garden"):
        shown = " ".join(_episodes(await recall(log, query)))
        assert "gate squeaks" in shown and "under the stone" not in shown
