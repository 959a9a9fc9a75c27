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

needs_shared_data = pytest.mark.shared_data
"""Marks a test (or, as `pytestmark`, a module) that reads the benchmark data."""
