"""Per-memory values kept between turns while memory does not change (`Database.memo`): a hub
(a project, a topic many memories are about) is a neighbour in most turns' graph walk, and
reading its edges again each turn was most of what recall spent in SQL."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from typing import TypeVar, cast

from memory_graph.store.database import Memo

V = TypeVar("V")
_UNKNOWN = object()


async def per_node(
    memo: Memo,
    label: str,
    node_ids: Sequence[int],
    fetch: Callable[[list[int]], Awaitable[dict[int, V]]],
) -> dict[int, V]:
    """`fetch(node_ids)` (a value for some of the ids, none for the rest), read only for the
    ids `memo` does not yet hold under `label`; that an id has no value is kept too."""
    found: dict[int, V] = {}
    missing: list[int] = []
    for node_id in node_ids:
        kept = memo.get((label, node_id), _UNKNOWN)
        if kept is _UNKNOWN:
            missing.append(node_id)
        elif kept is not None:
            found[node_id] = cast(V, kept)
    if missing:
        fetched = await fetch(missing)
        for node_id in missing:
            value = fetched.get(node_id)
            memo[(label, node_id)] = value
            if value is not None:
                found[node_id] = value
    return found
