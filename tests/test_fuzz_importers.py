"""Importers fed garbage (property-based, hypothesis): random and truncated JSON and JSONL,
wrong types, invalid UTF-8, deep nesting, a huge line. Never a traceback: what cannot be
imported is a problem reported with its file and line, and the rest of the file still is."""

from __future__ import annotations

import asyncio
import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from memory_graph.store.errors import StoreError
from memory_graph.store.session_log import SessionLog
from memory_graph.transcripts.importer import ImportReport, import_paths
from memory_graph.transcripts.parsed import FORMATS

_scalars = st.none() | st.booleans() | st.integers() | st.floats() | st.text(max_size=20)
_json = st.recursive(
    _scalars,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=8), inner, max_size=4)
    ),
    max_leaves=20,
)
_keys = st.sampled_from(
    [
        "type",
        "message",
        "role",
        "content",
        "messages",
        "session",
        "uuid",
        "sessionId",
        "text",
        "tool_use_id",
        "is_error",
        "format",
        "traj",
        "timestamp",
        "parentUuid",
        "id",
        "mapping",
    ]
)
# Objects that look like transcript lines, with the right keys and the wrong values.
_plausible = st.dictionaries(_keys, _json, max_size=6)
_line = (_plausible | _json).map(lambda value: json.dumps(value).encode())


@st.composite
def _damaged(draw: st.DrawFn) -> bytes:
    """A transcript file: JSON lines, some cut short, some with bytes that are not UTF-8."""
    lines = draw(st.lists(_line, min_size=1, max_size=8))
    damaged = []
    for line in lines:
        cut = draw(st.integers(0, 3))
        if cut == 0 and len(line) > 2:
            line = line[: draw(st.integers(1, len(line) - 1))]
        elif cut == 1:
            line = line + draw(st.binary(min_size=1, max_size=6))
        damaged.append(line)
    return b"\n".join(damaged)


def _import(content: bytes, suffix: str, fmt: str | None) -> ImportReport | StoreError:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / f"transcript{suffix}"
        path.write_bytes(content)

        async def run() -> ImportReport | StoreError:
            async with await SessionLog.open(Path(folder) / "home") as log:
                try:
                    return await import_paths(log, [path], fmt)  # type: ignore[arg-type]
                except StoreError as error:  # a user error, said in one line
                    return error

        return asyncio.run(run())


def _check(outcome: ImportReport | StoreError) -> None:
    if isinstance(outcome, StoreError):
        assert str(outcome) and "\n" not in str(outcome)
        return
    for problem in outcome.problems:
        assert problem.path.name.startswith("transcript") and problem.reason


# The same examples on every run, so `make test` never turns red by luck; 3,500 random ones ran
# clean before this was written (they found `"type": []` crashing format detection).
@settings(
    max_examples=60,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.too_slow],
)
@given(
    content=_damaged(),
    fmt=st.sampled_from([None, *FORMATS]),
    suffix=st.sampled_from([".jsonl", ".json"]),
)
def test_damaged_transcripts_never_raise(content: bytes, fmt: str | None, suffix: str) -> None:
    _check(_import(content, suffix, fmt))


def _nested(depth: int) -> str:
    """JSON nested deeper than Python's json module can read (written out, as it cannot)."""
    return '{"content": [' * depth + '"deep"' + "]}" * depth


def test_deep_nesting_and_a_huge_line_are_problems_not_crashes() -> None:
    good = {
        "session": {"source": "reverie", "external_id": "ok", "started": "2026-01-01T00:00:00Z"},
        "messages": [{"role": "user", "content": [{"type": "text", "text": "hello"}]}],
    }
    lines = [
        json.dumps({"format": "reverie", "version": 1}),
        "[" * 100_000,
        '{"session": ' + _nested(5_000) + "}",
        json.dumps({"session": {"external_id": "big"}, "messages": ["x" * 10_000_000]}),
        json.dumps(good),
    ]
    for fmt in (None, *FORMATS):
        outcome = _import("\n".join(lines).encode(), ".jsonl", fmt)
        _check(outcome)
        if fmt in (None, "reverie"):
            assert isinstance(outcome, ImportReport)
            # The good session after the bad lines still arrives.
            assert outcome.sessions_new == 1 and outcome.problems
            assert all(problem.line in (2, 3, 4) for problem in outcome.problems)
