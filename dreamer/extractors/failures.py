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
from memory_graph.store.records import Block, Message, MessageOrigin, OriginReason

VERSION = "failures-9"
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


def _last_step_raw(command: str) -> str:
    """The step of a command line that ran last, as written (redirections included)."""
    return re.split(r"&&|\|\||;", command)[-1]


def _last_step(command: str) -> str:
    # `cd app && git push`: the step that ran last is the one that failed or passed; in a
    # pipeline (`pytest | tail`) the first command is the one doing the work.
    step = _last_step_raw(command)
    # The end of a quoted remote command (`ssh host "a; b"`) is no part of `b`; where its
    # output goes (`2>&1`, `> log.txt`) is no part of what it does.
    step = step.split("|", 1)[0].strip().strip("'\"")
    return _REDIRECTION.sub("", step).strip()


_REDIRECTION = re.compile(r"\s+(?:\d*>>?&?|<)\s*\S+")


_WRAPPERS = frozenset(["sudo", "doas", "nohup", "time", "nice", "env"])
"""Programs that run the command after them: `sudo restic backup` is `restic backup`."""
_WRAPPER_VALUES = frozenset(["-u", "-g", "-n", "-C", "-h", "-p", "-U"])
"""A wrapper's options that take a value (`sudo -u postgres psql`, `nice -n 10 make`)."""
_SSH_VALUES = frozenset("bcDEeFIiJLlmOopQRSWw")
"""ssh's options that take a value, before the host."""


def _unwrapped(words: list[str]) -> list[str]:
    """The command a wrapper runs (`sudo`, `env A=1`, `nice -n 5`), and the command `ssh host`
    runs on the other machine: what failed or passed is that, wherever it ran."""
    while words:
        program = words[0].rsplit("/", 1)[-1]
        if program in _WRAPPERS:
            rest = words[1:]
            while rest and (rest[0].startswith("-") or "=" in rest[0]):
                takes_value = rest[0] in _WRAPPER_VALUES
                rest = rest[2:] if takes_value else rest[1:]
        elif program == "ssh":
            rest = words[1:]
            while rest and rest[0].startswith("-"):
                takes_value = len(rest[0]) == 2 and rest[0][1] in _SSH_VALUES
                rest = rest[2:] if takes_value else rest[1:]
            rest = " ".join(rest[1:]).strip("'\"").split()
        else:
            return words
        if not rest:
            return words  # a bare `sudo -i` or an interactive `ssh host` runs nothing named
        words = rest
    return words


def canonical_command(command: str) -> str:
    """A command as it recurs: its last step, unwrapped (`sudo`, `ssh host`), the program
    without its folder, `python -m pip` as `pip`, whitespace folded."""
    words = _unwrapped(_last_step(command).split())
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
    """What was run, in one or two words (`pytest`, `git push`), or the tool's name. Any tool
    given a command line runs one, whatever the harness calls it (`Bash`, `run_command`,
    `shell`, `exec`)."""
    command = arguments.get("command")
    if isinstance(command, str) and command.strip():
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


_SHORT_VALUES = frozenset("cfruopigentdCDFHIRSTU")
"""Short options that commonly take a value (`-C dir`, `-r repo`, `-u user`, `-f file`);
others (`-v`, `-q`, `-x`) are flags."""


def _takes_value(option: str) -> bool:
    if option.startswith("--"):
        return "=" not in option
    return len(option) == 2 and option[0] == "-" and option[1] in _SHORT_VALUES


def _program(words: list[str]) -> list[str]:
    """The program and its subcommand, when one reads like it (`git push`, `shopctl auth`, `make
    test`): a bare lowercase word, not a file, a flag or a number, after the program or after
    its global options (`restic -r sftp:host:/repo unlock`, `git -C app push`)."""
    if len(words) < 2 or words[0] in _TAKES_TARGETS:
        return words[:1]
    for index in range(1, len(words)):
        word, before = words[index], words[index - 1]
        if word.startswith("-"):
            continue
        # A word after an option that takes one is its value (`-C app`, `--outdir cv`), no
        # subcommand; `-v create` is a flag and a subcommand.
        value = _takes_value(before)
        if re.fullmatch(r"[a-z][a-z-]*", word) and not value:
            return [words[0], word]
        if not value:
            break  # a target: what follows is arguments
    return words[:1]


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


def fix_fingerprint(signature: str, key: str) -> str:
    """The pattern of a fix: what it resolved (the failure's signature) and what it ran."""
    return _fingerprint(MemoryKind.FIX, signature, key)


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
            elif (
                block.get("type") == "tool_result"
                and message.role == "tool"
                and message.origin is not MessageOrigin.RECALLED
            ):
                # Memory Reverie served an agent (`reverie mcp`) is no answer of the world.
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


@dataclass(frozen=True)
class _Error:
    """What a failed result says went wrong: its error line, the line's span in the output, and
    the failure's signature."""

    line: str
    start: int
    end: int
    signature: str


def _error(result: _Result) -> _Error | None:
    """The error of a failed result; None when its output says nothing usable or tries to
    instruct the model (no evidence then)."""
    output = tool_result_text(result.block.get("content"))
    if reads_like_injection(output):
        return None
    line, start, end = error_line(output)
    line = re.sub(r"^E\s+", "", line)  # pytest's marker, not part of the error
    if not line:
        return None
    # By program, not subcommand: `dbt run` and `dbt test` stopped by the same compilation
    # error, or `docker compose up` and `docker run` by the same port, are one failure.
    program = result.head.split()[0] if result.head.split() else result.head
    return _Error(line, start, end, f"{program}: {normalize(line)}")


def extract(view: SessionView) -> list[Observation]:
    """Failure and fix observations of one session (tool results and hooks' reports only: the
    world's answers)."""
    results = _results(view)
    errors = {
        position: error
        for position, result in enumerate(results)
        if result.failed and (error := _error(result)) is not None
    }
    outcomes = _outcomes(results, {position: e.signature for position, e in errors.items()})
    observations: list[Observation] = []
    for position, error in errors.items():
        result = results[position]
        head, line, signature = result.head, error.line, error.signature
        message = view.messages[result.index]
        # The message text holds the output as is, so the span locates the line in it.
        output = tool_result_text(result.block.get("content"))
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
                (offset + error.start, offset + error.end),
                {"signature": signature, "line": line, "head": head},
            )
        )
        if fix is not None:
            fix_index, fix_command, retried = fix
            fix_message = view.messages[fix_index]
            observations.append(
                Observation(
                    fix_fingerprint(signature, fix_key(fix_command)),
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


_INSPECTIONS = frozenset(
    [
        "cat", "head", "tail", "less", "more", "ls", "tree", "stat", "file", "wc", "find", "fd",
        "grep", "rg", "ag", "diff", "echo", "printf", "pwd", "whoami", "id", "hostname", "uname",
        "date", "uptime", "which", "whereis", "type", "ps", "pgrep", "pidof", "top", "free",
        "df", "du", "ss", "netstat", "lsof", "ping", "dig", "nslookup", "host", "journalctl",
        "dmesg", "git status", "git log", "git diff", "git show", "git branch", "docker ps",
        "docker logs", "docker inspect", "systemctl status", "systemctl is-active",
        "kubectl get", "kubectl describe", "kubectl logs",
    ]
)  # fmt: skip
"""Commands that look and change nothing: run between a failure and its end, they are how it
was diagnosed, never what resolved it."""


_WRITES = re.compile(r">>?\s*(?!/dev/null|&)\S")
"""Output sent into a file: `echo 'export PATH=…' >> ~/.bashrc` changes something."""


def _changes_something(command: str) -> bool:
    if _WRITES.search(_last_step_raw(command)):
        return True
    words = canonical_command(command).split()
    return bool(words) and words[0] not in _INSPECTIONS and " ".join(words[:2]) not in _INSPECTIONS


def _outcomes(
    results: list[_Result], signatures: dict[int, str]
) -> dict[int, tuple[Fix | None, bool]]:
    """For each failed result (by position): what resolved it, and whether the same call passed
    when it was next made.

    What resolved a failure: the last command that succeeded and changed something (not a look
    around: `_INSPECTIONS`) before the same command passed or failed otherwise (a repair:
    `dbt deps` ends the missing-package error even when the test it was run for then fails on
    data), or, when it never ran again, the first one after it (a workaround); the same command
    failing the same way again means what came before it fixed nothing, so the failure is
    resolved as that later one is. One pass from the end, keeping the next result of each call
    and the commands that succeeded after: a session of many failures costs about its length,
    not the square of it."""
    outcomes: dict[int, tuple[Fix | None, bool]] = {}
    next_of_call: dict[str, _Result] = {}
    next_command_of_call: dict[str, int] = {}
    # Positions of the successful commands that changed something, latest first.
    changes: list[int] = []
    for position in range(len(results) - 1, -1, -1):
        result = results[position]
        if result.failed:
            again = next_command_of_call.get(result.head)
            fix: Fix | None = None
            if (
                again is not None
                and results[again].failed
                and signatures.get(again) == signatures.get(position)
            ):
                fix = outcomes[again][0]
            else:
                # `changes` holds positions after this one; the fix is the last before `again`
                # (the nearest when nothing ran again).
                before = None
                if changes:
                    before = changes[-1] if again is None else _last_before(changes, again)
                if before is None and again is not None and _amended(result, results[again]):
                    before = again  # run again otherwise, it passed: `git push -u origin x`
                if before is not None:
                    command = canonical_command(str(results[before].command))
                    fix = (results[before].index, command, again is not None)
            passed_next = result.head in next_of_call and not next_of_call[result.head].failed
            outcomes[position] = fix, passed_next
        next_of_call[result.head] = result
        if result.command is not None:
            next_command_of_call[result.head] = position
            if not result.failed and _changes_something(result.command):
                changes.append(position)
    return outcomes


def _amended(failed: _Result, again: _Result) -> bool:
    """Whether the same call passed when made again with other flags (`git push -u origin
    main` after `git push`): the change of flags is what resolved it."""
    if again.failed or failed.command is None or again.command is None:
        return False
    return fix_key(again.command) != fix_key(failed.command)


def _last_before(changes: list[int], limit: int) -> int | None:
    """The latest of `changes` (positions, descending) below `limit`."""
    # Descending: the first index whose position is below the limit.
    low, high = 0, len(changes)
    while low < high:
        middle = (low + high) // 2
        if changes[middle] < limit:
            high = middle
        else:
            low = middle + 1
    return changes[low] if low < len(changes) else None
