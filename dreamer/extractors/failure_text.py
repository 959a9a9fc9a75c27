"""Does a tool's output say it failed? A scored reading of the text alone, for tool results that
carry no label: an OpenAI-style chat log keeps only the tool message's text.

Each cue is a way programs say they failed: an exit status written out ("Exit code 1",
"returned non-zero exit status 128"), a traceback or an exception line, a line that opens with
`error:` or `fatal:`, `npm ERR!`, a panic, a segfault, "command not found", "No such file or
directory", "Permission denied", an HTTP status of 400 or more, FAILED and failure counts from
test runners and compilers, a JSON answer whose `error` is set. A cue has a weight; the score
is the sum over the distinct cues found, and a text at or above THRESHOLD reads as a failure.
A strong cue fires alone; a weak one ("cannot", "invalid", "timed out") only with another.
Negative cues lower the score: an exit status of 0, a passing test summary, "0 failed",
"Successfully installed".

What a tool read or listed is not what it said: lines of a numbered file listing, grep hits and
one-line commit logs are not read, and a phrase inside quotes (`log.error("Permission denied")`,
a README's "if you see `command not found`") is not a cue. Refusals (the person said no) and
cascades (a call cancelled because another failed) are set aside before anything is scored: they
are neither failures nor successes of their own.

A long output is read at its head and its tail, as the extractors read it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum
from typing import Final

from memory_graph.store.content import capped, tool_result_text
from memory_graph.store.records import Block

THRESHOLD: Final = 1.0
"""A score at or above it reads as a failure."""

_STRONG: Final = 1.0
"""Fires alone: "Traceback (most recent call last):", "fatal: not a git repository"."""
_WEAK: Final = 0.5
"""Fires only with another cue: "cannot", "invalid", "timed out"."""
TAIL_LINES: Final = 3
"""The last lines of an output, where weak cues are looked for."""


class Aside(StrEnum):
    """A tool result that is neither a failure nor a success of its own."""

    REFUSED = "refused"
    """The person declined the call: their decision, not the world failing."""
    CASCADE = "cascade"
    """Cancelled because another call made alongside it failed: that one is the failure."""


_REFUSAL = re.compile(
    r"(?i)^\s*(?:the user (?:doesn't|does not) want to (?:proceed|take this action)"
    r"|the user denied permission|permission to use \S+.{0,200}? has been denied"
    r"|\[request interrupted by user)"
)
_CASCADE = re.compile(
    r"(?i)^\s*(?:<tool_use_error>\s*)?(?:sibling tool call errored|cancelled: parallel tool call)"
)


def aside(text: str) -> Aside | None:
    """Whether a tool result is set aside: refused by the person, or cancelled in a cascade."""
    if _REFUSAL.match(text):
        return Aside.REFUSED
    if _CASCADE.match(text):
        return Aside.CASCADE
    return None


@dataclass(frozen=True, slots=True)
class _Cue:
    label: str
    weight: float
    anchors: tuple[str, ...]
    """Lower-case words one of which every match holds: the pattern is tried only where one
    occurs (a substring search), so a short answer costs a few look-ups, not forty scans."""
    pattern: re.Pattern[str]
    quotable: bool = False
    """A phrase that may be quoted rather than said: not a cue inside quotes."""
    tail: bool = False
    """Read only in the last lines, where a failure is reported: a weak word in the middle of
    a document or a listing says nothing of how the call went."""


def _cue(
    label: str,
    weight: float,
    anchors: str,
    pattern: str,
    *,
    quotable: bool = False,
    tail: bool = False,
) -> _Cue:
    """A cue; its `anchors` separated by `|`."""
    compiled = re.compile(pattern, re.MULTILINE)
    return _Cue(label, weight, tuple(anchors.split("|")), compiled, quotable, tail)


_EXIT_NUMBER = (
    r"(?i)(?:^\W{0,2}exit (?:code|status):?|\bexit(?:ed)? with (?:non-?zero )?(?:exit )?"
    r"(?:code|status)|\b(?:returned|completed|terminated|finished|failed) with (?:exit )?"
    r"(?:code|status)|\bexit code:|\bnon-?zero exit (?:code|status))[ \t]*"
)
"""An exit status written out, up to its number: "Exit code 1", "[exit code 2]", "exited with
code 137", "returned non-zero exit status 128", "completed with exit code 1"."""
_INABILITY = "cannot|can't|could not|couldn't|unable to|failed to"

_CUES: Final[tuple[_Cue, ...]] = (
    # Exit statuses: what a shell or a runner says of the command.
    _cue("exit status", 2.0, "code|status", _EXIT_NUMBER + r"-?0*[1-9]\d*\b"),
    _cue(
        "exit status",
        2.0,
        "exit status|error code",
        r"(?i)\breturned [1-9]\d* exit status\b|\bexited with error code\b",
    ),
    _cue("exit status 0", -2.0, "code|status", _EXIT_NUMBER + r"0\b"),
    # Tracebacks and exceptions.
    _cue("traceback", 1.5, "traceback", r"^\s*Traceback \(most recent call last\):"),
    _cue(
        "exception line",
        _STRONG,
        "error|exception|failure",
        r"^(?:E\s+)?(?:[a-z_]\w*\.)*(?:[A-Z]\w*)?(?:Error|Exception|Failure)(?::|$)",
    ),
    _cue(
        "exception",
        _STRONG,
        "exception in thread|unhandledpromiserejection|error)|exception)",
        r'^Exception in thread "|\bUnhandledPromiseRejection|\((?:[A-Z]\w*)?(?:Error|Exception)\)$',
    ),
    _cue(
        "stack frame",
        _WEAK,
        "at |throw ",
        r"^\s+at [\w$.<>\[\] ]+\(\S+:\d+(?::\d+)?\)$|^\s+throw \w+;",
    ),
    _cue("pytest detail", _STRONG, "e   ", r"^E {3,}\S"),
    # A line that says it is an error, as programs print them.
    _cue(
        "error line",
        _STRONG,
        "error",
        r"^\W{0,3}(?:#\d+ (?:[\d.]+ )?)?(?:[\w.-]+[: ] ?)?(?:error|Error|ERROR)(?:\[\w+\])?:"
        r"|^(?:error|ERROR) \S|^\W{0,3}\[ERROR\]|\bError response from daemon\b"
        r"|^Error from server\b|^[\w./-]+:\s+error \w",
    ),
    _cue("fatal", _STRONG, "fatal", r"^(?:[\w.-]+: )?(?:fatal|FATAL|Fatal)\b|(?i:\bfatal error\b)"),
    _cue(
        "package manager",
        _STRONG,
        "npm |err_pnpm|e: ",
        r"^npm (?:ERR!|error)\s|^\s*ERR_PNPM_\w+|^E: \S",
    ),
    _cue(
        "compiler",
        _STRONG,
        "error|.go:",
        r"^\S+?(?::\d+){1,2}:? (?:- )?(?:fatal )?error\b|\): error [A-Z]+\d+:|^\S+\.go:\d+:\d+: ",
    ),
    _cue(
        "panic", _STRONG, "panic|goroutine", r"^panic: |\bpanicked at\b|^goroutine \d+ \[running\]"
    ),
    _cue(
        "crash",
        _STRONG,
        "segmentation|core dumped|sigsegv|killed|aborted",
        r"(?i)\bsegmentation fault\b|\bcore dumped\b|\bSIGSEGV\b|^Killed\s*$|^Aborted\b",
    ),
    _cue("tool error", _STRONG, "<tool_use_error>", r"<tool_use_error>"),
    _cue("make", _STRONG, "***", r"^make(?:\[\d+\])?: \*\*\*|\*\*\* .*\bStop\.$"),
    _cue("merge conflict", _STRONG, "conflict (", r"^CONFLICT \("),
    # What went wrong, in the words programs use for it.
    _cue(
        "not found",
        _STRONG,
        "not found",
        r"\bcommand not found\b|^\S+: \d+: \S+: not found$",
        quotable=True,
    ),
    _cue(
        "no such file",
        _STRONG,
        "no such file",
        r"(?i)\bno such file or directory\b",
        quotable=True,
    ),
    _cue(
        "permission",
        _STRONG,
        "permission|not permitted|access denied",
        r"(?i)\bpermission[ _]denied\b|\boperation not permitted\b|\baccess denied\b",
        quotable=True,
    ),
    _cue(
        "network",
        _STRONG,
        "connect|resolve|name or service|no route|name resolution|econnrefused|etimedout"
        "|eaddrinuse|address already|nxdomain|was refused|no space|quota",
        r"(?i)\bconnection (?:refused|timed out|reset)\b|\bcould not resolve host\b"
        r"|\bcouldn't connect to server\b|\bname or service not known\b|\bno route to host\b"
        r"|\btemporary failure in name resolution\b|\bE(?:CONNREFUSED|TIMEDOUT|ADDRINUSE)\b"
        r"|\baddress already in use\b|\bNXDOMAIN\b|\bwas refused\b"
        r"|\bno space left on device\b|\bdisk quota exceeded\b",
        quotable=True,
    ),
    _cue(
        "http status",
        _STRONG,
        "http|error|status|not found|bad request|unauthorized|forbidden|server error"
        "|bad gateway|unavailable|gateway time|conflict|too many|not allowed|unprocessable"
        "|payment required|gone",
        r"\bHTTP/\d(?:\.\d)? [45]\d\d\b|(?i:\b(?:HTTP|error|status(?: code)?):? [45]\d\d\b)"
        r"|\b[45]\d\d (?:Not Found|Bad Request|Unauthorized|Forbidden|Internal Server Error"
        r"|Bad Gateway|Service Unavailable|Gateway Time-?out|Conflict|Too Many Requests"
        r"|Method Not Allowed|Unprocessable (?:Entity|Content)|Payment Required|Gone)\b",
        quotable=True,
    ),
    _cue("http status", _STRONG, "curl: (", r"^curl: \(\d+\)"),
    _cue(
        "error answer",
        _STRONG,
        "error|success|ok|status",
        r"""["'](?:error|error_message|errorMessage)["']\s*:\s*+(?!null\b|None\b|false\b"""
        r"""|\[\s*\]|\{\s*\}|""|'')"""
        r"""|["'](?:success|ok)["']\s*:\s*(?:false|False)\b"""
        r"""|["']status["']\s*:\s*["'](?:error|fail|failed|failure)["']""",
    ),
    # Test runners, hooks and compilers saying what failed, or how many.
    _cue(
        "failed",
        _STRONG,
        "fail|error",
        r"\bFAIL(?:ED|URE)?\b|(?i:\bfail(?:ed|ure)(?::|[.!]?$)|\bbuild failed\b)"
        r"|(?<![\w:.])[1-9]\d* (?i:failed|failures?|errors?)"
        r"\b(?! (?:handled|ignored|skipped|expected|retried|recovered))",
    ),
    _cue("hook failed", 2.0, "failed", r"\.{3,} ?Failed$"),
    _cue(
        "cannot",
        _STRONG,
        f"{_INABILITY}|timed out",
        rf"(?i)^(?:[\w./-]+:\s+)?(?:{_INABILITY}) \w"
        r"|^(?:Command |Process |Request )?timed out\b|\btimed out after\b",
    ),
    _cue(
        "invalid",
        _STRONG,
        "invalid|unknown|unsupported|unrecognized|missing|bad",
        r"^(?:Invalid|Unknown|Unsupported|Unrecognized|Missing|Bad)\b[^\n:]{0,40}:(?! *\d)",
    ),
    # Weak words: trouble, said in passing.
    _cue(
        "inability",
        _WEAK,
        f"{_INABILITY}|not able to",
        rf"(?i)\b(?:{_INABILITY}|not able to)\b",
        quotable=True,
        tail=True,
    ),
    _cue(
        "trouble",
        _WEAK,
        "not found|not exist|n't exist|not available|not allowed|invalid|not authori|refused"
        "|rejected|expired|time|unreachable|unavailable|not enough|insufficient|exceeded"
        "|abort|fail",
        r"(?i)\b(?:not found|does not exist|doesn't exist|not available|not allowed|invalid"
        r"|not authori[sz]ed|refused|rejected|expired|timed? ?out|unreachable|unavailable"
        r"|not enough|insufficient|exceeded|aborting|aborted|fail(?:s|ed|ure)?)\b",
        quotable=True,
        tail=True,
    ),
    # What a run that went well says.
    _cue(
        "passing tests",
        -1.5,
        "passed|test result: ok|ok|0 failures|pass",
        r"^=+ (?!.*\b(?:failed|errors?)\b).*\b\d+ passed\b|^test result: ok\."
        r"|^ok\s+\S+\s+[\d.]+s$|^OK(?: \([^)]*\))?\s*$|\b\d+ tests?, 0 failures\b"
        r"|^Tests:\s+(?!.*failed)\d+ passed|^PASS\s",
    ),
    _cue(
        "nothing failed",
        -1.0,
        "0 fail|0 error|0 problem",
        r"(?i)\b0 (?:failed|failures|errors|problems)\b",
    ),
    _cue(
        "success",
        -1.0,
        "success|all checks passed|all done|build complete|found|up-to-date|nothing to commit",
        r"(?i)^(?:success\b|successfully\b|all checks passed|all done!|build complete"
        r"|no (?:issues|errors|problems|broken requirements) found|found 0 "
        r"|everything up-to-date|nothing to commit)|\b(?:compiled|built|installed|tagged|rebased"
        r"|rolled out|updated|deployed) successfully\b|\bsuccessfully (?:built|tagged|installed"
        r"|rebased|rolled out|updated|deployed)\b",
    ),
)

_LISTING = re.compile(
    r"^(?:\s*\d+(?:→|\t)|[^\s:]+[:-]\d+[:-](?!\d+:|in\b| ?\*\*\*| ?(?:- )?(?:fatal )?error\b)"
    r"|[0-9a-f]{7,40} )"
)
"""A line of something the tool read or listed: a numbered file line (Claude Code's `Read`,
`cat -n`), a grep hit (`path:12:…`, not a compiler's `path:12:5: error:`), a commit of
`git log --oneline`."""
_QUOTES = "\"'`“”‘’"
_CONTRACTION = re.compile(r"(?<=[A-Za-z])'(?=[A-Za-z])")
"""The apostrophe of "can't", no quote."""


def _said(text: str) -> list[str]:
    """The lines of a tool's output that it said, not what it read: listing lines left out."""
    return [
        line for _, part in capped(text) for line in part.splitlines() if not _LISTING.match(line)
    ]


def _quoted(line: str, position: int) -> bool:
    """Whether `position` is inside quotes: an odd number of quotes before it on its line."""
    before = _CONTRACTION.sub("", line[:position])
    return sum(before.count(quote) for quote in _QUOTES) % 2 == 1


class _Lines:
    """Lines to look for cues in, with their lower case: a cue's pattern is tried only on the
    lines that hold one of its anchors (every cue is a pattern of one line)."""

    def __init__(self, lines: list[str]) -> None:
        self.lines = lines
        self.folded = [line.lower() for line in lines]
        self.whole = "\n".join(self.folded)

    def hold(self, cue: _Cue) -> bool:
        """Whether one of the lines holds the cue."""
        if not any(anchor in self.whole for anchor in cue.anchors):
            return False
        for line, folded in zip(self.lines, self.folded, strict=True):
            if any(anchor in folded for anchor in cue.anchors):
                for match in cue.pattern.finditer(line):
                    if not (cue.quotable and _quoted(line, match.start())):
                        return True
        return False


@dataclass(frozen=True, slots=True)
class Reading:
    """The score of a tool's output and the cues behind it."""

    score: float
    cues: tuple[str, ...]

    @property
    def failed(self) -> bool:
        """Whether the output reads as a failure."""
        return self.score >= THRESHOLD


def read(text: str) -> Reading:
    """The score of a tool's output and the labels of the cues found in it (a label counts
    once, at its largest weight)."""
    said = _said(text)
    tail = [line for line in said if line.strip()][-TAIL_LINES:]
    lines = {False: _Lines(said), True: _Lines(tail)}
    weights: dict[str, float] = {}
    for cue in _CUES:
        if lines[cue.tail].hold(cue):
            earlier = weights.get(cue.label)
            if earlier is None or abs(cue.weight) > abs(earlier):
                weights[cue.label] = cue.weight
    return Reading(round(sum(weights.values()), 3), tuple(sorted(weights)))


def result_failed(block: Block) -> bool | None:
    """Whether a tool result failed: by its own label when it carries one (`is_error`, an
    `exit_code`), else by its text; None when it is set aside (a refusal, a cascade), whatever
    its label says."""
    text = tool_result_text(block.get("content"))
    if aside(text) is not None:
        return None
    code = block.get("exit_code")
    if block.get("is_error") is not None or isinstance(code, int):
        return bool(block.get("is_error")) or (isinstance(code, int) and code != 0)
    return read(text).failed
