"""The injection detector: how many collected injections it flags, how many of a person's
corrections and of LoCoMo's turns it flags wrongly, and what a message costs it."""

from __future__ import annotations

import statistics
import time
from typing import Any

from bench.locomo import LOCOMO
from bench.stats import spread
from memory_graph.store.injection import inspect, reads_like_injection
from tests.support.injection_cases import ATTACKS, CORRECTIONS, adversarial, locomo_turns

RUNS = 5
TYPICAL_CHARS = range(150, 251)
"""A typical message: LoCoMo's turns of 150 to 250 characters."""
ADVERSARIAL_SIZE = 2_000_000


def _microseconds_per_text(texts: list[str]) -> list[float]:
    """Each of `RUNS` passes over `texts`: its time divided by their number."""
    passes = []
    for _ in range(RUNS):
        began = time.perf_counter()
        for text in texts:
            inspect(text)
        passes.append((time.perf_counter() - began) / len(texts) * 1e6)
    return passes


def _worst_adversarial_ms() -> tuple[float, str]:
    took = {}
    for name, text in adversarial(ADVERSARIAL_SIZE).items():
        began = time.perf_counter()
        inspect(text)
        took[name] = (time.perf_counter() - began) * 1000
    worst = max(took, key=took.__getitem__)
    return took[worst], worst


def run_injection() -> dict[str, Any]:
    """Counts of flagged texts per set, the highest score of a correction, and timings."""
    turns = list(locomo_turns(LOCOMO))
    typical = [turn for turn in turns if len(turn) in TYPICAL_CHARS]
    worst_ms, worst_shape = _worst_adversarial_ms()
    return {
        "attacks": len(ATTACKS),
        "attacks_flagged": sum(map(reads_like_injection, ATTACKS)),
        "corrections": len(CORRECTIONS),
        "corrections_flagged": sum(map(reads_like_injection, CORRECTIONS)),
        "corrections_highest_score": max(inspect(text).score for text in CORRECTIONS),
        "locomo_turns": len(turns),
        "locomo_flagged": [turn for turn in turns if reads_like_injection(turn)],
        "typical_messages": len(typical),
        "typical_us": spread(_microseconds_per_text(typical)),
        "locomo_us": spread(_microseconds_per_text(turns)),
        "locomo_mean_chars": round(statistics.mean(map(len, turns)), 1),
        "adversarial_worst_ms": round(worst_ms, 1),
        "adversarial_worst_shape": worst_shape,
    }
