"""The folder the agent's tools may touch, and the check that keeps them inside it."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


class OutsideWorkspace(Exception):
    """A path the tools may not use: it resolves (symlinks followed) to somewhere outside the
    workspace, or cannot be resolved at all."""


@dataclass(frozen=True)
class Workspace:
    """A root directory; every tool path is relative to it and must stay inside it."""

    root: Path

    @classmethod
    def at(cls, root: Path) -> Workspace:
        """A workspace rooted at the real path of `root`."""
        return cls(root.expanduser().resolve())

    def resolve(self, relative: str) -> Path:
        """The real path of `relative` (absolute paths too), refusing anything that lands outside
        the root once `..` and symlinks are resolved."""
        if "\x00" in relative:
            raise OutsideWorkspace("paths cannot contain NUL characters")
        try:
            candidate = (self.root / Path(relative).expanduser()).resolve()
        except RuntimeError as error:  # a symlink loop, or `~user` for no such user
            raise OutsideWorkspace(f"{relative!r} cannot be resolved: {error}") from None
        if not candidate.is_relative_to(self.root):
            raise OutsideWorkspace(
                f"{relative!r} is outside the workspace {self.root}; "
                "only paths inside it are allowed"
            )
        return candidate

    def relative(self, path: Path) -> str:
        """How a path inside the workspace is shown to the model."""
        rel = path.relative_to(self.root)
        return "." if str(rel) == "." else rel.as_posix()
