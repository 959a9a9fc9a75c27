"""The block Reverie keeps in another agent's file (CLAUDE.md, AGENTS.md, an editor's rules):
the lines between `<!-- reverie:begin -->` and `<!-- reverie:end -->`, each marker a line of its
own. Everything outside the block is the person's, and keeps every byte: line ends (CRLF stays
CRLF), a missing last newline, bytes that are not UTF-8."""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum

from memory_graph.store.origins import BLOCK_BEGIN, BLOCK_END


class Refusal(StrEnum):
    """Why the markers of a file leave no block Reverie can safely rewrite."""

    BEGIN_WITHOUT_END = "has a reverie:begin line without a reverie:end after it"
    END_WITHOUT_BEGIN = "has a reverie:end line without a reverie:begin before it"
    END_BEFORE_BEGIN = "has its reverie:end line before its reverie:begin"
    REPEATED = "has more than one reverie:begin or reverie:end line"


class BrokenMarkers(ValueError):
    """The file's markers are broken or repeated: it is left as it is."""

    def __init__(self, refusal: Refusal) -> None:
        super().__init__(refusal.value)
        self.refusal = refusal


@dataclass(frozen=True)
class _Line:
    start: int
    end: int
    """Offsets of the line in the text, its line end included."""
    words: str
    """The line without its end or surrounding blanks."""


def _lines(text: str) -> list[_Line]:
    lines: list[_Line] = []
    start = 0
    for line in text.splitlines(keepends=True):
        lines.append(_Line(start, start + len(line), line.strip()))
        start += len(line)
    return lines


def newline_of(text: str) -> str:
    """The line end a file uses: CRLF when its first line ends so, else LF."""
    first = text.find("\n")
    return "\r\n" if first > 0 and text[first - 1] == "\r" else "\n"


def _inert(line: str) -> str:
    """A line of the block's body that can never read as one of its markers."""
    return line.replace("<!--", "<!\u2010-") if line.strip() in (BLOCK_BEGIN, BLOCK_END) else line


def with_block(text: str, body: str) -> str:
    """`text` with the block holding `body`: its old body replaced, or, without markers, the
    block added at the end after a blank line. Raises BrokenMarkers for markers that do not
    make exactly one block."""
    newline = newline_of(text)
    inner = "".join(_inert(line) + newline for line in body.splitlines())
    lines = _lines(text)
    begins = [line for line in lines if line.words == BLOCK_BEGIN]
    ends = [line for line in lines if line.words == BLOCK_END]
    if len(begins) > 1 or len(ends) > 1:
        raise BrokenMarkers(Refusal.REPEATED)
    if begins and not ends:
        raise BrokenMarkers(Refusal.BEGIN_WITHOUT_END)
    if ends and not begins:
        raise BrokenMarkers(Refusal.END_WITHOUT_BEGIN)
    if begins:
        begin, end = begins[0], ends[0]
        if end.start < begin.start:
            raise BrokenMarkers(Refusal.END_BEFORE_BEGIN)
        # The begin line, with its own line end, then the new body up to the end line.
        return text[: begin.end] + inner + text[end.start :]
    block = f"{BLOCK_BEGIN}{newline}{inner}{BLOCK_END}{newline}"
    if not text:
        return block
    if not text.endswith("\n"):
        text += newline  # the last line ended, and only that
    if not text.endswith(newline * 2) and not text.endswith("\n\n"):
        text += newline
    return text + block
