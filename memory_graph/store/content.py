"""Plain text of content blocks: what the full-text index and the dreamer read."""

from __future__ import annotations

import json
import re
import unicodedata
from collections.abc import Callable, Iterable
from typing import Any

from memory_graph.store.blocks import well_formed
from memory_graph.store.records import Block


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


HEAD_CHARACTERS = 16_000
TAIL_CHARACTERS = 16_000
"""What is read of one message's text, by the extractors and by the injection detector alike
(so that nothing an extractor reads escapes the detector): its first and last 16,000
characters (about 4,000 tokens each, a few hundred lines). What the user typed and what a
command said first sit at the head; a traceback and an exit status at the tail. The middle of a
longer text (a pasted document, a build log) goes unread, so a dream costs the same however
large a message is."""


def capped(text: str) -> list[tuple[int, str]]:
    """The parts of `text` that are read, each with its offset in `text` (evidence spans point
    into the whole text): all of it, or its head and its tail."""
    if len(text) <= HEAD_CHARACTERS + TAIL_CHARACTERS:
        return [(0, text)]
    tail = len(text) - TAIL_CHARACTERS
    return [(0, text[:HEAD_CHARACTERS]), (tail, text[tail:])]


EXCERPT_LIMIT = 240
HIDDEN_CATEGORIES = frozenset({"Cc", "Cf", "Cs", "Zl", "Zp"})
"""Unicode categories a terminal obeys or draws as nothing rather than prints: controls (escape
sequences, bells), format characters (bidi overrides and isolates that reorder a line, zero-width
spaces and joiners, the byte-order mark, tags), lone surrogates (not text at all) and line and
paragraph separators (a line break to some terminals, nothing to others). Any of them can hide
text or shift a column."""
JOINERS = frozenset("\u200c\u200d")
"""Format characters shown raw all the same: the zero-width joiner and non-joiner shape Persian
and Indic words and join emoji (👨\u200d👩); written out, they would garble the text, and
they neither reorder a line nor hide a letter."""
_BEYOND_PRINTABLE_ASCII = re.compile(r"[^ -~]+")


def escaped(character: str) -> str:
    """A character as Python writes it in a string literal: `\\x1b`, `\\u202e`, `\\U000e0041`."""
    code = ord(character)
    if code < 0x100:
        return f"\\x{code:02x}"
    return f"\\u{code:04x}" if code < 0x10000 else f"\\U{code:08x}"


def shown_controls(text: str, keep: str = "", show: Callable[[str], str] = escaped) -> str:
    """`text` with every character of a `HIDDEN_CATEGORIES` category but those in `keep` written
    out by `show` (`\\x1b`, `\\u202e` by default), so that a terminal shows them instead of
    obeying them or hiding them. The one place that decides what cannot be shown raw."""

    def shown(run: re.Match[str]) -> str:
        return "".join(
            show(c)
            if c not in keep and c not in JOINERS and unicodedata.category(c) in HIDDEN_CATEGORIES
            else c
            for c in run.group()
        )

    # Printable ASCII is most of any text and never hidden: only the rest is looked up.
    return _BEYOND_PRINTABLE_ASCII.sub(shown, text)


def excerpt(text: str, start: int, end: int) -> str:
    """The span of a message that evidence points at, on one line, secrets redacted: a secret
    the span cuts through is taken whole, so that none of it shows."""
    # Here, not at the top: the session log imports this module on the TUI's first-frame path,
    # and the redaction rules are needed only from the first excerpt on.
    from memory_graph.store.redact import redact, secret_spans

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
