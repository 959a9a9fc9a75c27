"""`reverie sync FILE`: standing and project memory kept in Reverie's block of another agent's
file. Every byte outside the block stays as it was (CRLF, no last newline, unicode, bytes that
are not UTF-8), a second run changes nothing, broken markers are refused with one line and
nothing changed, --check and --dry-run write nothing, and the block is redacted, leaves out
private-only memory, keeps to its size, and reads as Reverie's own when it comes back."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import pytest

from app.cli import main
from app.integrations.handed import handed_context
from memory_graph.memory.recall.context import StartingContext
from memory_graph.memory.recall.results import RecallHit
from memory_graph.memory.vocabulary import MemoryKind
from memory_graph.store.origins import BLOCK_BEGIN, BLOCK_END, RECALLED_HEADER, infer_origin
from memory_graph.store.records import MessageOrigin
from memory_graph.transcripts.origins import claude_code
from tests.support.claude_code_home import (
    EVERYWHERE_PREFERENCE,
    LOOM_PREFERENCE,
    learned_home,
    session_file,
)
from tests.support.cli import run_cli

SECRET = "ghp_" + "a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8"


@pytest.fixture
def loom(home: Path, tmp_path: Path) -> Path:
    return learned_home(home, tmp_path)


def _sync(capsys: pytest.CaptureFixture[str], home: Path, *argv: str) -> tuple[int, str, str]:
    return run_cli(capsys, "sync", *argv, "--home", str(home))


def _block(data: bytes) -> bytes:
    start = data.index(BLOCK_BEGIN.encode())
    end = data.index(BLOCK_END.encode()) + len(BLOCK_END)
    return data[start:end]


def test_a_missing_file_is_created_and_a_second_run_changes_no_byte(
    home: Path, loom: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = loom / "CLAUDE.md"
    code, out, _ = _sync(capsys, home, str(target))
    assert code == 0 and "wrote 2 memories" in out
    data = target.read_bytes()
    assert data.startswith(f"{BLOCK_BEGIN}\n# {RECALLED_HEADER} (project".encode())
    assert data.endswith(f"{BLOCK_END}\n".encode())
    text = data.decode()
    assert LOOM_PREFERENCE[1:] in text and EVERYWHERE_PREFERENCE in text
    before = target.stat()
    code, out, _ = _sync(capsys, home, str(target))
    assert code == 0 and "up to date" in out
    assert target.read_bytes() == data
    assert target.stat().st_mtime_ns == before.st_mtime_ns  # not even rewritten
    assert stat.S_IMODE(before.st_mode) == 0o666 & ~_umask()


def _umask() -> int:
    umask = os.umask(0)
    os.umask(umask)
    return umask


@pytest.mark.parametrize(
    "original",
    [
        b"# Team rules\r\n\r\nRun `make test` first.\r\n",  # CRLF
        "# Règles\n\nNo trailing newline — ünïcödé ✓".encode(),  # no last newline
        b"Latin-1 bytes: caf\xe9\n\n",  # not UTF-8, ends with a blank line
        b"",
    ],
    ids=["crlf", "no-last-newline", "not-utf8", "empty"],
)
def test_the_block_is_added_after_the_file_and_nothing_else_changes(
    home: Path, loom: Path, capsys: pytest.CaptureFixture[str], original: bytes
) -> None:
    target = loom / "AGENTS.md"
    target.write_bytes(original)
    assert _sync(capsys, home, str(target))[0] == 0
    data = target.read_bytes()
    assert data.startswith(original)
    added = data[len(original) :]
    newline = b"\r\n" if b"\r\n" in original else b"\n"
    if original and not original.endswith(b"\n"):
        assert added.startswith(newline + newline + BLOCK_BEGIN.encode())
    elif original.endswith(b"\n\n"):
        assert added.startswith(BLOCK_BEGIN.encode())
    elif original:
        assert added.startswith(newline + BLOCK_BEGIN.encode())
    if newline == b"\r\n":
        assert added.count(b"\n") == added.count(b"\r\n")  # the block's lines end as the file's
    assert _sync(capsys, home, str(target))[0] == 0
    assert target.read_bytes() == data


def test_only_the_body_between_the_markers_is_replaced(
    home: Path, loom: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    head = "# Rules ✓\r\nKeep it short.\r\n".encode()
    tail = b"\r\n## After\r\nthe end, no newline"
    target = loom / "CLAUDE.md"
    target.write_bytes(head + f"  {BLOCK_BEGIN}\r\nstale line\r\n{BLOCK_END}".encode() + tail)
    os.chmod(target, 0o640)
    assert _sync(capsys, home, str(target))[0] == 0
    data = target.read_bytes()
    assert data.startswith(head + f"  {BLOCK_BEGIN}\r\n".encode())
    assert data.endswith(f"{BLOCK_END}".encode() + tail)
    assert b"stale line" not in data and LOOM_PREFERENCE[1:].encode() in data
    assert stat.S_IMODE(target.stat().st_mode) == 0o640  # its mode is kept
    assert _sync(capsys, home, str(target))[0] == 0
    assert target.read_bytes() == data


@pytest.mark.parametrize(
    ("markers", "says"),
    [
        ([BLOCK_BEGIN], "begin line without a reverie:end"),
        ([BLOCK_END], "end line without a reverie:begin"),
        ([BLOCK_END, BLOCK_BEGIN], "end line before its reverie:begin"),
        ([BLOCK_BEGIN, BLOCK_BEGIN, BLOCK_END], "more than one"),
        ([BLOCK_BEGIN, BLOCK_END, BLOCK_END], "more than one"),
        ([BLOCK_BEGIN, BLOCK_END, BLOCK_BEGIN, BLOCK_END], "more than one"),
    ],
)
@pytest.mark.parametrize("flag", [None, "--check", "--dry-run"])
def test_broken_or_repeated_markers_are_refused_and_nothing_changes(
    home: Path,
    loom: Path,
    capsys: pytest.CaptureFixture[str],
    markers: list[str],
    says: str,
    flag: str | None,
) -> None:
    target = loom / "CLAUDE.md"
    original = ("intro\n" + "".join(f"{marker}\nbody\n" for marker in markers)).encode()
    target.write_bytes(original)
    code, out, err = _sync(capsys, home, str(target), *([flag] if flag else []))
    assert code == 1 and out == ""
    assert len(err.splitlines()) == 1 and says in err and "nothing was changed" in err
    assert target.read_bytes() == original
    assert not list(loom.glob(".CLAUDE.md.*"))  # no temporary file left


def test_check_says_whether_the_block_is_current_and_writes_nothing(
    home: Path, loom: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = loom / "CLAUDE.md"
    code, _, err = _sync(capsys, home, str(target), "--check")
    assert code == 1 and "out of date" in err and not target.exists()
    target.write_text("# mine\n")
    assert _sync(capsys, home, str(target), "--check")[0] == 1
    assert target.read_text() == "# mine\n"
    assert _sync(capsys, home, str(target))[0] == 0
    assert _sync(capsys, home, str(target), "--check") == (0, "", "")
    # A memory adopted since makes it stale again.
    transcripts = loom.parent / "more"
    for name in ("c1", "c2"):
        session_file(transcripts, name, loom, "review the diff", "always run ruff before commits")
    for argv in (["import", str(transcripts)], ["dream"], ["adopt", "--all"]):
        assert main([*argv, "--home", str(home)]) == 0
    capsys.readouterr()
    assert _sync(capsys, home, str(target), "--check")[0] == 1


def test_dry_run_prints_the_diff_and_writes_nothing(
    home: Path, loom: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = loom / "CLAUDE.md"
    target.write_text("# mine\n")
    code, out, _ = _sync(capsys, home, str(target), "--dry-run")
    assert code == 0 and target.read_text() == "# mine\n"
    assert out.startswith(f"--- {target}\n+++ {target}\n@@")
    assert f"+{BLOCK_BEGIN}\n" in out and f"+{BLOCK_END}\n" in out and "\n # mine\n" in out
    assert _sync(capsys, home, str(target))[0] == 0
    code, out, err = _sync(capsys, home, str(target), "--dry-run")
    assert (code, out) == (0, "") and "up to date" in err


def test_the_project_is_the_files_folder_unless_named(
    home: Path, loom: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    elsewhere = loom.parent / "quill" / "AGENTS.md"
    assert _sync(capsys, home, str(elsewhere))[0] == 0
    text = elsewhere.read_text()
    assert EVERYWHERE_PREFERENCE in text and LOOM_PREFERENCE[1:] not in text
    assert _sync(capsys, home, str(elsewhere), "--project", str(loom))[0] == 0
    assert LOOM_PREFERENCE[1:] in elsewhere.read_text()
    code, _, err = _sync(capsys, home, str(elsewhere), "--project", str(loom / "nope"))
    assert code == 1 and "no such folder" in err
    code, _, err = _sync(capsys, home, str(loom / "missing" / "CLAUDE.md"))
    assert code == 1 and "no such folder" in err
    code, _, err = _sync(capsys, home, str(loom))
    assert code == 1 and "not a regular file" in err


def test_private_only_memory_stays_out_and_secrets_are_redacted(
    home: Path, loom: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = loom / "CLAUDE.md"
    transcripts = loom.parent / "secret"
    for name in ("d1", "d2"):
        session_file(transcripts, name, loom, "ship it", "always deploy with the staging token")
    for argv in (["import", str(transcripts)], ["dream"]):
        assert main([*argv, "--home", str(home)]) == 0
    statement = f"Always deploy with the token {SECRET}."
    assert main(["adopt", "3", "--as", statement, "--home", str(home)]) == 0
    capsys.readouterr()
    assert _sync(capsys, home, str(target))[0] == 0
    text = target.read_text()
    assert "Always deploy with the token [redacted github token]" in text
    assert SECRET not in text
    # The loom preference's sessions made private: it leaves the block.
    assert main(["private", "1", "--home", str(home)]) == 0
    assert main(["private", "2", "--home", str(home)]) == 0
    assert _sync(capsys, home, str(target))[0] == 0
    assert LOOM_PREFERENCE[1:] not in target.read_text()
    assert EVERYWHERE_PREFERENCE in target.read_text()


def test_the_block_keeps_to_its_size_and_says_what_context_shows_besides(
    home: Path, loom: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = loom / "CLAUDE.md"
    assert _sync(capsys, home, str(target))[0] == 0
    assert len(_block(target.read_bytes()).splitlines()) == 8  # both memories, in 6 lines
    (home / "config.toml").write_text("handed_lines = 5\n")
    assert _sync(capsys, home, str(target))[0] == 0
    body = _block(target.read_bytes()).decode().splitlines()[1:-1]
    assert len(body) == 5 and not [line for line in body if line.startswith("- [memory")]
    assert body[-1] == "(2 more memories did not fit here: `reverie context` shows them.)"
    code, out, _ = run_cli(capsys, "context", "--home", str(home), "--project", str(loom))
    assert code == 0 and sum(line.startswith("- [memory") for line in out.splitlines()) == 2
    (home / "config.toml").write_text("handed_bytes = 10\n")
    code, _, err = _sync(capsys, home, str(target))
    assert code == 1 and "handed_bytes must be at least 512 bytes" in err


def test_what_is_cut_is_the_weakest_whichever_part_it_is_in() -> None:
    strengths = {1: 0.9, 2: 0.2, 3: 0.5, 4: 0.7}
    hits = {
        node: RecallHit(node, MemoryKind.PREFERENCE, f"memory number {node} " * 12, strength)
        for node, strength in strengths.items()
    }
    context = StartingContext("/src/loom", [hits[1], hits[2]], [hits[3], hits[4]])
    whole = handed_context(context, 100, 100_000)
    assert (whole.shown, whole.left_out) == (4, 0)
    size = len(whole.text.encode())
    cut = handed_context(context, 100, size - 1)
    assert (cut.shown, cut.left_out) == (3, 1) and "memory 2," not in cut.text
    assert "(1 more memory did not fit here" in cut.text
    smaller = handed_context(context, 100, len(cut.text.encode()) - 1)
    assert (smaller.shown, smaller.left_out) == (2, 2)
    assert "memory 1," in smaller.text and "memory 4," in smaller.text


def test_the_block_read_back_is_recalled_memory_never_the_persons_words(
    home: Path, loom: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    target = loom / "CLAUDE.md"
    target.write_text("# House rules\n")
    assert _sync(capsys, home, str(target))[0] == 0
    block = _block(target.read_bytes()).decode()
    whole = target.read_text()
    # Pasted by the person (the block first), handed on by the harness, or loaded whole.
    assert infer_origin("user", block, {}).origin is MessageOrigin.RECALLED
    reminder = f"<system-reminder>\nContents of {target}:\n\n{whole}\n</system-reminder>"
    assert infer_origin("user", reminder, {}).origin is MessageOrigin.RECALLED
    line = {"type": "user", "isMeta": True}
    assert claude_code(line, whole).origin is MessageOrigin.RECALLED
