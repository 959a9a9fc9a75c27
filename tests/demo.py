"""The demo history's ground truth (assets/demo/expected.json), for tests that dream it."""

from __future__ import annotations

import json

from app.paths import DEMO_HISTORY

EXPECTED = json.loads((DEMO_HISTORY.parent / "expected.json").read_text())
PLANTED = len(EXPECTED["patterns"])
"""How many patterns are planted in the demo: a dream of it proposes exactly these."""
PROPOSED = PLANTED + len(EXPECTED["topics_and_entities"])
"""Everything a dream of the demo proposes: the planted patterns, its topics and entities."""
