"""Failures: tool results that failed (is_error, a non-zero exit code), grouped across sessions
by a normalized signature, each linked to what resolved it in the same session.

The signature keeps what identifies a failure (the command, the error line) and strips what
varies between occurrences (paths, numbers, ids, hashes, quoted values), so the same failure
seen in different folders on different days groups together.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from dreamer.observation import SessionView, capped
from memory_graph.content import tool_result_text
from memory_graph.inbox import Observation
from memory_graph.records import Block

VERSION = "failures-4"
_ERROR_LINE = re.compile(
    r"(?i)(\b\w*(?:error|exception)\b|fatal:|\bnot found\b|\bno such\b|\brejected\b|"
    r"\bdenied\b|\bfailed\b|\bcannot\b|\bunable\b|\bHTTP [45]\d\d\b)"
)
_EXCEPTION_LINE = re.compile(r"^\s*(?:E\s+)?[\w.]*(?:Error|Exception)\b.*")
"""An exception line; pytest prefixes its own with `E`."""
_DENIAL = re.compile(r"(?i)^(the user denied permission|the user doesn't want to proceed)")
"""A refused tool call is the user's decision, not the world failing."""
_NORMALIZERS: tuple[tuple[re.Pattern[str], str], ...] = (
    (re.compile(r"^\s*E\s+"), ""),
    (re.compile(r"\([^)]*\)"), "(…)"),
    (re.compile(r"\b[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\b", re.I), "<id>"),
    (re.compile(r"\b(?=[0-9a-f]*\d)[0-9a-f]{7,64}\b", re.I), "<hash>"),
    (re.compile(r"(?:~|\.{1,2})?(?:/[\w.@+-]+)+/?"), "<path>"),
    (re.compile(r"\b(?=[A-Za-z_]*\d)(?=\w*[A-Za-z])\w{3,}\b"), "<id>"),
    (re.compile(r"'[^']*'|\"[^\"]*\"|`[^`]*`"), "<q>"),
    (re.compile(r"\b\d+(?:\.\d+)*\b"), "<n>"),
    (re.compile(r"\s+"), " "),
)
_SIGNATURE_LENGTH = 160
ERROR_LINE_CHARACTERS = 1_000
"""How much of the error line is kept: enough for a signature of 160 characters once paths and
quoted values are stripped. A longer line is a dumped value, and stripping costs the square of
a line that opens many brackets it never closes."""


def normalize(line: str) -> str:
    """The signature of an error line: what varies between occurrences stripped."""
    for pattern, replacement in _NORMALIZERS:
        line = pattern.sub(replacement, line)
    return line.strip()[:_SIGNATURE_LENGTH]


def _last_step(command: str) -> str:
    # `cd app && git push`: the step that ran last is the one that failed or passed; in a
    # pipeline (`pytest | tail`) the first command is the one doing the work.
    step = re.split(r"&&|\|\||;", command)[-1]
    return step.split("|", 1)[0].strip()


def canonical_command(command: str) -> str:
    """A command as it recurs: its last step, the program without its folder, `python -m pip`
    as `pip`, whitespace folded."""
    words = _last_step(command).split()
    if not words:
        return ""
    words[0] = words[0].rsplit("/", 1)[-1]
    if words[0] in ("python", "python3") and len(words) > 2 and words[1] == "-m":
        words = words[2:]
    return " ".join(words)


def fix_key(command: str) -> str:
    """What makes two fixes the same fix: the program (and subcommand) and its flags, not the
    files it was given (`soffice --headless --convert-to` whatever the document)."""
    words = canonical_command(command).split()
    if not words:
        return ""
    kept = _program(words)
    flags = [re.split(r"[=:]", word, maxsplit=1)[0] for word in words[1:] if word.startswith("-")]
    return " ".join(kept + flags)


def command_head(tool: str, arguments: dict[str, Any]) -> str:
    """What was run, in one or two words (`pytest`, `git push`), or the tool's name."""
    command = arguments.get("command")
    if tool.lower() in ("run_command", "bash") and isinstance(command, str):
        words = [w for w in canonical_command(command).split() if "=" not in w]
        if not words:
            return tool
        return " ".join(_program(words))
    return tool


_TAKES_TARGETS = frozenset(
    [
        "pytest",
        "python",
        "python3",
        "node",
        "bash",
        "sh",
        "zsh",
        "ruby",
        "perl",
        "cat",
        "less",
        "ls",
        "cd",
        "rm",
        "cp",
        "mv",
        "open",
    ]
)
"""Programs whose first argument is what they work on, never a subcommand."""


def _program(words: list[str]) -> list[str]:
    """The program and its subcommand, when the second word reads like one (`git push`,
    `shopctl auth`, `make test`): a bare lowercase word, not a file, a flag or a number."""
    subcommand = len(words) > 1 and re.fullmatch(r"[a-z][a-z-]*", words[1])
    return words[:2] if subcommand and words[0] not in _TAKES_TARGETS else words[:1]


def error_line(output: str) -> tuple[str, int, int]:
    """The line that says what went wrong, with its span in `output`, from the output's head and
    tail: an exception line (the last of a traceback) first, else the first line that reads like
    an error, else the first."""
    lines: list[tuple[str, int]] = []
    for position, part in capped(output):
        for line in part.splitlines(keepends=True):
            lines.append((line.rstrip("\n"), position))
            position += len(line)
    for pick in (
        [item for item in lines if _EXCEPTION_LINE.match(item[0])][-1:],
        [item for item in lines if _ERROR_LINE.search(item[0]) and not item[0].startswith("[")],
        [item for item in lines if item[0].strip() and not item[0].startswith("[")],
    ):
        if pick:
            text, start = pick[0]
            text = text[:ERROR_LINE_CHARACTERS]
            return text.strip(), start, start + len(text)
    return "", 0, 0


@dataclass
class _Call:
    name: str
    arguments: dict[str, Any]


def _failed(block: Block) -> bool:
    code = block.get("exit_code")
    return bool(block.get("is_error")) or (isinstance(code, int) and code != 0)


def _fingerprint(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:20]


def extract(view: SessionView) -> list[Observation]:
    """Failure and fix observations of one session (tool results only: the world's answers)."""
    calls: dict[str, _Call] = {}
    results: list[tuple[int, Block, _Call]] = []
    texts: dict[int, str] = {}
    for index, message in enumerate(view.messages):
        texts[index] = message.text
        for block in message.content:
            if block.get("type") == "tool_use":
                arguments = block.get("input") if isinstance(block.get("input"), dict) else {}
                calls[str(block.get("id"))] = _Call(str(block.get("name")), arguments or {})
            elif block.get("type") == "tool_result" and message.role == "tool":
                call = calls.get(str(block.get("tool_use_id")))
                if call is not None:
                    results.append((index, block, call))
    observations: list[Observation] = []
    for position, (index, block, call) in enumerate(results):
        if not _failed(block):
            continue
        output = tool_result_text(block.get("content"))
        if _DENIAL.match(output):
            continue
        line, start, end = error_line(output)
        line = re.sub(r"^E\s+", "", line)  # pytest's marker, not part of the error
        if not line:
            continue
        head = command_head(call.name, call.arguments)
        signature = f"{head}: {normalize(line)}"
        message = view.messages[index]
        # The message text holds the output as is, so the span locates the line in it.
        offset = max(0, message.text.find(output)) if output else 0
        failure = _fingerprint("failure", signature)
        fix = _resolution(results[position + 1 :], head)
        if fix is None and view.session.outcome == "success" and _passed_later(results, position):
            # A slip put right on the spot (the same call passed at once, the session went
            # well): nothing recurs to learn from it, and counting it buries what hurt.
            continue
        observations.append(
            Observation(
                failure,
                "failure",
                view.session.id,
                message.id,
                (offset + start, offset + end),
                {"signature": signature, "line": line, "head": head},
            )
        )
        if fix is not None:
            fix_index, fix_command, retried = fix
            fix_message = view.messages[fix_index]
            observations.append(
                Observation(
                    _fingerprint("fix", signature, fix_key(fix_command)),
                    "fix",
                    view.session.id,
                    fix_message.id,
                    (0, min(len(fix_message.text), 200)),
                    {
                        "signature": signature,
                        "line": line,
                        "head": head,
                        "command": fix_command,
                        "key": fix_key(fix_command),
                        "resolves": failure,
                        "workaround": not retried,
                    },
                )
            )
    return observations


def _passed_later(results: list[tuple[int, Block, _Call]], position: int) -> bool:
    """Whether the call that failed at `position` passed when it was next made."""
    _, _, failed = results[position]
    head = command_head(failed.name, failed.arguments)
    for _, block, call in results[position + 1 :]:
        if command_head(call.name, call.arguments) == head:
            return not _failed(block)
    return False


def _resolution(later: list[tuple[int, Block, _Call]], head: str) -> tuple[int, str, bool] | None:
    """What resolved a failure, and whether the failing command then passed: the commands that
    succeeded before the same command passed (a repair), or, when it never passed, the next
    command that succeeded instead (a workaround)."""
    steps: list[tuple[int, str]] = []
    for index, block, call in later:
        command = call.arguments.get("command")
        if not isinstance(command, str):
            continue
        same = command_head(call.name, call.arguments) == head
        if _failed(block):
            if same:
                steps.clear()  # failed again: what came before did not fix it
            continue
        if same:
            return (*steps[0], True) if steps else None
        steps.append((index, canonical_command(command)))
    return (*steps[0], False) if steps else None
