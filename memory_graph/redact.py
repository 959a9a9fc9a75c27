"""Secrets never reach a proposal: API keys, tokens, passwords in URLs, private key blocks."""

from __future__ import annotations

import functools
import re

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        "private key",
        re.compile(r"-----BEGIN [A-Z ]*PRIVATE KEY-----.*?-----END [A-Z ]*PRIVATE KEY-----", re.S),
    ),
    ("anthropic key", re.compile(r"\bsk-ant-[A-Za-z0-9_\-]{10,}")),
    ("openai key", re.compile(r"\bsk-(?:proj-)?[A-Za-z0-9_\-]{20,}")),
    ("aws key", re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b")),
    ("aws secret", re.compile(r"(?i)(aws_secret_access_key\s*[=:]\s*)[A-Za-z0-9/+=]{30,}")),
    ("github token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})")),
    ("bearer token", re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._\-+/=]{16,}")),
    ("password", re.compile(r"(?i)(://[^\s:/@]+:)[^\s@/]+(@)")),
    (
        "secret setting",
        re.compile(r"(?i)\b((?:password|passwd|secret|token|api_key)\s*[=:]\s*)\S{6,}"),
    ),
)


def redact(text: str) -> str:
    """`text` with every secret replaced by `[redacted <kind>]`."""
    for kind, pattern in _PATTERNS:
        text = pattern.sub(functools.partial(_mask, kind=kind), text)
    return text


def _mask(match: re.Match[str], kind: str) -> str:
    # Patterns with a prefix group keep it ("Bearer ", "https://user:") and mask the rest.
    groups = match.groups()
    if len(groups) == 2:
        return f"{groups[0]}[redacted {kind}]{groups[1]}"
    if len(groups) == 1:
        return f"{groups[0]}[redacted {kind}]"
    return f"[redacted {kind}]"
