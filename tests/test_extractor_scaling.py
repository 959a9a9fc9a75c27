"""However large a message or a session, a dream costs about what its text does."""

from __future__ import annotations

import threading
from collections.abc import Callable

from dreamer.extractors import statements


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
