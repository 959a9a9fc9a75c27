"""Usage errors from the shell: a command given the wrong shape of arguments exits 2 with its
usage and one `error:` line, whether argparse or a check after it finds the misuse; every
command, nested ones included, takes the global options after its name; and `reverie export N`
with no file is refused rather than writing every session into a file named N."""

from __future__ import annotations

import argparse
import json
import subprocess
from pathlib import Path

import pytest

from app.cli.parser import build_parser
from tests.support.processes import clean_environment, reverie


def _run(home: Path, *argv: str, cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        reverie(home, *argv), capture_output=True, text=True, env=clean_environment(), cwd=cwd
    )


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["adopt"], "name the proposals to adopt, or --all"),
        (["adopt", "1", "--all"], "name the proposals to adopt, or --all (not both)"),
        (["adopt", "1", "2", "--as", "wording"], "--as edits one proposal"),
        (["recall"], "give a query, or --batch FILE"),
        (["recall", "text", "--batch", "q.jsonl"], "give a query, or --batch FILE"),
        (["mark", "1", "success", "--message", "2"], "--message marks a reply"),
        (["reject"], "the following arguments are required: ID"),
        (["export", "1"], "1 reads as a session id, but FILE is missing"),
        (["graph"], "the following arguments are required"),
    ],
)
def test_usage_errors_exit_2_with_the_commands_usage(
    tmp_path: Path, argv: list[str], message: str
) -> None:
    done = _run(tmp_path / "home", *argv, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert done.stdout == "" and "Traceback" not in done.stderr
    assert done.stderr.startswith(f"usage: reverie {argv[0]}")
    assert f"reverie {argv[0]}: error: {message}" in done.stderr
    # A refused command writes nothing: no file named `1`, no home.
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def _leaves(
    parser: argparse.ArgumentParser, path: tuple[str, ...] = ()
) -> list[tuple[tuple[str, ...], argparse.ArgumentParser]]:
    """Every command that runs, nested ones included, with the words that name it."""
    nested = [a for a in parser._actions if isinstance(a, argparse._SubParsersAction)]
    if not nested:
        return [(path, parser)]
    return [
        leaf
        for action in nested
        for name, sub in action.choices.items()
        for leaf in _leaves(sub, (*path, name))
    ]


def test_every_command_takes_the_global_options_after_its_name() -> None:
    leaves = _leaves(build_parser())
    assert ("graph", "export") in [path for path, _ in leaves]
    assert ("hook", "claude-code") in [path for path, _ in leaves]
    for path, parser in leaves:
        for option in ("--home", "--model"):
            assert option in parser._option_string_actions, (path, option)


def test_global_options_after_a_nested_command(tmp_path: Path) -> None:
    home = tmp_path / "home"
    done = _run(
        tmp_path / "elsewhere", "graph", "export", "--home", str(home), "g.json", cwd=tmp_path
    )
    assert done.returncode == 0, done.stderr
    assert (tmp_path / "g.json").exists() and (home / "reverie.db").exists()
    assert not (tmp_path / "elsewhere").exists()


def test_export_of_a_lone_number_that_is_a_file_or_a_path(tmp_path: Path) -> None:
    home = tmp_path / "home"
    (tmp_path / "1").write_text("mine")
    # An existing file is the FILE argument: refused as any existing file is, untouched.
    done = _run(home, "export", "1", cwd=tmp_path)
    assert done.returncode == 1 and "pass --force" in done.stderr
    assert (tmp_path / "1").read_text() == "mine"
    done = _run(home, "export", "./2", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert json.loads((tmp_path / "2").read_text().splitlines()[0])["format"] == "reverie"


def test_undo_json_with_nothing_to_undo(tmp_path: Path) -> None:
    done = _run(tmp_path / "home", "undo", "--json", cwd=tmp_path)
    assert done.returncode == 1
    assert json.loads(done.stdout) == {"decisions": []}
    assert done.stderr == "reverie: there is nothing to undo\n"


def test_inbox_and_sessions_text_line_up_with_their_headers(tmp_path: Path) -> None:
    from tests.support.demo import DEMO_HISTORY

    home = tmp_path / "home"
    for argv in (["import", str(DEMO_HISTORY)], ["dream"]):
        assert _run(home, *argv, cwd=tmp_path).returncode == 0
    listed = json.loads(_run(home, "inbox", "--json", cwd=tmp_path).stdout)["proposals"]
    out = _run(home, "inbox", cwd=tmp_path).stdout
    header, *lines = out.splitlines()
    proposals = [line for line in lines if not line.startswith(" " * 7)]
    assert [int(line.split()[0]) for line in proposals] == [p["id"] for p in listed]
    # Every kind, `preference` included, leaves the statement starting in the same column.
    starts = {line.index(p["statement"]) for line, p in zip(proposals, listed, strict=True)}
    assert len(starts) == 1 and header.index("memory") in starts
    assert {p["kind"] for p in listed} >= {"preference", "failure", "fact"}
    assert "shown)" not in out
    # Under each proposal, its first pieces of evidence, by session, as excerpts.
    first = listed[0]
    shown = next(e for e in first["evidence"] if e.get("excerpt"))
    assert lines[1].startswith(f'       session {shown["session_id"]}: "')
    assert shown["excerpt"][:40] in lines[1]
    assert f"{first['support']} sessions" in proposals[0]

    out = _run(home, "sessions", "--limit", "3", cwd=tmp_path).stdout
    header, *rows = out.splitlines()
    assert header.split() == ["id", "last", "active", "messages", "source", "title"]
    assert len(rows) == 3
    assert {row.index(row.split("  ")[-1]) for row in rows} == {header.index("title")}
