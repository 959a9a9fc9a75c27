"""The demo history and its ground truth (assets/demo/expected.json), for tests that dream it.
Tests read the checkout's copy; the app reads the one it ships (`app.paths.demo_history`)."""

from __future__ import annotations

import json
from pathlib import Path

DEMO = Path(__file__).resolve().parents[2] / "assets" / "demo"
DEMO_HISTORY = DEMO / "history.jsonl"
EXPECTED = json.loads((DEMO / "expected.json").read_text())
PROPOSED = sum("proposed_with" not in p for p in EXPECTED["patterns"])
"""Everything a dream of the demo proposes: the planted patterns (a fix, and a workflow that
needs the same workaround, in one proposal with their failure)."""
