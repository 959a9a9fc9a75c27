"""What an error line says, apart from the values that vary between its occurrences.

A line is read once, left to right, into literal text and slots: the values that differ each
time the same failure happens (paths, URLs, hosts and ports, container, pod and endpoint names,
hashes, ids, quoted values, parenthesised details, numbers). The signature writes each slot as
its kind (`<path>`, `<n>`), so the same failure groups across sessions, folders and machines.
Codes that tell failures apart stay as they are: an HTTP status, an exit status, an error code
(`HTTP 404` and `HTTP 500`, `npm ERR! code E404` and `E401` are different failures).

The shape of several lines keeps each slot where all of them agree and writes a placeholder
where they differ ("total price is N, but paid M"): what a statement quotes when its evidence
does not say the same words.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from difflib import SequenceMatcher
from typing import Final

_TLDS = (
    "com|org|net|io|dev|app|ai|co|cloud|local|internal|localdomain|lan|svc|test|example|"
    "uk|de|fr|pt|es|eu|us"
)
_SLOTS: Final = re.compile(
    # Kept: codes that tell failures apart.
    r"(?P<keep>(?i:\b(?:HTTP(?:/[\d.]+)?|status|code|errno|error|returned)[\s:=\[(]{0,2})"
    r"[A-Za-z]{0,4}-?\d{1,5}\b)"
    r"|(?P<date>\b\d{4}-\d\d-\d\d(?:[T ]\d\d:\d\d(?::\d\d(?:\.\d+)?)?(?:Z|[+-]\d\d:?\d\d)?)?\b)"
    r"|(?P<url>\b[A-Za-z][\w+.-]*://[^\s'\"<>)\]]+)"
    r"|(?P<id>\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b)"
    r"|(?P<host>\b\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?\b"
    rf"|(?i:\b(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+(?:{_TLDS})\b(?::\d{{1,5}})?)"
    r"|\blocalhost(?::\d{1,5})?\b|\b[a-z][\w.-]*:\d{2,5}\b(?![:.]?\w))"
    r"|(?P<quoted>(?<![\w'])'[^'\n]*'(?!\w)|\"[^\"\n]*\"|`[^`\n]*`|‘[^’\n]*’|“[^”\n]*”)"
    r"|(?P<details>\([^)\n]*\))"
    # The instance a container runtime or an orchestrator names after the kind of thing it is:
    # a name followed by its id ("on endpoint pihole (4be1…):"), or shaped as a name
    # ("network traefik_public:"); never a plain word ("network error:", "service unavailable").
    r"|(?P<named>(?:(?<=\bendpoint )|(?<=\bcontainer )|(?<=\bpod )|(?<=\bservice )"
    r"|(?<=\bnetwork )|(?<=\bvolume ))"
    r"(?:[a-z][\w.-]*(?=\s\()|[a-z]\w*[_.-][\w.-]*(?=\s*:|\s*$)))"
    r"|(?P<path>(?:~|\.{1,2})?(?:/[\w.@+-]+)+/?)"
    r"|(?P<name>\b[a-z][a-z0-9]*(?:-[a-z0-9]+)*-(?=[a-z]*\d)[a-z0-9]{5,10}-[a-z0-9]{5}\b"
    r"|\b[a-z][\w.-]*?[_-]\d{1,3}\b)"
    r"|(?P<hash>(?i:\b(?=[0-9a-f]*\d)[0-9a-f]{7,64}\b))"
    r"|(?P<token>\b(?=[A-Za-z_]*\d)(?=\w*[A-Za-z])\w{3,}\b)"
    r"|(?P<n>\b\d+(?:\.\d+)*\b)"
)
"""A slot's kind is the name of the group that matched it; at one position the first wins."""
_SIGNED: Final = {
    "date": "<date>",
    "url": "<url>",
    "id": "<id>",
    "host": "<host>",
    "quoted": "<q>",
    "details": "(…)",
    "path": "<path>",
    "name": "<name>",
    "named": "<name>",
    "hash": "<hash>",
    "token": "<id>",
    "n": "<n>",
}
"""How the signature writes each kind of slot, and a shape one its lines disagree on (numbers
and quoted values apart)."""
_NUMBERS: Final = "NMKLJ"
"""Placeholders of the numbers that vary, in order: "total price is N, but paid M"."""
_SPACE: Final = re.compile(r"\s+")
SIGNATURE_LENGTH: Final = 160

Segment = tuple[str | None, str]
"""A literal run of text (kind None) or a slot (its kind and the text it holds)."""


def segments(line: str) -> list[Segment]:
    """A line as literal text and slots, whitespace folded."""
    found: list[Segment] = []
    position = 0
    for match in _SLOTS.finditer(line):
        kind = match.lastgroup
        if match.start() > position:
            found.append((None, line[position : match.start()]))
        found.append((None if kind == "keep" else kind, match.group()))
        position = match.end()
    if position < len(line):
        found.append((None, line[position:]))
    return [(kind, _SPACE.sub(" ", text)) for kind, text in found]


def normalize(line: str) -> str:
    """The signature of an error line: each slot written as its kind."""
    signed = "".join(text if kind is None else _SIGNED[kind] for kind, text in segments(line))
    return signed.strip()[:SIGNATURE_LENGTH]


def common_form(texts: Sequence[str]) -> str:
    """What all of `texts` say, word by word: the first one's words that every other has in
    the same order, each run of words they do not all share written as one "…"
    ("nrfutil device recover --serial-number …", "One or more … tasks failed: …")."""
    first = texts[0].split(" ")
    kept = [True] * len(first)
    for other in texts[1:]:
        matcher = SequenceMatcher(None, first, other.split(" "), autojunk=False)
        shared = [False] * len(first)
        for block in matcher.get_matching_blocks():
            shared[block.a : block.a + block.size] = [True] * block.size
        kept = [a and b for a, b in zip(kept, shared, strict=True)]
    words: list[str] = []
    for word, keep in zip(first, kept, strict=True):
        if keep:
            words.append(word)
        elif not words or words[-1] != "…":
            words.append("…")
    return " ".join(words)


def shape(lines: Sequence[str]) -> str:
    """What all of `lines` (of one signature) say: the first line with each slot they disagree
    on written as a placeholder ("N", "M" for numbers, "'…'" for a quoted value, "<path>").
    Past the point where their literal text parts (a signature is cut at 160 characters, the
    lines may be longer), "…"."""
    parsed = [segments(line) for line in lines]
    first = parsed[0]
    numbers = iter(_NUMBERS)
    shown: list[str] = []
    for index, (kind, text) in enumerate(first):
        others = [other[index] if index < len(other) else None for other in parsed[1:]]
        if any(other is None or other[0] != kind for other in others):
            shown.append("…")
            break
        if kind is None:
            if any(other is not None and other[1] != text for other in others):
                # From where their words part, what they all say, word by word.
                rest = ["".join(part for _, part in line[index:]) for line in parsed]
                shown.append(common_form(rest))
                break
            shown.append(text)
        elif all(other is not None and other[1] == text for other in others):
            shown.append(text)
        elif kind == "n":
            shown.append(next(numbers, "N"))
        elif kind == "quoted":
            shown.append(f"{text[0]}…{text[-1]}")
        else:
            shown.append(_SIGNED[kind])
    return "".join(shown).strip()


OPENING: Final = 12
"""Failures are compared for a wording a little otherwise only with failures whose lines open
with the same characters (where errors word one failure otherwise, they do so further on):
what known failures are looked up by."""


def failure_opening(signature: str) -> str:
    """What a failure's error line opens with (after the command its signature names)."""
    return signature.partition(": ")[2][:OPENING]
