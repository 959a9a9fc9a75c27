"""Topics and entities: what keeps coming up across sessions. The project a session works in
becomes a `topic`; the programs its commands run, the files its tools touch and the names the
user writes become `entity` observations (one per session and entity).

Evidence follows the rules: names come from the person's own turns (never the assistant's, nor
the harness's lines in the person's place),
programs and files from the tool calls whose results the world returned, the project from the
system prompt Reverie wrote for the session.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from dreamer.extractors.failures import canonical_command
from dreamer.extractors.statements import sentences_read
from dreamer.journal import Observation
from dreamer.observation import SessionView, is_person, person_words
from memory_graph.memory.vocabulary import MemoryKind
from memory_graph.store.content import capped
from memory_graph.store.injection import reads_like_injection
from memory_graph.store.records import Message

VERSION = "entities-3"
_WORKSPACE = re.compile(r"[Ww]orkspace is (/\S+?)\.?(?:\s|$)")
_NAME = re.compile(
    r"(?<![/\w])(?:(?:Dr|Mr|Mrs|Ms|Prof)\.\s)?[A-ZÀ-Þ][a-zß-ÿ'’-]+"
    r"(?:\s+[A-ZÀ-Þ][a-zß-ÿ'’-]+)*(?![/\w])"
)
"""Capitalised words, joined (Wayfarer Quarterly, Dr. Silva); not parts of paths (Europe/Lisbon)."""
_NOT_NAMES = frozenset(
    [
        "I",
        "I'm",
        "I've",
        "I'll",
        "I'd",
        "Hi",
        "Hey",
        "Hello",
        "Thanks",
        "Thank",
        "Please",
        "Ok",
        "Okay",
        "Yes",
        "No",
        "Monday",
        "Tuesday",
        "Wednesday",
        "Thursday",
        "Friday",
        "Saturday",
        "Sunday",
        "January",
        "February",
        "March",
        "April",
        "May",
        "June",
        "July",
        "August",
        "September",
        "October",
        "November",
        "December",
        "Jan",
        "Feb",
        "Mar",
        "Apr",
        "Jun",
        "Jul",
        "Aug",
        "Sep",
        "Sept",
        "Oct",
        "Nov",
        "Dec",
        "Mon",
        "Tue",
        "Wed",
        "Thu",
        "Fri",
        "Sat",
        "Sun",
        "Markdown",
    ]
)
_PATH_KEYS = ("path", "file_path", "notebook_path")
_PLAIN_PROGRAMS = frozenset(
    [
        "cd",
        "ls",
        "cat",
        "echo",
        "mkdir",
        "rm",
        "cp",
        "mv",
        "head",
        "tail",
        "grep",
        "rg",
        "find",
        "pwd",
        "sed",
        "awk",
        "wc",
        "sort",
        "uniq",
        "touch",
        "chmod",
        "which",
        "true",
        "false",
        "test",
        "env",
        "export",
        "source",
        "sleep",
        "tee",
        "xargs",
    ]
)
"""Shell plumbing: run in every session, about nothing in particular."""


def _fingerprint(kind: MemoryKind, label: str, name: str) -> str:
    return hashlib.sha256(f"{kind}\x1f{label}\x1f{name.lower()}".encode()).hexdigest()[:20]


def _observation(
    view: SessionView,
    kind: MemoryKind,
    label: str,
    name: str,
    message: Message,
    span: tuple[int, int],
) -> Observation:
    detail = {"name": name, "label": label}
    return Observation(
        _fingerprint(kind, label, name), kind, view.session.id, message.id, span, detail
    )


def _names(message: Message) -> list[tuple[str, int, int]]:
    """Capitalised words the person wrote, except the first of a sentence (any word may open
    one)."""
    found = []
    for sentence, start, _ in sentences_read(person_words(message)):
        for match in _NAME.finditer(sentence):
            name = match.group()
            if match.start() == 0 or name in _NOT_NAMES or len(name) < 3:
                continue
            found.append((name, start + match.start(), start + match.end()))
    return found


def _typed_by_person(message: Message) -> bool:
    return is_person(message) and not reads_like_injection(person_words(message))


def _span(message: Message, needle: str) -> tuple[int, int]:
    for offset, part in capped(message.text):
        at = part.find(needle)
        if at >= 0:
            return offset + at, offset + at + len(needle)
    return 0, min(len(message.text), 200)


def _project(message: Message) -> tuple[str, tuple[int, int]] | None:
    """The project of the workspace a system prompt names, with its span: a folder below the
    home folder (/home/ines/code/ledger), never home itself."""
    for offset, part in capped(message.text):
        workspace = _WORKSPACE.search(part)
        if workspace:
            folder = workspace.group(1).rstrip("/")
            if folder.count("/") < 3:
                return None
            start, end = workspace.span(1)
            return folder.rsplit("/", 1)[-1], (offset + start, offset + end)
    return None


def extract(view: SessionView) -> list[Observation]:
    """Topic and entity observations of one session, the first mention of each."""
    found: dict[str, Observation] = {}

    def add(observation: Observation) -> None:
        found.setdefault(observation.fingerprint, observation)

    calls: dict[str, dict[str, Any]] = {}
    for message in view.messages:
        if message.role == "system":
            project = _project(message)
            if project is not None:
                name, span = project
                add(_observation(view, MemoryKind.TOPIC, "project", name, message, span))
        elif _typed_by_person(message):
            for name, start, end in _names(message):
                add(_observation(view, MemoryKind.ENTITY, "name", name, message, (start, end)))
        for block in message.content:
            if block.get("type") == "tool_use" and isinstance(block.get("input"), dict):
                calls[str(block.get("id"))] = block["input"]
            elif (
                block.get("type") == "tool_result"
                and message.role == "tool"
                and not reads_like_injection(message.text)
            ):
                arguments = calls.get(str(block.get("tool_use_id")), {})
                for entity in _from_call(arguments):
                    label, name = entity
                    add(
                        _observation(
                            view, MemoryKind.ENTITY, label, name, message, _span(message, name)
                        )
                    )
    return list(found.values())


def _from_call(arguments: dict[str, Any]) -> list[tuple[str, str]]:
    """(label, name) of what a tool call worked with: its program, its file."""
    entities = []
    command = arguments.get("command")
    if isinstance(command, str):
        words = [w for w in canonical_command(command).split() if "=" not in w]
        if words and words[0] not in _PLAIN_PROGRAMS and re.fullmatch(r"[\w.+-]+", words[0]):
            entities.append(("program", words[0]))
    for key in _PATH_KEYS:
        path = arguments.get(key)
        if isinstance(path, str) and path.strip("/"):
            entities.append(("file", path.rstrip("/").rsplit("/", 1)[-1]))
    return entities
