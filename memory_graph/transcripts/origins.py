"""Who wrote each imported message, one rule per format; the text rules they share are
`memory_graph.store.origins`.

- Claude Code: a `user` line is the person's unless its flags or its text say otherwise
  (`isCompactSummary`, `isMeta`, the harness's own wording), and nothing in a sub-agent's file
  (`isSidechain`) is: what reads as typed there is the parent agent's prompt.
- OpenAI-style logs: the role says it all (`system` is the harness, `user` the person,
  `assistant` the agent, `tool` the harness reporting a result), so they carry no origin.
- Reverie's exports: the origin they were exported with; exports from before origins were
  kept are read as the log's own rows were (from their text).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from memory_graph.store.content import blocks_text
from memory_graph.store.origins import RECALLED, in_sub_agent, infer_origin, recalled_in
from memory_graph.store.records import Block, MessageOrigin, OriginReason, Provenance, Role

_COMPACTION_SUMMARY = Provenance(MessageOrigin.HARNESS, OriginReason.COMPACTION_SUMMARY)
_SKILL = Provenance(MessageOrigin.HARNESS, OriginReason.SKILL)


def claude_code(line: Mapping[str, Any], text: str) -> Provenance:
    """The origin of the words of a Claude Code `user` line (its tool results aside)."""
    if line.get("isCompactSummary"):
        provenance = _COMPACTION_SUMMARY
    else:
        provenance = infer_origin("user", text, {})
        if line.get("isMeta") and provenance.origin is MessageOrigin.PERSON:
            # A line the person never saw as theirs: a skill's or a custom command's text, or a
            # hook handing on Reverie's recalled memory.
            provenance = RECALLED if recalled_in(text) else _SKILL
    return in_sub_agent(provenance) if line.get("isSidechain") else provenance


def exported(
    message: Mapping[str, Any],
    role: Role,
    content: list[Block],
    meta: Mapping[str, Any],
    spawned: bool,
) -> Provenance:
    """The origin of a message of a Reverie export (`spawned`: its session has a parent)."""
    origin, reason = message.get("origin"), message.get("origin_reason")
    if origin in tuple(MessageOrigin):
        # Reasons are a closed vocabulary too: anything else in a file is not kept.
        known = OriginReason(reason) if reason in tuple(OriginReason) else None
        return Provenance(MessageOrigin(origin), known)
    provenance = infer_origin(role, blocks_text(content), meta)
    return in_sub_agent(provenance) if spawned else provenance
