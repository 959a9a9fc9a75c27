"""Reading a JSON document one item at a time: the items of a top-level list (and any values
that follow it), each decoded once it is whole, so memory holds one item and a read buffer,
never the file.

Decoding is json's own C scanner (`raw_decode`) on a growing window of text: an item cut by the
window's end fails to decode, the window grows (at least doubling, so a large item costs about
twice its decoding) and the item is decoded again.
"""

from __future__ import annotations

import codecs
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, BinaryIO

from memory_graph.transcripts.jsonl import BOM

READ_BYTES = 1 << 18
_DECODER = json.JSONDecoder()
_WHITESPACE = re.compile(r"[ \t\n\r]*")
_NEAR_END = 8
"""A value or error this close to the window's end may be a number, literal or escape cut in
two."""


@dataclass(frozen=True)
class Item:
    """One value of the document, with the line it starts on."""

    line: int
    value: Any


class DocumentError(ValueError):
    """The document cannot be read past this point."""

    def __init__(self, line: int, reason: str) -> None:
        super().__init__(f"line {line}: {reason}")
        self.line = line
        self.reason = reason


class _Window:
    """Decoded text from a byte stream: what is not yet consumed, and line numbers."""

    def __init__(self, handle: BinaryIO) -> None:
        self._handle = handle
        self._decoder = codecs.getincrementaldecoder("utf-8-sig")()
        self.text = ""
        self.pos = 0
        self._counted = 0
        self._line = 1
        self._ended = False

    def line_at(self, index: int) -> int:
        """The line of `text[index]`; indexes asked for never go backwards."""
        self._line += self.text.count("\n", self._counted, index)
        self._counted = index
        return self._line

    def grow(self) -> bool:
        """Read at least as much again as the window holds; False at the end of the stream."""
        if self._ended:
            return False
        data = self._handle.read(max(READ_BYTES, len(self.text) - self.pos))
        self._ended = not data
        try:
            fresh = self._decoder.decode(data, final=self._ended)
        except UnicodeDecodeError:
            raise DocumentError(self.line_at(len(self.text)), "not valid UTF-8") from None
        if not fresh:  # the end, or the first bytes of a character
            return not self._ended
        self.line_at(self.pos)
        self.text = self.text[self.pos :] + fresh
        self._counted -= self.pos
        self.pos = 0
        return True

    def peek(self) -> str | None:
        """The next character that is not whitespace (consumed up to it), None at the end."""
        while True:
            match = _WHITESPACE.match(self.text, self.pos)
            assert match is not None
            self.pos = match.end()
            if self.pos < len(self.text):
                return self.text[self.pos]
            if not self.grow():
                return None

    def decode(self) -> Item:
        """The value starting at `pos` (as much more is read as it needs)."""
        while True:
            try:
                value, end = _DECODER.raw_decode(self.text, self.pos)
            except json.JSONDecodeError as error:
                if self._cut_short(error) and self.grow():
                    continue
                raise DocumentError(
                    self.line_at(error.pos), f"not valid JSON ({error.msg})"
                ) from None
            except RecursionError:
                raise DocumentError(self.line_at(self.pos), "JSON nested too deeply") from None
            if self._may_go_on(value, end) and self.grow():
                continue
            item = Item(self.line_at(self.pos), value)
            self.pos = end
            return item

    def _may_go_on(self, value: Any, end: int) -> bool:
        # A number may go on past the window: `12` or `0.5` read as `1` or `0`. An object or a
        # list ends with its bracket; a string with its quote.
        number = isinstance(value, int | float) and not isinstance(value, bool)
        return number and end > len(self.text) - _NEAR_END

    def _cut_short(self, error: json.JSONDecodeError) -> bool:
        return (
            error.msg.startswith("Unterminated string") or error.pos >= len(self.text) - _NEAR_END
        )


def items(handle: BinaryIO) -> Iterator[Item]:
    """The values of a JSON document: a top-level list gives its items, any other value itself;
    values that follow (JSON written one after another) are read on. Raises DocumentError where
    the document stops being JSON, after yielding everything before that point."""
    window = _Window(handle)
    while (char := window.peek()) is not None:
        if char == "[":
            window.pos += 1
            yield from _list_items(window)
        else:
            yield window.decode()


def _list_items(window: _Window) -> Iterator[Item]:
    char = window.peek()
    while char != "]":
        if char is None:
            raise DocumentError(window.line_at(window.pos), "the file ends inside a list")
        yield window.decode()
        char = window.peek()
        if char == ",":
            window.pos += 1
            char = window.peek()
        elif char not in ("]", None):
            raise DocumentError(window.line_at(window.pos), "expected ',' or ']' after an item")
    window.pos += 1


def first_char(path: Path) -> str:
    """The first character of a file that is not whitespace (a BOM skipped), or ''."""
    with path.open("rb") as handle:
        return handle.read(4096).removeprefix(BOM).lstrip()[:1].decode("ascii", "replace")


def first_values(path: Path, count: int) -> list[Any]:
    """The first `count` items of a JSON document, or fewer where it stops being JSON."""
    values: list[Any] = []
    with path.open("rb") as handle:
        try:
            for item in items(handle):
                values.append(item.value)
                if len(values) == count:
                    break
        except DocumentError:
            pass
    return values
