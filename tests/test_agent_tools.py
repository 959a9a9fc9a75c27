"""Agent tools on real files: workspace confinement, limits, exit codes."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import socket
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from app.agent.tools import OUTPUT_LIMIT, Toolbox, run_command
from app.agent.workspace import OutsideWorkspace, Workspace
from tests.support.processes import children
from tests.support.waiting import eventually


@pytest.fixture
def toolbox(workspace: Path) -> Toolbox:
    return Toolbox(Workspace.at(workspace), command_timeout=5.0)


async def test_read_list_and_search_inside_the_workspace(toolbox: Toolbox, workspace: Path) -> None:
    (workspace / "src").mkdir()
    (workspace / "src" / "main.py").write_text("import os\nprint('hello')\n")
    (workspace / "README").write_text("hello world\n")
    read = await toolbox.run("read_file", {"path": "src/main.py"})
    assert not read.is_error and "print('hello')" in read.output and "     2\t" in read.output
    listing = await toolbox.run("list_dir", {})
    assert "src/" in listing.output and "README" in listing.output
    found = await toolbox.run("search_files", {"pattern": "hel+o"})
    assert "README:1: hello world" in found.output and "src/main.py:2:" in found.output
    only_py = await toolbox.run("search_files", {"pattern": "hello", "glob": "*.py"})
    assert "README" not in only_py.output


@pytest.mark.parametrize("path", ["../secret.txt", "/etc/passwd", "src/../../secret.txt", "~"])
async def test_paths_outside_the_workspace_are_refused(
    toolbox: Toolbox, workspace: Path, path: str
) -> None:
    (workspace.parent / "secret.txt").write_text("top secret")
    for tool in ("read_file", "list_dir", "write_file"):
        outcome = await toolbox.run(tool, {"path": path, "content": "x"})
        assert outcome.is_error and "outside the workspace" in outcome.output
    assert (workspace.parent / "secret.txt").read_text() == "top secret"


async def test_symlinks_that_leave_the_workspace_are_refused(
    toolbox: Toolbox, workspace: Path
) -> None:
    outside = workspace.parent / "outside"
    outside.mkdir()
    (outside / "secret.txt").write_text("password=hunter2")
    os.symlink(outside, workspace / "link")
    os.symlink(outside / "secret.txt", workspace / "secret-link.txt")
    assert (await toolbox.run("read_file", {"path": "link/secret.txt"})).is_error
    assert (await toolbox.run("read_file", {"path": "secret-link.txt"})).is_error
    written = await toolbox.run("write_file", {"path": "link/new.txt", "content": "x"})
    assert written.is_error and not (outside / "new.txt").exists()
    found = await toolbox.run("search_files", {"pattern": "hunter2"})
    assert found.output == "no matches"


def test_workspace_resolution() -> None:
    workspace = Workspace.at(Path("/tmp"))
    with pytest.raises(OutsideWorkspace):
        workspace.resolve("a\x00b")
    assert workspace.resolve(".") == Path("/tmp").resolve()


async def test_write_file_creates_parents(toolbox: Toolbox, workspace: Path) -> None:
    outcome = await toolbox.run("write_file", {"path": "a/b/c.txt", "content": "héllo"})
    assert not outcome.is_error and "6 bytes" in outcome.output
    assert (workspace / "a/b/c.txt").read_text() == "héllo"


async def test_bad_arguments_are_errors_not_exceptions(toolbox: Toolbox) -> None:
    assert (await toolbox.run("read_file", {})).is_error
    assert (await toolbox.run("read_file", {"path": 3})).is_error
    assert (await toolbox.run("read_file", ["not", "an", "object"])).is_error
    assert (await toolbox.run("nope", {})).is_error
    assert (await toolbox.run("read_file", {"path": "missing.txt"})).is_error
    assert (await toolbox.run("search_files", {"pattern": "("})).is_error
    assert (await toolbox.run("run_command", {"command": "true", "timeout": "soon"})).is_error


async def test_binary_and_long_files(toolbox: Toolbox, workspace: Path) -> None:
    (workspace / "blob.bin").write_bytes(b"\x00\x01\x02" * 100)
    assert "binary" in (await toolbox.run("read_file", {"path": "blob.bin"})).output
    (workspace / "long.txt").write_text("".join(f"line {i}\n" for i in range(5000)))
    for name, width in (("long.txt", 0), ("wide.txt", 200)):
        body = "".join(f"line {i} {'x' * width}\n" for i in range(5000))
        (workspace / name).write_text(body)
        first = await toolbox.run("read_file", {"path": name})
        assert len(first.output) <= OUTPUT_LIMIT + 100
        *shown, hint = first.output.splitlines()
        next_line = int(hint.rsplit("=", 1)[1].rstrip("]"))
        # Whole lines only, and the hint points just past the last one shown.
        assert shown[-1].startswith(f"{next_line - 1:>6}\t")
    later = await toolbox.run("read_file", {"path": "long.txt", "offset": 4999, "limit": 5})
    assert "line 4999" in later.output and "offset=" not in later.output


async def test_command_exit_code_and_output(toolbox: Toolbox, workspace: Path) -> None:
    ok = await toolbox.run("run_command", {"command": "pwd; echo out; echo err >&2"})
    assert ok.exit_code == 0 and not ok.is_error
    assert str(workspace.resolve()) in ok.output and "out" in ok.output and "err" in ok.output
    failed = await toolbox.run("run_command", {"command": "exit 7"})
    assert failed.exit_code == 7 and failed.is_error and "[exit code 7]" in failed.output


async def test_command_timeout_kills_it(workspace: Path) -> None:
    outcome = await run_command(Workspace.at(workspace), "echo started; sleep 30", 0.5)
    assert outcome.is_error and outcome.exit_code is None
    assert "started" in outcome.output and "timed out" in outcome.output


async def test_command_output_is_capped_and_floods_are_stopped(workspace: Path) -> None:
    capped = await run_command(Workspace.at(workspace), "seq 1 100000; echo the-last-line", 10)
    assert len(capped.output) < OUTPUT_LIMIT + 200 and "bytes not shown" in capped.output
    # Head and tail: the end of a long output (where errors usually are) is kept.
    assert capped.output.startswith("1\n2\n") and "the-last-line" in capped.output
    flood = await run_command(Workspace.at(workspace), "yes", 10, kill_bytes=1_000_000)
    assert flood.is_error and "stopped" in flood.output


async def test_commands_never_see_reverie_credentials(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ANTHROPIC_API_KEY", "sk-ant-SECRET")
    monkeypatch.setenv("ANTHROPIC_AUTH_TOKEN", "token-SECRET")
    monkeypatch.setenv("PLAIN_SETTING", "visible")
    outcome = await run_command(Workspace.at(workspace), "env", 10)
    assert "SECRET" not in outcome.output and "PLAIN_SETTING=visible" in outcome.output


async def test_a_command_that_leaves_a_background_job_returns_its_exit_code(
    workspace: Path,
) -> None:
    outcome = await run_command(Workspace.at(workspace), "echo started; sleep 30 &", 20)
    assert outcome.exit_code == 0 and "started" in outcome.output
    assert "background" in outcome.output


async def test_search_a_single_file_and_a_missing_path(toolbox: Toolbox, workspace: Path) -> None:
    (workspace / "one.txt").write_text("needle here\n")
    found = await toolbox.run("search_files", {"pattern": "needle", "path": "one.txt"})
    assert found.output == "one.txt:1: needle here"
    missing = await toolbox.run("search_files", {"pattern": "x", "path": "nope"})
    assert missing.is_error and "does not exist" in missing.output


async def test_reading_past_the_end_and_a_huge_single_line(
    toolbox: Toolbox, workspace: Path
) -> None:
    (workspace / "short.txt").write_text("a\nb\n")
    past = await toolbox.run("read_file", {"path": "short.txt", "offset": 10})
    assert past.is_error and "past the end (2 lines)" in past.output
    with (workspace / "huge.txt").open("w") as handle:
        handle.write("x" * 20_000_000 + "\nsecond line\n")
    huge = await toolbox.run("read_file", {"path": "huge.txt"})
    first, second = huge.output.splitlines()
    assert len(first) < OUTPUT_LIMIT and second == "     2\tsecond line"


async def test_commands_see_no_anthropic_setting_of_any_name(
    workspace: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    withheld = {
        "ANTHROPIC_BASE_URL": "https://ops:gw-pass-7731@llm-gateway.internal/v1",
        "ANTHROPIC_CUSTOM_HEADERS": "X-Gateway-Token: hdr-9f2c41",
        "ANTHROPIC_FUTURE_SETTING": "not-yet-invented-7c1",
        "anthropic_api_key": "lowercase-copy-55e0",
    }
    for name, value in withheld.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setenv("OTHER_TOOL_CONFIG", "kept-for-commands")
    dump = "import json, os; print(json.dumps(dict(os.environ)))"
    outcome = await run_command(Workspace.at(workspace), f"{sys.executable} -c '{dump}'", 20)
    environment = json.loads(outcome.output.rsplit("\n", 1)[0])
    assert not [name for name in environment if name.upper().startswith("ANTHROPIC")]
    assert not [value for value in withheld.values() if value in outcome.output]
    assert environment["OTHER_TOOL_CONFIG"] == "kept-for-commands"
    assert environment["REVERIE_RUN_BY_AGENT"] == "1"


HOSTILE_CALLS = [
    ("read_file", {"path": "notes.txt", "offset": float("inf")}, "finite"),  # JSON's 1e400
    ("read_file", {"path": "notes.txt", "offset": float("-inf")}, "finite"),
    ("read_file", {"path": "notes.txt", "offset": float("nan")}, "finite"),
    ("read_file", {"path": "notes.txt", "limit": float("nan")}, "finite"),
    ("read_file", {"path": "notes.txt", "offset": 10**400}, "past the end (2 lines)"),
    ("read_file", {"path": "notes.txt", "offset": 10**5000}, "past the end"),  # unprintable
    ("read_file", {"path": "ring/a"}, "cannot be resolved"),
    ("read_file", {"path": "ring/a/deeper.txt"}, "cannot be resolved"),
    ("read_file", {"path": "~no-such-user-here/notes.txt"}, "cannot be resolved"),
    ("read_file", {"path": "bad-\ud800-name"}, "not valid text"),
    ("list_dir", {"path": "ring/b"}, "cannot be resolved"),
    ("search_files", {"pattern": "x", "path": "ring/a"}, "cannot be resolved"),
    ("search_files", {"pattern": "x", "glob": 42}, "must be a string"),
    ("write_file", {"path": "ring/a", "content": "x"}, "cannot be resolved"),
    ("write_file", {"path": "fine.txt", "content": "half \udcff a character"}, "not valid text"),
    ("run_command", {"command": "echo hi", "timeout": float("nan")}, "finite"),
    ("run_command", {"command": "echo one\x00two"}, "NUL"),
    ("run_command", {"command": "echo \ud83d"}, "not valid text"),
]


@pytest.mark.parametrize(("tool", "arguments", "said"), HOSTILE_CALLS)
async def test_hostile_arguments_are_one_line_tool_errors(
    toolbox: Toolbox, workspace: Path, tool: str, arguments: dict[str, object], said: str
) -> None:
    (workspace / "notes.txt").write_text("first\nsecond\n")
    (workspace / "ring").mkdir()
    os.symlink("b", workspace / "ring" / "a")
    os.symlink("a", workspace / "ring" / "b")
    outcome = await toolbox.run(tool, arguments)
    assert outcome.is_error and said in outcome.output and "\n" not in outcome.output
    assert not (workspace / "fine.txt").exists()


async def test_odd_but_finite_numbers_still_read(toolbox: Toolbox, workspace: Path) -> None:
    (workspace / "notes.txt").write_text("alpha\nbeta\ngamma\n")
    from_start = await toolbox.run("read_file", {"path": "notes.txt", "offset": -40})
    assert not from_start.is_error and "alpha" in from_start.output
    one = await toolbox.run("read_file", {"path": "notes.txt", "offset": 2.0, "limit": 1e300})
    assert not one.is_error and "beta" in one.output and "alpha" not in one.output
    for timeout in (1e300, 10**400, -7):  # clamped to the allowed range
        quick = await toolbox.run("run_command", {"command": "echo done", "timeout": timeout})
        assert quick.exit_code == 0 and "done" in quick.output


BACKTRACKER = r"(a+)+$"
"""Exponential on a run of a's that does not end the line: about a minute at 27 of them."""


def _trap(workspace: Path) -> None:
    (workspace / "trap.txt").write_text("an ordinary first line\n" + "a" * 27 + "!\n")


async def test_a_runaway_pattern_is_stopped_with_its_process(workspace: Path) -> None:
    _trap(workspace)
    toolbox = Toolbox(Workspace.at(workspace), command_timeout=2.0)
    seen: set[int] = set()

    async def watch() -> None:
        while True:
            seen.update(children())
            await asyncio.sleep(0.01)

    watcher = asyncio.create_task(watch())
    async with asyncio.timeout(120):  # bounds a regression; the limit itself is 2 s
        outcome = await toolbox.run("search_files", {"pattern": BACKTRACKER})
    watcher.cancel()
    assert outcome.is_error and "did not finish within 2 s" in outcome.output
    assert seen, "the search ran in a process of its own"
    assert not seen & children() and not any(Path(f"/proc/{pid}").exists() for pid in seen)
    # Stopping one call leaves the tools working.
    quick = await toolbox.run("search_files", {"pattern": "ordinary"})
    assert quick.output == "trap.txt:1: an ordinary first line"


async def test_cancelling_a_tool_kills_its_process(workspace: Path) -> None:
    """What escape does to a turn whose tool is still running."""
    _trap(workspace)
    toolbox = Toolbox(Workspace.at(workspace), command_timeout=60.0)
    before = children()
    call = asyncio.create_task(toolbox.run("search_files", {"pattern": BACKTRACKER}))
    await eventually(lambda: children() - before, "the search's process")
    running = children() - before
    call.cancel()
    with pytest.raises(asyncio.CancelledError):
        async with asyncio.timeout(30):
            await call
    assert not running & children() and not any(Path(f"/proc/{p}").exists() for p in running)


@contextlib.contextmanager
def _special_files(workspace: Path) -> Iterator[None]:
    """A FIFO and a socket in the workspace; whoever is left blocked on the FIFO is released
    at the end, so that a regression fails the test instead of hanging the run."""
    fifo = workspace / "pipe"
    os.mkfifo(fifo)
    server = socket.socket(socket.AF_UNIX)
    server.bind(str(workspace / "sock"))
    try:
        yield
    finally:
        server.close()
        for mode in (os.O_RDONLY, os.O_WRONLY):
            with contextlib.suppress(OSError):
                os.close(os.open(fifo, mode | os.O_NONBLOCK))


async def test_fifos_and_sockets_are_never_opened(toolbox: Toolbox, workspace: Path) -> None:
    (workspace / "real.txt").write_text("a needle in a real file\n")
    with _special_files(workspace):
        async with asyncio.timeout(60):
            found = await toolbox.run("search_files", {"pattern": "needle"})
            assert found.output == "real.txt:1: a needle in a real file"
            listing = await toolbox.run("list_dir", {})
            for name, kind in (("pipe", "named pipe"), ("sock", "socket")):
                assert f"{name}\t({kind})" in listing.output
                for tool in ("read_file", "search_files", "write_file"):
                    arguments = {"path": name, "pattern": "x", "content": "x"}
                    outcome = await toolbox.run(tool, arguments)
                    assert outcome.is_error and f"{name} is a {kind}" in outcome.output, tool


async def test_names_that_are_not_utf8_come_back_as_storable_text(
    toolbox: Toolbox, workspace: Path
) -> None:
    """Such names arrive with lone surrogates, which the log and the API cannot encode."""
    root = os.fsencode(workspace)
    with open(root + b"/caf\xe9-latin1.txt", "w") as handle:
        handle.write("a marker line\n")
    os.mkdir(root + b"/dir-\xff")
    outcomes = [
        await toolbox.run("list_dir", {}),
        await toolbox.run("search_files", {"pattern": "marker"}),
        await toolbox.run("run_command", {"command": "ls"}),
    ]
    for outcome in outcomes:
        outcome.output.encode("utf-8")
        assert "caf" in outcome.output and not outcome.is_error
    assert ":1: a marker line" in outcomes[1].output
