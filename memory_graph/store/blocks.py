"""Content blocks in a shape every reader can rely on.

The log may hold blocks that are not what Reverie writes: an export edited by hand, a row
written by an older or foreign tool. Readers index `block["id"]`, `block["text"]` and so on, so
the log is read through `well_formed`, which keeps a good block as it is (the same object) and
repairs any other, keeping what it holds (only an `exit_code` that is not a number is dropped):

- text: `text` is a string;
- tool_use: `id` and `name` are strings (empty when missing), `input` an object;
- tool_result: `tool_use_id` a string (empty when missing), `content` text or a list of blocks,
  `is_error` a boolean, `exit_code`, when present, a whole number;
- any other block with a string `type` (an image, thinking) is kept as it is;
- a block that is not an object, or has no string `type`, becomes a text block of its JSON.

An empty `id`, `name` or `tool_use_id` is how a reader tells a call or result it cannot pair.
The importer uses `checked` to report each repair with the file and line it came from. A
message's `meta` is read the same way: anything but an object reads as no flags.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from memory_graph.store.records import Block


def _is_text(value: Any) -> bool:
    return isinstance(value, str)


def _as_text(value: Any) -> str:
    if isinstance(value, str):
        return value
    return "" if value is None else json.dumps(value, ensure_ascii=False, sort_keys=True)


def _as_id(value: Any) -> str:
    if isinstance(value, str):
        return value
    if isinstance(value, int | float) and not isinstance(value, bool):
        return str(value)
    return ""


def _as_input(value: Any) -> dict[str, Any]:
    if value is None:
        return {}
    return value if isinstance(value, dict) else {"_value": value}


def _is_result_content(value: Any) -> bool:
    """Text or a list of blocks, or nothing (an empty result)."""
    return (
        value is None
        or isinstance(value, str)
        or (
            isinstance(value, list)
            and all(isinstance(part, dict) and isinstance(part.get("type"), str) for part in value)
        )
    )


def _is_object(value: Any) -> bool:
    return isinstance(value, dict)


def _is_flag(value: Any) -> bool:
    return value is None or isinstance(value, bool)


def _as_flag(value: Any) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in ("true", "yes", "1")
    return bool(value)


def _is_exit_code(value: Any) -> bool:
    return value is None or (isinstance(value, int) and not isinstance(value, bool))


_Field = tuple[str, Callable[[Any], bool], Callable[[Any], Any], str]
"""A field of a block: its name, whether a value is good (None: missing), the repair of a bad
one (None: the field is removed), and what was wrong."""
_FIELDS: dict[str, tuple[_Field, ...]] = {
    "text": (("text", _is_text, _as_text, "text is not a string"),),
    "tool_use": (
        ("id", _is_text, _as_id, "id is missing or not text"),
        ("name", _is_text, _as_id, "name is missing or not text"),
        ("input", _is_object, _as_input, "input is not an object"),
    ),
    "tool_result": (
        ("tool_use_id", _is_text, _as_id, "tool_use_id is missing or not text"),
        ("content", _is_result_content, _as_text, "content is neither text nor blocks"),
        ("is_error", _is_flag, _as_flag, "is_error is not true or false"),
        ("exit_code", _is_exit_code, lambda _: None, "exit_code is not a whole number"),
    ),
}


def checked_block(value: Any) -> tuple[Block, list[str]]:
    """`value` as a well-formed block, and what had to be repaired (nothing: `value` itself)."""
    if not isinstance(value, dict):
        return {"type": "text", "text": _as_text(value)}, ["a block that is not an object"]
    kind = value.get("type")
    if not isinstance(kind, str):
        return {"type": "text", "text": _as_text(value)}, ["a block without a type"]
    bad = [field for field in _FIELDS.get(kind, ()) if not field[1](value.get(field[0]))]
    if not bad:
        return value, []
    fixed = dict(value)
    for name, _, repair, _ in bad:
        repaired = repair(value.get(name))
        if repaired is None:
            del fixed[name]
        else:
            fixed[name] = repaired
    return fixed, [f"{kind} block whose {field[3]}" for field in bad]


def checked(content: Any) -> tuple[list[Block], list[str]]:
    """A message's content as well-formed blocks, and what had to be repaired."""
    if isinstance(content, list):
        blocks: list[Block] = []
        defects: list[str] = []
        for index, value in enumerate(content):
            block, found = checked_block(value)
            blocks.append(block)
            defects += [f"block {index}: {defect}" for defect in found]
        return blocks, defects
    if isinstance(content, dict):
        blocks, defects = checked([content])
        return blocks, ["content is one block, not a list", *defects]
    if content is None:
        return [], ["content is missing"]
    return [{"type": "text", "text": _as_text(content)}], ["content is not a list of blocks"]


def well_formed(content: Any) -> list[Block]:
    """A message's content as blocks every reader can rely on."""
    return checked(content)[0]


def from_column(text: str) -> list[Block]:
    """The blocks of a `content` column; text that is not JSON is kept as a text block."""
    try:
        content = json.loads(text)
    except (TypeError, ValueError, RecursionError):
        return [{"type": "text", "text": str(text)}]
    return well_formed(content)


def meta_from_column(text: str) -> dict[str, Any]:
    """The flags of a `meta` column; anything but a JSON object reads as no flags."""
    try:
        meta = json.loads(text)
    except (TypeError, ValueError, RecursionError):
        return {}
    return meta if isinstance(meta, dict) else {}
