"""The tree is the architecture: every import of every module (those under `if TYPE_CHECKING:`
and inside functions too) points down the layers, never up or sideways.

    app → dreamer → memory_graph
    inside memory_graph: memory → store, transcripts → store
"""

from __future__ import annotations

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("app", "dreamer", "memory_graph")

# What each layer may import of ours, besides itself. Keys are the longest prefix that matches.
ALLOWED: dict[str, set[str]] = {
    "app": {"app", "dreamer", "memory_graph"},
    "dreamer": {"dreamer", "memory_graph"},
    "memory_graph": set(),
    "memory_graph.store": {"memory_graph.store"},
    "memory_graph.transcripts": {"memory_graph.transcripts", "memory_graph.store"},
    "memory_graph.memory": {"memory_graph.memory", "memory_graph.store"},
}
MEMORY_GRAPH_PARTS = ("store", "transcripts", "memory")


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _modules() -> dict[str, Path]:
    return {
        _module_name(path): path
        for package in PACKAGES
        for path in sorted((ROOT / package).rglob("*.py"))
    }


def _imported(path: Path, module: str) -> set[str]:
    """Every module of ours that `module` imports, by its full name."""
    tree = ast.parse(path.read_text(), str(path))
    package = module if path.name == "__init__.py" else module.rpartition(".")[0]
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*anchor, base] if base else anchor)
            # `from package import module` imports the module.
            found.update(f"{base}.{alias.name}" for alias in node.names)
            found.add(base)
    return {name for name in found if name.split(".")[0] in PACKAGES}


def _layer(module: str) -> str:
    return max((key for key in ALLOWED if module == key or module.startswith(key + ".")), key=len)


def _within(name: str, allowed: set[str]) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in allowed)


def test_imports_point_down_the_layers() -> None:
    modules = _modules()
    assert "memory_graph.store.session_log" in modules and "dreamer.journal" in modules
    upward = sorted(
        f"{module} imports {name}"
        for module, path in modules.items()
        for name in _imported(path, module)
        if not _within(name, ALLOWED[_layer(module)])
        # `from memory_graph.memory import adoption` names the package on the way down.
        and name not in ("memory_graph",)
    )
    assert upward == []


def test_memory_graph_is_its_subpackages() -> None:
    """Every module of `memory_graph` belongs to one of its jobs."""
    loose = [
        module
        for module in _modules()
        if module.startswith("memory_graph.") and module.split(".")[1] not in MEMORY_GRAPH_PARTS
    ]
    assert loose == []


def test_the_rule_catches_an_upward_import() -> None:
    """The test is not vacuous: imports that break the layers are seen as such."""
    assert not _within("dreamer.journal", ALLOWED[_layer("memory_graph.memory.inbox")])
    assert not _within("memory_graph.memory.nodes", ALLOWED[_layer("memory_graph.store.db")])
    assert not _within("memory_graph.transcripts.writer", ALLOWED[_layer("memory_graph.memory")])
    assert not _within("app.cli", ALLOWED[_layer("dreamer.dream")])
    assert _within("memory_graph.store.db", ALLOWED[_layer("memory_graph.transcripts.writer")])


def test_the_tui_runs_no_sql() -> None:
    """Only the store and the memory modules run SQL; the TUI calls their functions."""
    sql = {"connection", "execute", "execute_fetchall", "executemany", "executescript"}
    found = sorted(
        f"{module}:{node.lineno}"
        for module, path in _modules().items()
        if module.startswith("app.tui")
        for node in ast.walk(ast.parse(path.read_text(), str(path)))
        if isinstance(node, ast.Attribute) and node.attr in sql
    )
    assert found == []
