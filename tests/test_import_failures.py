"""A file that could not be imported is never recorded as imported: the next import reads it
again and says why again (never "unchanged"), and every failed file is named with its reason,
whether the others were imported (exit 0, a line each) or nothing was (exit 1, one line)."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from tests.support.processes import clean_environment, reverie

BAD = {
    "no-messages.json": '[{"conversation": {"speaker_a": "Caroline"}}]',
    "messages-not-a-list.json": '[{"id": "c", "messages": "nope"}]',
    "broken.json": "{not json",
}


def _conversation(external_id: str, words: str) -> str:
    messages = [{"role": "user", "content": words}, {"role": "assistant", "content": "noted"}]
    return json.dumps([{"id": external_id, "messages": messages}])


def _import(home: Path, *argv: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        reverie(home, "import", "--format", "openai", *argv),
        capture_output=True,
        text=True,
        env=clean_environment(),
    )


def test_failed_files_are_named_and_tried_again(tmp_path: Path) -> None:
    folder, home = tmp_path / "drop", tmp_path / "home"
    folder.mkdir()
    (folder / "good-1.json").write_text(_conversation("a", "first conversation"))
    (folder / "good-2.json").write_text(_conversation("b", "second conversation"))
    for name, text in BAD.items():
        (folder / name).write_text(text)

    for run in range(2):
        done = _import(home, str(folder))
        assert done.returncode == 0, done.stderr
        failed = [line for line in done.stderr.splitlines() if line.startswith("not imported: ")]
        assert sorted(line.split(":")[1].strip() for line in failed) == sorted(
            str(folder / name) for name in BAD
        )
        assert "without a messages (or traj) list" in done.stderr
        assert "not valid JSON" in done.stderr
        assert "3 failed" in done.stdout and ", 0 skipped" in done.stdout
        # The good files are unchanged the second time; the failed ones never are.
        assert ("2 unchanged" in done.stdout) == (run == 1)
        assert "3 unchanged" not in done.stdout and "5 unchanged" not in done.stdout

    # Mended, a failed file is imported at the next run.
    (folder / "broken.json").write_text(_conversation("d", "mended conversation"))
    done = _import(home, str(folder), "--json")
    summary = json.loads(done.stdout)
    assert done.returncode == 0 and summary["sessions"] == 1
    assert sorted(summary["files_failed"]) == sorted(
        str(folder / name) for name in BAD if name != "broken.json"
    )


def test_nothing_importable_names_every_file_in_one_line(tmp_path: Path) -> None:
    folder = tmp_path / "locomo"
    folder.mkdir()
    for name, text in BAD.items():
        (folder / name).write_text(text)
    for _ in range(2):
        done = _import(tmp_path / "home", str(folder))
        assert done.returncode == 1 and done.stdout == ""
        [line] = done.stderr.strip().splitlines()
        assert line.startswith(f"reverie: nothing importable in {folder}: ")
        for name in BAD:
            assert str(folder / name) in line
