"""The failures extractor: a failure's signature keeps what identifies it (the command, the error
line) and strips what varies (paths, numbers, ids, hashes, quoted values); a slip put right at
once in a session that went well is no failure; and the same mistake made in several trials of
one tau-bench task surfaces."""

from __future__ import annotations

from typing import Any

from dreamer.dream import dream
from dreamer.extractors.failures import command_head, error_line, fix_key, normalize
from memory_graph.store.session_log import SessionLog
from memory_graph.transcripts.importer import import_paths
from tests.support.inbox import inbox_json
from tests.support.shared_data import TAUBENCH, needs_shared_data


def test_signatures_strip_what_varies() -> None:
    assert (
        normalize("FileNotFoundError: '/home/a/x.csv' at line 42")
        == "FileNotFoundError: <q> at line <n>"
    )
    assert normalize("fatal: bad object 3f2a9c1d7e") == "fatal: bad object <hash>"
    assert normalize("open /tmp/build/out.log failed") == "open <path> failed"
    assert normalize("not enough seats on flight HAT290") == "not enough seats on flight <id>"
    assert (
        command_head("run_command", {"command": "cd app && .venv/bin/python -m pytest -q"})
        == "pytest"
    )
    assert command_head("Bash", {"command": "git push origin main | tail -3"}) == "git push"
    assert fix_key("soffice --headless --convert-to pdf:x --outdir cv /tmp/cv.html") == (
        "soffice --headless --convert-to --outdir"
    )
    traceback = (
        "Traceback (most recent call last):\n  File x\n"
        "E   ModuleNotFoundError: No module named 'y'\n"
    )
    line, start, end = error_line(traceback)
    assert line.endswith("ModuleNotFoundError: No module named 'y'")
    assert traceback[start:end].strip() == line


def test_a_line_that_announces_the_error_comes_with_what_it_announces() -> None:
    for output, said in (
        (
            "Applying 0042_archive...\nerror: could not apply migrations:\n"
            "    duplicate column name: archived_at\n",
            "error: could not apply migrations: duplicate column name: archived_at",
        ),
        (
            "09:14:02  Running with shopbuild=1.8.2\n"
            "09:14:03  Compilation Error in model orders:\n\n"
            "09:14:03    depends on a node named 'customers' which was not found\n",
            "09:14:03 Compilation Error in model orders: 09:14:03 depends on a node named "
            "'customers' which was not found",
        ),
        # What it announces is a list of files: they vary from one time to the next.
        (
            "error: Your local changes to the following files would be overwritten by "
            "checkout:\n\tsrc/app.py\nPlease commit your changes or stash them.\n",
            "error: Your local changes to the following files would be overwritten by checkout:",
        ),
        # Nothing below it: the line alone.
        (
            "fatal: the remote end hung up unexpectedly:\n",
            "fatal: the remote end hung up unexpectedly:",
        ),
    ):
        line, start, end = error_line(output)
        assert " ".join(line.split()) == said
        assert output[start:end].strip() == line


def test_the_error_line_of_a_traceback_is_what_it_raised_whatever_its_class() -> None:
    for output, raised in (
        (
            "[2026-05-02 04:00:11] INFO poking for s3://drops/orders.csv\n"
            "Traceback (most recent call last):\n"
            '  File "/opt/dags/orders.py", line 40, in execute\n'
            "    self.poke(context)\n"
            "airflow.exceptions.AirflowSensorTimeout: Sensor has timed out; run duration of "
            "3600.2 seconds exceeds the specified timeout of 3600.0.\n"
            "[2026-05-02 04:00:12] INFO Marking task as FAILED.\n",
            "airflow.exceptions.AirflowSensorTimeout: Sensor has timed out",
        ),
        (
            "Traceback (most recent call last):\n"
            '  File "sync.py", line 9, in <module>\n'
            "    rows = query.one()\n"
            "sqlalchemy.orm.exc.NoResultFound: No row was found when one was required\n"
            "\nDuring handling of the above exception, another exception occurred:\n\n"
            "Traceback (most recent call last):\n"
            '  File "sync.py", line 11, in <module>\n'
            "    raise SystemExit(3)\n"
            "SystemExit: 3\n",
            "SystemExit: 3",
        ),
        (
            'Traceback (most recent call last):\n  File "w.py", line 2\nKeyboardInterrupt\n',
            "KeyboardInterrupt",
        ),
        # So long that only its head and tail are read: the tail starts mid-frame.
        (
            "Traceback (most recent call last):\n"
            + '  File "render.py", line 88, in draw_tile\n    paint(tile)\n' * 2_000
            + "tiles.render.PaletteOverflow: 300 colours in a 256-colour palette\n",
            "tiles.render.PaletteOverflow: 300 colours in a 256-colour palette",
        ),
    ):
        line, start, end = error_line(output)
        assert line.startswith(raised) and output[start:end].strip() == line


def test_a_slip_put_right_at_once_in_a_session_that_went_well_is_no_failure() -> None:
    from dreamer.extractors.failures import extract
    from dreamer.observation import SessionView
    from memory_graph.store.records import Message, Session

    def turn(seq: int, arguments: dict[str, Any], output: str, error: bool) -> list[Message]:
        call = {"type": "tool_use", "id": f"c{seq}", "name": "update_reservation", "input": {}}
        result = {"type": "tool_result", "tool_use_id": f"c{seq}", "content": output}
        return [
            Message(seq, 1, seq, "assistant", [{**call, "input": arguments}], "", "2026-01-01"),
            Message(
                seq + 1, 1, seq + 1, "tool", [{**result, "is_error": error}], output, "2026-01-01"
            ),
        ]

    messages = [
        *turn(1, {"payment_id": "card_1"}, "Error: payment method not found", True),
        *turn(3, {"payment_id": "credit_card_7"}, "{'status': 'ok'}", False),
    ]
    for outcome, failures in (("success", 0), ("failure", 1), ("unknown", 1)):
        session = Session(1, "openai", "x", "", "2026-01-01", None, None, outcome, False)  # type: ignore[arg-type]
        assert len(extract(SessionView(session, messages))) == failures, outcome
    # Failing again before passing is no slip: the session counts towards the failure.
    again = [*messages[:2], *turn(5, {}, "Error: payment method not found", True), *messages[2:]]
    session = Session(1, "openai", "x", "", "2026-01-01", None, None, "success", False)
    assert len(extract(SessionView(session, again))) == 1


@needs_shared_data
async def test_taubench_recurring_mistakes_across_trials_surface(log: SessionLog) -> None:
    await import_paths(log, [TAUBENCH])
    summary = await dream(log)
    assert summary.sessions_reviewed == 100 and summary.proposals.get("failure", 0) >= 3
    sessions = {s.id: s for s in await log.list_sessions(limit=200)}
    repeated = []
    for proposal in await inbox_json(log):
        tasks = [
            sessions[e["session_id"]].external_id.split("-trial-")[0] for e in proposal["evidence"]
        ]
        repeated += [task for task in set(tasks) if tasks.count(task) > 1]
    # The same mistake in several trials of one task is what a support agent would learn.
    assert repeated, "no failure recurred across trials of the same task"
