"""The labelled tool results the failure-text classifier (`dreamer.extractors.failure_text`) is
measured on, by the tests and by `make bench`: a set written for it (tests/fixtures/
failure_text.jsonl) and the `is_error` labels of real Claude Code transcripts."""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

from dreamer.extractors.failure_text import aside, read
from memory_graph.store.content import tool_result_text

LABELLED = Path(__file__).resolve().parents[1] / "fixtures" / "failure_text.jsonl"
"""Tool results written from scratch, each labelled failed or not, with a note of what it is."""


@dataclass(frozen=True)
class Case:
    """A tool result's text and whether the call failed."""

    text: str
    failed: bool
    note: str = ""


def labelled_set() -> list[Case]:
    """The written set."""
    lines = LABELLED.read_text(encoding="utf-8").splitlines()
    return [Case(row["text"], row["failed"], row["note"]) for row in map(json.loads, lines)]


def _results(value: object) -> Iterator[dict[str, object]]:
    """The tool_result blocks of a transcript line."""
    message = value.get("message") if isinstance(value, dict) else None
    content = message.get("content") if isinstance(message, dict) else None
    for block in content if isinstance(content, list) else []:
        if isinstance(block, dict) and block.get("type") == "tool_result":
            yield block


def transcript_results(folder: Path) -> list[Case]:
    """Every tool result of the Claude Code transcripts under `folder` (subagents' too), labelled
    by its own `is_error`, in file order."""
    cases = []
    for path in sorted(folder.rglob("*.jsonl")):
        for line in path.read_text(encoding="utf-8").splitlines():
            try:
                value = json.loads(line)
            except ValueError:
                continue
            for block in _results(value):
                text = tool_result_text(block.get("content"))
                cases.append(Case(text, bool(block.get("is_error")), path.name))
    return cases


@dataclass(frozen=True)
class Measured:
    """How the classifier did on a set: precision and recall of `failed`, and what it missed."""

    precision: float
    recall: float
    failed: int
    not_failed: int
    set_aside: int
    """Refusals and cascades, neither class."""
    false_positives: tuple[Case, ...]
    false_negatives: tuple[Case, ...]

    def to_json(self) -> dict[str, object]:
        """For bench/results.json: the figures, and the misses by note and head."""
        return {
            "precision": round(self.precision, 3),
            "recall": round(self.recall, 3),
            "failed": self.failed,
            "not_failed": self.not_failed,
            "set_aside": self.set_aside,
            "false_positives": [_shown(case) for case in self.false_positives],
            "false_negatives": [_shown(case) for case in self.false_negatives],
        }


def _shown(case: Case) -> str:
    return f"{case.note}: {case.text[:120]!r}"


def measure(cases: Iterable[Case]) -> Measured:
    """Precision and recall of the classifier's `failed` against the labels, refusals and
    cascades set aside."""
    kept = []
    set_aside = 0
    for case in cases:
        if aside(case.text) is None:
            kept.append(case)
        else:
            set_aside += 1
    said = [(case, read(case.text).failed) for case in kept]
    hits = sum(case.failed and failed for case, failed in said)
    false_positives = tuple(case for case, failed in said if failed and not case.failed)
    false_negatives = tuple(case for case, failed in said if case.failed and not failed)
    positives = sum(case.failed for case in kept)
    return Measured(
        precision=hits / max(1, hits + len(false_positives)),
        recall=hits / max(1, positives),
        failed=positives,
        not_failed=len(kept) - positives,
        set_aside=set_aside,
        false_positives=false_positives,
        false_negatives=false_negatives,
    )
