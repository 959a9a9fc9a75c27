"""What redaction masks that is no secret: the hashes, file paths, uuids and ids of the shared
real transcripts (Claude Code and tau-bench), and the share of each that `redact` would hide.

The text is what Reverie redacts (each imported message as excerpts, recall and prompts see
it, each session's title) and every other string of the files (the ids and digests kept as
metadata), each distinct text once. A token counts as masked when redaction leaves fewer
copies of it in its text than there were.
"""

from __future__ import annotations

import json
import re
import time
from collections import Counter
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from memory_graph.store.content import blocks_text
from memory_graph.store.redact import redact
from memory_graph.transcripts.importer import PARSERS, detect, discover
from memory_graph.transcripts.parsed import ParsedFile

BENCHMARKS = Path(__file__).resolve().parents[2] / "shared" / "benchmarks"
SOURCES = (BENCHMARKS / "claude-code", BENCHMARKS / "taubench")
EXAMPLES = 5

_EDGE = r"(?<![\w.@+/:-])"
_END = r"(?![\w@+/-])"
TOKENS: dict[str, re.Pattern[str]] = {
    "uuid": re.compile(
        rf"{_EDGE}[0-9a-fA-F]{{8}}(?:-[0-9a-fA-F]{{4}}){{3}}-[0-9a-fA-F]{{12}}{_END}"
    ),
    # Git SHAs (short and full), md5, sha1 and sha256 digests: hex with a letter and a digit.
    "hash": re.compile(
        rf"{_EDGE}(?:(?=[0-9]*[a-f])(?=[a-f]*[0-9])[0-9a-f]{{7,64}}"
        rf"|(?=[0-9]*[A-F])(?=[A-F]*[0-9])[0-9A-F]{{7,64}}){_END}"
    ),
    # Absolute and home paths of two segments or more; relative ones with a file's extension.
    "path": re.compile(
        rf"{_EDGE}(?:(?:~|\.{{1,2}})?(?:/[\w.@+-]+){{2,}}/?"
        r"|[\w-]+(?:/[\w.@+-]+)*/[\w@+-]+\.[A-Za-z0-9]{1,8})(?![\w@+/-])"
    ),
    # Typed ids (`toolu_01…`, `msg_01…`, `certificate_7504069`) and codes (`ZFA04Y`, `HAT136`).
    "id": re.compile(
        rf"{_EDGE}(?:[a-z]+(?:_[a-z]+)*_(?=[A-Za-z]*[0-9])[A-Za-z0-9]{{4,}}"
        rf"|(?=[A-Z]*[0-9])(?=[0-9]*[A-Z])[A-Z0-9]{{6,}}){_END}"
    ),
}


def _strings(value: Any) -> Iterator[str]:
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def _documents(path: Path) -> Iterator[Any]:
    if path.suffix == ".jsonl":
        for line in path.read_text(encoding="utf-8").splitlines():
            if line.strip():
                yield json.loads(line)
    else:
        yield json.loads(path.read_text(encoding="utf-8"))


def _file_texts(path: Path) -> Iterator[str]:
    form = detect(path)
    if form is not None:
        for session in PARSERS[form](path, ParsedFile()):
            yield session.title or session.fallback_title
            for message in session.messages:
                yield blocks_text(message.content)
    for document in _documents(path):
        yield from _strings(document)


def transcript_texts() -> list[str]:
    """Every distinct text of the shared transcripts, as described above."""
    return list(
        dict.fromkeys(text for path in discover(list(SOURCES)) for text in _file_texts(path))
    )


def _tokens(text: str) -> dict[str, Counter[str]]:
    """The tokens of each kind in `text`; a uuid's parts are not hashes too."""
    found: dict[str, Counter[str]] = {}
    claimed: list[tuple[int, int]] = []
    for kind, pattern in TOKENS.items():
        found[kind] = Counter()
        for match in pattern.finditer(text):
            start, end = match.span()
            if any(start < other_end and other_start < end for other_start, other_end in claimed):
                continue
            claimed.append((start, end))
            found[kind][match.group()] += 1
    return found


def measure(texts: list[str]) -> dict[str, Any]:
    """Per kind: tokens seen, tokens masked, their share, a few of those masked; and how fast
    redaction ran over all the text."""
    seen = {kind: 0 for kind in TOKENS}
    masked = {kind: 0 for kind in TOKENS}
    examples: dict[str, list[str]] = {kind: [] for kind in TOKENS}
    redacting_s = 0.0
    for text in texts:
        began = time.perf_counter()
        shown = redact(text)
        redacting_s += time.perf_counter() - began
        before = _tokens(text)
        after = _tokens(shown) if shown != text else before
        for kind, counts in before.items():
            seen[kind] += sum(counts.values())
            for token, count in counts.items():
                lost = count - after[kind][token]
                if lost > 0:
                    masked[kind] += lost
                    if len(examples[kind]) < EXAMPLES:
                        examples[kind].append(token)
    characters = sum(len(text) for text in texts)
    return {
        "per_kind": {
            kind: {
                "tokens": seen[kind],
                "masked": masked[kind],
                "share": round(masked[kind] / max(seen[kind], 1), 5),
                "masked_examples": examples[kind],
            }
            for kind in TOKENS
        },
        "texts": len(texts),
        "characters": characters,
        "redact_million_chars_per_s": round(characters / 1e6 / redacting_s, 2),
    }


def run_redaction() -> dict[str, Any]:
    """The false-positive shares over the shared transcripts."""
    return measure(transcript_texts())


if __name__ == "__main__":
    print(json.dumps(run_redaction(), indent=2))
