"""Secrets never reach a proposal: API keys, tokens, passwords in URLs, private key blocks."""

from __future__ import annotations

import functools
import re

_SETTING_NAME = r"\w*(?:password|passwd|secret|token|api_?key)"
"""A setting that holds a secret: `password`, `DB_PASSWORD`, `client_secret`, `GITHUB_TOKEN`."""

_PATTERNS: tuple[tuple[str, re.Pattern[str]], ...] = (
    (
        # A block cut short (a tool's output truncated mid-key) is a secret to its end.
        "private key",
        re.compile(
            r"-----BEGIN [A-Z ]*PRIVATE KEY-----(?:.*?-----END [A-Z ]*PRIVATE KEY-----|.*)", re.S
        ),
    ),
    ("anthropic key", re.compile(r"\bsk-ant-[A-Za-z0-9_\-]{10,}")),
    ("openai key", re.compile(r"\bsk-(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{20,}")),
    ("aws key", re.compile(r"\b(?:AKIA|ASIA)[A-Z0-9]{16}\b")),
    (
        "aws secret",
        re.compile(r"(?i)(aws_secret_access_key[\"']?\s*[=:]\s*[\"']?)[A-Za-z0-9/+=]{30,}"),
    ),
    ("github token", re.compile(r"\b(?:gh[pousr]_[A-Za-z0-9]{20,}|github_pat_[A-Za-z0-9_]{20,})")),
    ("slack token", re.compile(r"\bxox[abposr]-[A-Za-z0-9-]{10,}")),
    ("google key", re.compile(r"\bAIza[0-9A-Za-z_\-]{35}")),
    ("json web token", re.compile(r"\beyJ[A-Za-z0-9_\-]{8,}\.eyJ[A-Za-z0-9_\-]{8,}\.[\w\-]{8,}")),
    ("bearer token", re.compile(r"(?i)(bearer\s+)[A-Za-z0-9._\-+/=]{16,}")),
    ("basic credentials", re.compile(r"(?i)(authorization:\s*basic\s+)[A-Za-z0-9+/=]{8,}")),
    ("password", re.compile(r"(?i)(://[^\s:/@]+:)[^\s@/]+(@)")),
    (
        "secret setting",
        # Not a value another pattern has masked already ("GITHUB_TOKEN=ghp_…"); a quoted
        # value is masked to its closing quote, spaces and all.
        re.compile(
            rf"(?i)\b({_SETTING_NAME}[\"']?\s*[=:]\s*[\"']?)(?!\[redacted)"
            r"(?:(?<=\")[^\"\n]{6,}(?=\")|(?<=')[^'\n]{6,}(?=')|[^\s\"',;]{6,})"
        ),
    ),
)


def redact(text: str) -> str:
    """`text` with every secret replaced by `[redacted <kind>]`."""
    for kind, pattern in _PATTERNS:
        text = pattern.sub(functools.partial(_mask, kind=kind), text)
    return text


def secret_spans(text: str) -> list[tuple[int, int]]:
    """Where secrets lie in `text`: a slice of it must take each whole or not at all, or a
    window cut through one would show the part the patterns no longer recognise."""
    return [match.span() for _, pattern in _PATTERNS for match in pattern.finditer(text)]


def _mask(match: re.Match[str], kind: str) -> str:
    # Patterns with a prefix group keep it ("Bearer ", "https://user:") and mask the rest.
    groups = match.groups()
    if len(groups) == 2:
        return f"{groups[0]}[redacted {kind}]{groups[1]}"
    if len(groups) == 1:
        return f"{groups[0]}[redacted {kind}]"
    return f"[redacted {kind}]"
