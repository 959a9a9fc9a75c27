"""Values kept between turns while memory does not change (`Database.memo`): a hub (a
project, a topic many memories are about) is a neighbour in most turns' graph walk, and a
person's words recur from turn to turn; reading them again each turn is time lost."""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Hashable, Sequence
from typing import TypeVar, cast

from memory_graph.store.database import Memo

K = TypeVar("K", bound=Hashable)
V = TypeVar("V")
_UNKNOWN = object()


async def per_key(
    memo: Memo,
    label: str,
    keys: Sequence[K],
    fetch: Callable[[list[K]], Awaitable[dict[K, V]]],
) -> dict[K, V]:
    """`fetch(keys)` (a value for some of the keys, none for the rest: a memory's neighbours,
    how many statements hold a word), read only for the keys `memo` does not yet hold under
    `label`; that a key has no value is kept too."""
    found: dict[K, V] = {}
    missing: list[K] = []
    for key in keys:
        kept = memo.get((label, key), _UNKNOWN)
        if kept is _UNKNOWN:
            missing.append(key)
        elif kept is not None:
            found[key] = cast(V, kept)
    if missing:
        fetched = await fetch(missing)
        for key in missing:
            value = fetched.get(key)
            memo[(label, key)] = value
            if value is not None:
                found[key] = value
    return found
