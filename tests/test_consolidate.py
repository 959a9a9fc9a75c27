"""Consolidation: observations become one proposal per pattern, its support counted in distinct
sessions over all of history (dreamt at once or a few sessions at a time, the proposals are the
same; a session made private later stops counting), and a workflow is proposed only when its
requests recur and needed a workaround."""

from __future__ import annotations

from pathlib import Path

from dreamer.dream import dream
from memory_graph.store.session_log import SessionLog
from memory_graph.transcripts.importer import import_paths
from tests.support.demo import DEMO_HISTORY
from tests.support.inbox import inbox_json, sessions_cited
from tests.support.sessions import command_session


async def test_dreaming_again_adds_nothing_and_support_spans_dreams(
    demo: SessionLog, tmp_path: Path
) -> None:
    await dream(demo)
    again = await dream(demo)
    assert again.sessions_reviewed == 0 and again.proposals == {}
    # The same history dreamt five sessions at a time reaches the same proposals: support is
    # counted over every dream, not within one batch.
    async with await SessionLog.open(tmp_path / "small-steps") as other:
        await import_paths(other, [DEMO_HISTORY])
        while (await dream(other, limit=5)).sessions_reviewed:
            pass
        one_go = {(p["kind"], p["statement"], p["support"]) for p in await inbox_json(demo)}
        steps = {(p["kind"], p["statement"], p["support"]) for p in await inbox_json(other)}
    assert steps == one_go


async def test_a_session_made_private_later_stops_counting(demo: SessionLog) -> None:
    await dream(demo, limit=10)  # demo-001 … demo-010 dreamt while public
    async with demo.transaction() as conn:
        await conn.execute("UPDATE sessions SET private = 1 WHERE external_id = 'demo-003'")
    await dream(demo)
    proposals = await inbox_json(demo)
    dashes = next(p for p in proposals if "em dash" in p["statement"])
    assert sessions_cited(dashes) == {"demo-009", "demo-015", "demo-025"} and dashes["support"] == 3


async def test_a_recurring_request_that_needs_a_workaround_is_a_workflow(log: SessionLog) -> None:
    pandoc_fails = ("pandoc a.md -o a.pdf", "pdflatex not found. Install pdflatex", 47)
    soffice = ("soffice --headless --convert-to pdf a.docx", "convert a.docx -> a.pdf", 0)
    for request in ("convert notes.md to PDF please", "export the invoice to pdf"):
        await command_session(log, request, [pandoc_fails, soffice])
    await command_session(log, "I need slides.md as a PDF by noon", [pandoc_fails])
    # The same failure under a request that does not recur: not part of the workflow.
    await command_session(log, "tidy the blog drafts", [pandoc_fails, soffice])
    # A recurring request whose failure was repaired and retried: its failure and fix say it.
    pytest_fails = ("pytest", "E   ModuleNotFoundError: No module named 'requests'", 2)
    repair = [pytest_fails, ("pip install -r requirements.txt", "ok", 0), ("pytest", "ok", 0)]
    for request in ("run the tests", "run the tests again on the new venv"):
        await command_session(log, request, repair)
    await dream(log)
    proposals = await inbox_json(log)
    # Its workaround is the failure's fix: one proposal says the request, the failure and the
    # fix, and adopting it adds all three.
    assert not [p for p in proposals if p["kind"] in ("workflow", "fix")]
    (joined,) = [p for p in proposals if p["kind"] == "failure" and "pandoc" in p["statement"]]
    statement = joined["statement"]
    assert statement.startswith('Requests like "convert notes.md to PDF please" fail first'), (
        statement
    )
    assert "`pandoc` fails with 'pdflatex not found. Install pdflatex'" in statement, statement
    assert "worked instead in 3 of 4 sessions" in statement, statement
    workflow = joined["also"][1]
    assert "`pandoc`: pdflatex not found" in workflow, workflow
    assert "`soffice --headless --convert-to` works instead" in workflow, workflow
    assert {
        "convert notes.md to PDF please",
        "export the invoice to pdf",
        "I need slides.md as a PDF by noon",
    } <= {e["excerpt"] for e in joined["evidence"]}
    # Two of the three found the workaround: the least sure of the three parts sets the figure.
    assert joined["confidence"] == round((1 - 0.5**3) * 2 / 3, 3)
