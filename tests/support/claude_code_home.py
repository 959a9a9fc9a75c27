"""A home whose memories were learned from Claude Code transcripts written here line by line,
imported, dreamt over and adopted through the command line, as a person would: a preference
that stands everywhere (said in two projects) and one of the project `loom` (said there twice)."""

from __future__ import annotations

from pathlib import Path

from app.cli import main
from tests.support.claude_code_lines import Transcript

EVERYWHERE_PREFERENCE = "I prefer oxford commas in prose"
LOOM_PREFERENCE = "always use tabs in the loom makefiles"


def session_file(folder: Path, name: str, cwd: Path, *turns: str) -> Path:
    """A Claude Code session in `cwd` where the person says `turns`, each answered."""
    session = f"{name:0<8}-1111-4222-8333-444455556666"[:36]
    transcript = Transcript(session, cwd=str(cwd))
    for turn in turns:
        transcript.user(turn)
        transcript.assistant("Done.")
    return transcript.write(folder / f"{session}.jsonl")


def learned_home(home: Path, root: Path) -> Path:
    """Adopt the two preferences into `home`; returns the folder of the project loom."""
    loom, quill, ink = root / "loom", root / "quill", root / "ink"
    for folder in (loom, quill, ink):
        folder.mkdir(parents=True, exist_ok=True)
    (loom / ".git").mkdir()  # a repository: its subfolders are the project loom
    transcripts = root / "transcripts"
    session_file(transcripts, "a1", loom, "tidy the parser", LOOM_PREFERENCE)
    session_file(transcripts, "a2", loom, "fix the lexer", LOOM_PREFERENCE)
    session_file(transcripts, "b1", quill, "draft the intro", EVERYWHERE_PREFERENCE)
    session_file(transcripts, "b2", ink, "edit chapter two", EVERYWHERE_PREFERENCE)
    for argv in (["import", str(transcripts)], ["dream"], ["adopt", "--all"]):
        assert main([*argv, "--home", str(home)]) == 0
    return loom
