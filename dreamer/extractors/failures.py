"""Failures: tool results that failed (is_error, a non-zero exit code, or, for a result with no
label, its text: `dreamer.extractors.failure_text`), and errors a hook reported in the harness's
words (a PostToolUse hook's compile error in a `<system-reminder>`: the world answering too),
grouped across sessions by a normalized signature, each linked to what resolved it in the same
session. Refusals and cascades are set aside: neither failures nor successes.

The signature keeps what identifies a failure (the command, the error line) and strips what
varies between occurrences (`dreamer.extractors.signature`: paths, URLs, hosts, container
names, numbers, ids, hashes, quoted values), so the same failure seen in different folders on
different days groups together.
"""

from __future__ import annotations

import hashlib
import re
from dataclasses import dataclass
from typing import Any

from dreamer.extractors.failure_text import result_failed
from dreamer.extractors.signature import normalize
from dreamer.journal import Observation
from dreamer.observation import SessionView
from memory_graph.memory.vocabulary import MemoryKind
from memory_graph.store.content import capped, tool_result_text
from memory_graph.store.injection import reads_like_injection
from memory_graph.store.records import Block, Message, OriginReason

VERSION = "failures-8"
_ERROR_LINE = re.compile(
    r"(?i)(\b\w*(?:error|exception)\b|fatal:|\bnot found\b|\bno such\b|\brejected\b|"
    r"\bdenied\b|\bfailed\b|\bcannot\b|\bunable\b|\bHTTP [45]\d\d\b)"
)
_EXCEPTION_LINE = re.compile(r"^\s*(?:E\s+)?[\w.]*(?:Error|Exception)\b.*")
"""An exception line; pytest prefixes its own with `E`."""
_TRACEBACK = "Traceback (most recent call last):"
_ANNOUNCED_WITHIN = 80
"""How far below a line ending in a colon what it announces may start (blank lines between)."""
_EXCEPTION_RAISED = re.compile(r"[A-Za-z_][\w.]*(?::\s|:?$)")
"""What a traceback ends with: the exception's (dotted) class, then its message if any."""
_HOOK_HEADER = re.compile(r"(?m)^\s*(?P<event>[A-Z]\w*)(?::\S+)? hook\b[^\n:]*:[ \t]*")
"""How Claude Code heads a hook's output: `PostToolUse:Edit hook additional context: …`."""
_REMINDER_END = "</system-reminder>"
ERROR_LINE_CHARACTERS = 1_000
"""How much of the error line is kept: enough for a signature of 160 characters once paths and
quoted values are stripped. A longer line is a dumped value, and stripping costs the square of
a line that opens many brackets it never closes."""


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
    tail: the exception the last traceback raised first, else the last exception line, else
    the first line that reads like an error, else the first."""
    lines: list[tuple[str, int]] = []
    for position, part in capped(output):
        for line in part.splitlines(keepends=True):
            lines.append((line.rstrip("\n"), position))
            position += len(line)
    for pick in (
        _raised(lines)[-1:],
        [item for item in lines if _EXCEPTION_LINE.match(item[0])][-1:],
        [item for item in lines if _ERROR_LINE.search(item[0]) and not item[0].startswith("[")],
        [item for item in lines if item[0].strip() and not item[0].startswith("[")],
    ):
        if pick:
            text, start = _with_what_it_announces(output, lines, lines.index(pick[0]))
            text = text[:ERROR_LINE_CHARACTERS]
            return text.strip(), start, start + len(text)
    return "", 0, 0


def _with_what_it_announces(
    output: str, lines: list[tuple[str, int]], index: int
) -> tuple[str, int]:
    """A line that ends in a colon announces what went wrong on the next ("Encountered an
    error:", "error: the following files would be overwritten:"): the two and what is between
    them, as the output has them, when the next line follows closely."""
    text, start = lines[index]
    following = next((item for item in lines[index + 1 :] if item[0].strip()), None)
    if not text.rstrip().endswith(":") or following is None:
        return text, start
    if len(following[0].split()) == 1:
        return text, start  # a list of what it is about (files, names): they vary
    end = following[1] + len(following[0])
    if following[1] - (start + len(text)) > _ANNOUNCED_WITHIN:
        return text, start  # from the tail of a long output, or far below
    return output[start:end], start


def _raised(lines: list[tuple[str, int]]) -> list[tuple[str, int]]:
    """The line each Python traceback ends with, the exception raised, whatever its class is
    called (`AirflowSensorTimeout: …`, `KeyboardInterrupt`): the first line after the
    traceback's header that is not indented (its frames are)."""
    raised: list[tuple[str, int]] = []
    inside = False
    for item in lines:
        text = item[0]
        if text.strip() == _TRACEBACK:
            inside = True
        elif inside and _EXCEPTION_RAISED.match(text):
            # Shaped as an exception: not a frame, nor a line cut off where the output's head
            # and tail were joined, nor "During handling of the above exception…".
            raised.append(item)
            inside = False
    return raised


@dataclass(frozen=True)
class _Result:
    """A tool result with what the failure rules ask of the call that produced it."""

    index: int
    """The message it is in."""
    block: Block
    head: str
    failed: bool
    command: str | None
    """The command line the call ran, when it ran one."""


Fix = tuple[int, str, bool]
"""The message of the command that resolved a failure, the command, and whether the failing
command then passed (a repair) or never did (a workaround)."""


def _fingerprint(*parts: str) -> str:
    return hashlib.sha256("\x1f".join(parts).encode()).hexdigest()[:20]


def _hook_report(index: int, message: Message) -> _Result | None:
    """An error a hook reported in the harness's words, as a failed result of the hook (named by
    its event); None for hook context that reports none."""
    if message.origin_reason != OriginReason.HOOK_CONTEXT:
        return None
    header = _HOOK_HEADER.search(message.text)
    report = message.text[header.end() :] if header else message.text
    end = report.find(_REMINDER_END)
    report = report[:end] if end >= 0 else report
    reported = any(
        _EXCEPTION_LINE.match(line) or _ERROR_LINE.search(line)
        for _, part in capped(report)
        for line in part.splitlines()
    )
    if not reported:
        return None
    head = f"{header['event']} hook" if header else "hook"
    return _Result(index, {"type": "tool_result", "content": report}, head, True, None)


def _results(view: SessionView) -> list[_Result]:
    """The session's tool results in order, each with the call that produced it, and the errors
    hooks reported."""
    calls: dict[str, tuple[str, dict[str, Any]]] = {}
    results: list[_Result] = []
    for index, message in enumerate(view.messages):
        report = _hook_report(index, message)
        if report is not None:
            results.append(report)
        for block in message.content:
            if block.get("type") == "tool_use":
                arguments = block.get("input") if isinstance(block.get("input"), dict) else {}
                calls[str(block.get("id"))] = (str(block.get("name")), arguments or {})
            elif block.get("type") == "tool_result" and message.role == "tool":
                call = calls.get(str(block.get("tool_use_id")))
                failed = None if call is None else result_failed(block)
                # A refusal or a cascade is neither: it neither recurs nor resolves anything.
                if call is not None and failed is not None:
                    name, arguments = call
                    command = arguments.get("command")
                    results.append(
                        _Result(
                            index,
                            block,
                            command_head(name, arguments),
                            failed,
                            command if isinstance(command, str) else None,
                        )
                    )
    return results


def extract(view: SessionView) -> list[Observation]:
    """Failure and fix observations of one session (tool results and hooks' reports only: the
    world's answers)."""
    results = _results(view)
    outcomes = _outcomes(results)
    observations: list[Observation] = []
    for position, result in enumerate(results):
        if not result.failed:
            continue
        output = tool_result_text(result.block.get("content"))
        if reads_like_injection(output):
            continue  # output that tries to instruct the model is no evidence
        line, start, end = error_line(output)
        line = re.sub(r"^E\s+", "", line)  # pytest's marker, not part of the error
        if not line:
            continue
        head = result.head
        signature = f"{head}: {normalize(line)}"
        message = view.messages[result.index]
        # The message text holds the output as is, so the span locates the line in it.
        offset = max(0, message.text.find(output)) if output else 0
        failure = _fingerprint(MemoryKind.FAILURE, signature)
        fix, passed_next = outcomes[position]
        if fix is None and view.session.outcome == "success" and passed_next:
            # A slip put right on the spot (the same call passed at once, the session went
            # well): nothing recurs to learn from it, and counting it buries what hurt.
            continue
        observations.append(
            Observation(
                failure,
                MemoryKind.FAILURE,
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
                    _fingerprint(MemoryKind.FIX, signature, fix_key(fix_command)),
                    MemoryKind.FIX,
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


def _outcomes(results: list[_Result]) -> dict[int, tuple[Fix | None, bool]]:
    """For each failed result (by position): what resolved it, and whether the same call passed
    when it was next made.

    What resolved a failure: the commands that succeeded before the same command passed (a
    repair), or, when it never passed, the next command that succeeded instead (a workaround);
    the same command failing again means what came before it fixed nothing, so the failure is
    resolved as that later one is. One pass from the end, keeping the next result of each call
    and the next command that succeeded: a session of many failures costs its length, not the
    square of it."""
    outcomes: dict[int, tuple[Fix | None, bool]] = {}
    next_of_call: dict[str, _Result] = {}
    next_command_of_call: dict[str, int] = {}
    next_success: tuple[int, int, str] | None = None  # position, message, command
    for position in range(len(results) - 1, -1, -1):
        result = results[position]
        if result.failed:
            again = next_command_of_call.get(result.head)
            fix: Fix | None
            if again is not None and results[again].failed:
                fix = outcomes[again][0]
            elif next_success is None or next_success[0] == again:
                fix = None
            else:
                _, index, command = next_success
                fix = (index, command, again is not None)
            passed_next = result.head in next_of_call and not next_of_call[result.head].failed
            outcomes[position] = fix, passed_next
        next_of_call[result.head] = result
        if result.command is not None:
            next_command_of_call[result.head] = position
            if not result.failed:
                next_success = (position, result.index, canonical_command(result.command))
    return outcomes
