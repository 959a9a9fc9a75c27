"""The public benchmark data (../shared/benchmarks beside the checkout) some tests read.

CI provides it; on a machine without it those tests are skipped with a reason, never silently
(see `pytest_collection_modifyitems` in conftest.py), and under CI its absence is an error.
"""

from __future__ import annotations

from pathlib import Path

import pytest

BENCHMARKS = Path(__file__).resolve().parents[3] / "shared" / "benchmarks"
CLAUDE_CODE = BENCHMARKS / "claude-code"
TAUBENCH = BENCHMARKS / "taubench"
TAUBENCH_AIRLINE = TAUBENCH / "gpt-4o-airline-tasks-00-24.json"
"""One file of tau-bench runs: gpt-4o on airline tasks 0 to 24, 100 conversations."""

needs_shared_data = pytest.mark.shared_data
"""Marks a test (or, as `pytestmark`, a module) that reads the benchmark data."""
