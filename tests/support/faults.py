"""Making a real function fail partway through, to test that nothing half-done is kept."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any


def failing_on_call(real: Callable[..., Any], call: int) -> Callable[..., Any]:
    """`real`, except that its `call`-th call raises OSError("disk full")."""
    calls = 0

    def wrapper(*args: Any, **kwargs: Any) -> Any:
        nonlocal calls
        calls += 1
        if calls == call:
            raise OSError("disk full")
        return real(*args, **kwargs)

    return wrapper
