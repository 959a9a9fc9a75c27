"""The networkx view of the adopted graph: updated from each decision exactly as a fresh load
would read it, and exported in four formats."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pytest

from app.cli import main
from dreamer.dream import dream
from memory_graph.memory import adoption
from memory_graph.memory.graph_view import MemoryGraph
from memory_graph.store.session_log import SessionLog
from memory_graph.transcripts.importer import import_paths
from tests.support.demo import DEMO_HISTORY
from tests.support.inbox import inbox_json


def _same(one: MemoryGraph, other: MemoryGraph) -> None:
    assert dict(one.graph.nodes(data=True)) == dict(other.graph.nodes(data=True))
    edges = sorted(one.graph.edges(keys=True, data=True), key=lambda e: e[2])
    assert edges == sorted(other.graph.edges(keys=True, data=True), key=lambda e: e[2])


async def test_each_decision_updates_the_view_as_a_fresh_load_would(log: SessionLog) -> None:
    await import_paths(log, [DEMO_HISTORY])
    await dream(log)
    view = await MemoryGraph.load(log)
    assert view.graph.number_of_nodes() == 0
    # A failure comes with its fix; the entities the memories mention come with them.
    proposals = await inbox_json(log)
    for proposal in proposals:
        await view.apply(log, await adoption.adopt(log, proposal["id"]))
        _same(view, await MemoryGraph.load(log))
    memories = len(proposals) + sum(len(p["also"]) for p in proposals)
    entities = [n for n, d in view.graph.nodes(data=True) if d["kind"] == "entity"]
    assert len(entities) >= 5 and view.graph.number_of_nodes() == memories + len(entities)
    kinds = {data["kind"] for _, _, data in view.graph.edges(data=True)}
    assert {"resolved_by", "about", "occurs_with"} <= kinds
    failure = next(
        n for n, d in view.graph.nodes(data=True) if d["statement"].startswith("`pytest` fails")
    )
    assert ("resolved_by", "out") in {(kind, way) for _, kind, way, _ in view.neighbours(failure)}
    for _ in range(5):
        undone = await adoption.undo(log)
        assert undone is not None
        await view.apply(log, undone)
        _same(view, await MemoryGraph.load(log))
    left = memories - sum(1 + len(p["also"]) for p in proposals[-5:])
    assert len([n for n, d in view.graph.nodes(data=True) if d["kind"] != "entity"]) == left


def test_graph_export_in_every_format(
    capsys: pytest.CaptureFixture[str], home: Path, tmp_path: Path
) -> None:
    for argv in (["import", str(DEMO_HISTORY)], ["dream"], ["adopt", "--all"]):
        assert main(["--home", str(home), *argv]) == 0
    capsys.readouterr()
    written = {}
    for suffix in (".graphml", ".json", ".dot", ".mmd"):
        path = tmp_path / f"memory{suffix}"
        assert main(["--home", str(home), "graph", "export", str(path)]) == 0
        assert path.stat().st_mode & 0o777 == 0o600
        written[suffix] = path.read_text()
    graphml = nx.read_graphml(tmp_path / "memory.graphml")
    linked = nx.node_link_graph(json.loads(written[".json"]), edges="edges")
    # 13 memories and the 9 entities they mention.
    assert graphml.number_of_nodes() == linked.number_of_nodes() == 22
    assert graphml.number_of_edges() == linked.number_of_edges() > 0
    assert written[".dot"].startswith("digraph memory {") and "resolved_by" in written[".dot"]
    assert written[".mmd"].startswith("flowchart LR") and "-->|about|" in written[".mmd"]
    assert main(["--home", str(home), "graph", "export", str(tmp_path / "memory.json")]) == 1
    assert "exists" in capsys.readouterr().err
    assert main(["--home", str(home), "graph", "export", str(tmp_path / "memory.txt")]) == 1
    assert "cannot tell the format" in capsys.readouterr().err
