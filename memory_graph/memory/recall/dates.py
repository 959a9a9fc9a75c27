"""The time a query names ("in June", "on 13 October, 2023", "October 13th", "in 2022",
"2023-10-13"): what was said then is likelier what it asks about (`episodes`).

Only calendar dates are read, never relative ones ("last week" depends on when it was said).
A date that names nothing in the log costs nothing: no message was said then, none is
preferred."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta

from memory_graph.memory.recall.tuning import DATE_AFTERWARDS_DAYS

_MONTHS = (
    "january",
    "february",
    "march",
    "april",
    "may",
    "june",
    "july",
    "august",
    "september",
    "october",
    "november",
    "december",
)
_MONTH = "|".join(name.capitalize() for name in _MONTHS)
_DAY = r"(\d{1,2})(?:st|nd|rd|th)?"
_YEAR = r"(19[7-9]\d|20\d\d)"
_NAMED = re.compile(rf"(?:\b{_DAY}\s+(?:of\s+)?)?\b({_MONTH})\b(?:\s+{_DAY}\b)?(?:,?\s+{_YEAR}\b)?")
"""A month by its (capitalized) name, with a day before or after it and a year, if given."""
_ISO = re.compile(rf"(?<![\d-]){_YEAR}-(\d{{2}})(?:-(\d{{2}}))?(?![\d-])")
_LONE_YEAR = re.compile(rf"(?<![\w:./-]){_YEAR}(?![\w:/-]|\.\d)")
_MAY_BEFORE = re.compile(
    r"\b(?:in|on|during|since|of|by|until|till|before|after|last|early|late)\s+$", re.I
)
""""May" is a month only with a day or a year beside it or after a word like these: "May I
ask" is not."""


@dataclass(frozen=True)
class Period:
    """A day, a month or a year; a month or a day without a year is that one in any year."""

    year: int | None
    month: int | None = None
    day: int | None = None

    def holds(self, created: str) -> bool:
        """Whether a message created then (ISO 8601) was said in the period or in the
        DATE_AFTERWARDS_DAYS after it: what happened is told in the days that follow."""
        try:
            moment = datetime.fromisoformat(created)
        except ValueError:
            return False
        said = (moment.astimezone(UTC) if moment.tzinfo else moment).date()
        years = [self.year] if self.year is not None else [said.year, said.year - 1]
        for year in years:
            span = self._span(year)
            if span and span[0] <= said < span[1] + timedelta(days=DATE_AFTERWARDS_DAYS):
                return True
        return False

    def _span(self, year: int) -> tuple[date, date] | None:
        """The first day of the period in this year, and the first day after it."""
        try:
            if self.month is None:
                return date(year, 1, 1), date(year + 1, 1, 1)
            if self.day is None:
                start = date(year, self.month, 1)
                return start, (start + timedelta(days=31)).replace(day=1)
            start = date(year, self.month, self.day)
        except ValueError:
            return None  # February 30th, or the 29th in a year that has none
        return start, start + timedelta(days=1)


def periods(text: str) -> list[Period]:
    """The calendar dates a text names, each once, in order."""
    found: list[Period] = []
    taken: list[tuple[int, int]] = []
    for match in _ISO.finditer(text):
        year, month, day = match.groups()
        found.append(Period(int(year), int(month), int(day) if day else None))
        taken.append(match.span())
    for match in _NAMED.finditer(text):
        before, name, after, year = match.groups()
        day = before or after
        if name == "May" and not (day or year) and not _MAY_BEFORE.search(text[: match.start()]):
            continue
        found.append(
            Period(
                int(year) if year else None,
                _MONTHS.index(name.lower()) + 1,
                int(day) if day else None,
            )
        )
        taken.append(match.span())
    for match in _LONE_YEAR.finditer(text):
        if not any(start <= match.start() < end for start, end in taken):
            found.append(Period(int(match.group(1))))
    unique: list[Period] = []
    for period in found:
        if period not in unique and (period.month is None or 1 <= period.month <= 12):
            unique.append(period)
    return unique
