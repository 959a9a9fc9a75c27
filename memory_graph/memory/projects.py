"""Projects, and the scope of a memory.

A project is the top level of the git repository a session worked in (a worktree resolved to
its main repository), else the real path of its working directory; a folder belongs to a project
when it lies inside it. A session without a working directory has no project. A memory learned
in one project is scoped to it (it applies there only); one that recurs across projects, or
whose sessions worked in none, applies everywhere (`EVERYWHERE`).
"""

from __future__ import annotations

import functools
import os
from collections.abc import Iterable
from pathlib import Path

EVERYWHERE = ""
"""The scope of a memory that applies in every project (and outside any)."""
SCOPE = "scope"
"""The attribute of a memory (and key of a proposal's node) that holds its scope: a project's
folder, or EVERYWHERE."""
SCOPE_CHOSEN = "scope_chosen"
"""Set when the person chose a memory's scope: evidence from elsewhere leaves it as chosen."""


@functools.lru_cache(maxsize=1024)
def project_of(folder: str | None) -> str | None:
    """The project a folder belongs to, or None without a folder. A folder that no longer
    exists here (a transcript from another machine) is its own project, as written."""
    if not folder:
        return None
    path = Path(os.path.realpath(os.path.expanduser(folder)))
    for candidate in (path, *path.parents):
        marker = candidate / ".git"
        if marker.is_dir():
            return str(candidate)
        if marker.is_file():
            return _main_repository(marker) or str(candidate)
    return str(path)


def _main_repository(marker: Path) -> str | None:
    """The top level of the main repository of a worktree, from its `.git` file ("gitdir:
    <main>/.git/worktrees/<name>", whose `commondir` names the main `.git`)."""
    try:
        line = marker.read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None
    if not line.startswith("gitdir:"):
        return None
    gitdir = (marker.parent / line.removeprefix("gitdir:").strip()).resolve()
    try:
        common = (gitdir / "commondir").read_text(encoding="utf-8").strip()
    except (OSError, UnicodeDecodeError):
        return None  # a submodule's .git file: the folder is its own repository
    main_git = (gitdir / common).resolve()
    return str(main_git.parent) if main_git.name == ".git" else None


def scope_of(projects: Iterable[str | None]) -> str:
    """The scope of a memory whose evidence sessions worked in these projects: the one project
    they all worked in, else everywhere."""
    known = {project for project in projects if project}
    return known.pop() if len(known) == 1 else EVERYWHERE


def applies(scope: object, project: str | None) -> bool:
    """Whether a memory of this scope applies in this project (None: outside any)."""
    return not scope or (project is not None and _inside(project, str(scope)))


def _inside(project: str, scope: str) -> bool:
    return project == scope or project.startswith(scope.rstrip("/") + "/")


def scope_name(scope: object) -> str:
    """A scope as a person reads it: "everywhere", or the project's folder name."""
    return f"project {Path(str(scope)).name}" if scope else "everywhere"
