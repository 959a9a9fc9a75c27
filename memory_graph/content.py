"""Plain text of content blocks: what the full-text index and the dreamer read."""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from typing import Any

from memory_graph.blocks import well_formed
from memory_graph.records import Block
from memory_graph.redact import redact, secret_spans


def tool_result_text(content: Any) -> str:
    """The text of a tool_result's `content`, which may be a string or a list of blocks."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(
            str(part.get("text", "")) for part in content if isinstance(part, dict)
        ).strip()
    return "" if content is None else str(content)


def blocks_text(blocks: Iterable[Block]) -> str:
    """Flatten blocks into searchable text: text as is, tool calls as `name {input}`,
    tool results as their output."""
    parts: list[str] = []
    for block in well_formed(list(blocks)):
        kind = block.get("type")
        if kind == "text":
            parts.append(str(block.get("text", "")))
        elif kind == "tool_use":
            arguments = json.dumps(block.get("input", {}), ensure_ascii=False, sort_keys=True)
            parts.append(f"{block.get('name', '')} {arguments}")
        elif kind == "tool_result":
            parts.append(tool_result_text(block.get("content")))
    return "\n".join(part for part in parts if part)


EXCERPT_LIMIT = 240
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f]")


def shown_controls(text: str) -> str:
    """Control characters (an escape sequence pasted with a log) written out as `\\x1b`, so
    that a terminal shows them instead of obeying them."""
    return _CONTROL.sub(lambda c: f"\\x{ord(c.group()):02x}", text)


def excerpt(text: str, start: int, end: int) -> str:
    """The span of a message that evidence points at, on one line, secrets redacted: a secret
    the span cuts through is taken whole, so that none of it shows."""
    spans = secret_spans(text)
    grown = True
    while grown:  # taking one secret whole may reach into the next
        grown = False
        for secret_start, secret_end in spans:
            if (
                secret_start < end
                and start < secret_end
                and not start <= secret_start < secret_end <= end
            ):
                start, end, grown = min(start, secret_start), max(end, secret_end), True
    return shown_controls(redact(" ".join(text[start:end].split())))[:EXCERPT_LIMIT]
