"""Secrets never reach a proposal, a memory, an excerpt, an export or a model.

Three nets, each wider than the last: the forms secrets are known to take (keys by their
prefix, credentials in headers, URLs and command lines, private key blocks); any value a
credential word labels, in a setting or a sentence (`DB_PASSWORD=…`, `token: …`, "the wifi
password is …", "my PIN's …"), whatever the value looks like; and any token random enough to
be a key, whatever its form, which hashes, uuids, paths, identifiers and typed ids are not.

Every rule is a regular expression without nested ambiguity, so the time taken is linear in
the text; patterns start with a literal where they can, which Python's `re` scans for quickly,
and a rule whose literal the text does not hold is not run at all.
"""

from __future__ import annotations

import functools
import itertools
import math
import re
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass
from typing import NamedTuple


class _Found(NamedTuple):
    start: int
    end: int
    """The whole match, label included: a slice of the text takes it whole or not at all."""
    secret_start: int
    secret_end: int
    """The part masked; a label (`Bearer `, `password: `, `https://user:`) stays."""
    kind: str


@dataclass(frozen=True, kw_only=True)
class _Rule:
    kind: str
    source: str
    """The rule's regular expression; see `pattern`."""
    hints: tuple[str, ...]
    """Literals one of which the text holds wherever the pattern matches: a test far cheaper
    than the pattern, which most texts fail. Empty: every text is searched."""
    lowered: bool = False
    """Matched against the text in lower case: case-blind without `(?i)`, which would cost
    the fast scan for the pattern's leading literal."""

    @functools.cached_property
    def pattern(self) -> re.Pattern[str]:
        """`source` compiled, on first use: compiling every rule takes tens of milliseconds,
        which importing this module (on the TUI's first-frame path) should not pay. Masks its
        group `secret` if it has one, else the whole match."""
        return re.compile(self.source)

    def applies(self, text: str, lowered: str) -> bool:
        """Whether the text holds one of the hints."""
        source = lowered if self.lowered else text
        return not self.hints or any(hint in source for hint in self.hints)

    def find(self, text: str, lowered: str) -> Iterator[_Found]:
        """The secrets of the text, given it and the same text in ASCII lower case."""
        masked = "secret" if "secret" in self.pattern.groupindex else 0
        for match in self.pattern.finditer(lowered if self.lowered else text):
            yield _Found(*match.span(), *match.span(masked), self.kind)


def _alone(literal: str, before: str = r"[\w-]") -> str:
    """`literal` where no `before` character precedes it. `\\b` in front would cost the fast
    scan for the literal; a look-behind after it does not."""
    return rf"{re.escape(literal)}(?<!{before}{re.escape(literal)})"


def _known(kind: str, pattern: str, *hints: str, lowered: bool = False) -> _Rule:
    return _Rule(kind=kind, source=pattern, hints=hints, lowered=lowered)


_KNOWN = (
    # A block cut short (a tool's output truncated mid-key) is a secret to its end.
    _known(
        "private key",
        r"(?s)-----BEGIN [A-Z ]*PRIVATE KEY-----(?:.*?-----END [A-Z ]*PRIVATE KEY-----|.*)",
        "-----BEGIN ",
    ),
    _known("anthropic key", rf"{_alone('sk-ant-')}[A-Za-z0-9_\-]{{10,}}", "sk-ant-"),
    _known("openai key", rf"{_alone('sk-')}(?:proj-|svcacct-|admin-)?[A-Za-z0-9_\-]{{20,}}", "sk-"),
    _known(
        "stripe key",
        r"(?:[sr]k_(?:live|test)|whsec)_[A-Za-z0-9]{10,}",
        "k_live_",
        "k_test_",
        "whsec_",
    ),
    _known("aws key", r"(?:AKIA|ASIA)[A-Z0-9]{16}\b", "AKIA", "ASIA"),
    _known(
        "github token",
        rf"{_alone('gh')}(?:[pousr]_[A-Za-z0-9]{{20,}}|ithub_pat_[A-Za-z0-9_]{{20,}})",
        "gh",
    ),
    _known("slack token", rf"{_alone('xox')}[abposr]-[A-Za-z0-9-]{{10,}}", "xox"),
    _known(
        "slack webhook",
        r"hooks\.slack\.com/(?P<secret>(?:services|workflows|triggers)/[\w/\-]+)",
        "hooks.slack.com/",
    ),
    _known("google key", rf"{_alone('AIza')}[0-9A-Za-z_\-]{{35}}", "AIza"),
    _known(
        "json web token",
        rf"{_alone('eyJ')}[A-Za-z0-9_\-]{{8,}}\.eyJ[A-Za-z0-9_\-]{{8,}}\.[\w\-]{{8,}}",
        "eyJ",
    ),
    _known("bearer token", r"bearer\s+(?P<secret>[a-z0-9._\-+/=]{16,})", "bearer", lowered=True),
    _known(
        "basic credentials",
        r"authorization:\s*basic\s+(?P<secret>[a-z0-9+/=]{8,})",
        "authorization:",
        lowered=True,
    ),
    # The user may be empty (`https://:token@host`); a token that is the user alone is caught
    # by its randomness.
    _known("password", r"://[^\s:/@]*:(?P<secret>(?!\[redacted)[^\s@/]+)@", "://"),
)


@dataclass(frozen=True, kw_only=True)
class _CommandRule(_Rule):
    """A password passed as an option no credential word labels (`mysql -pS3cret`). The
    pattern is the command and the rest of its part of the line (up to `;`, `&`, `|`), so
    that each character is read once whatever the line holds."""

    option: str
    """The option's regular expression; compiled on first use, like `pattern`."""

    @functools.cached_property
    def option_pattern(self) -> re.Pattern[str]:
        return re.compile(self.option)

    def find(self, text: str, lowered: str) -> Iterator[_Found]:
        for command in self.pattern.finditer(text):
            for match in self.option_pattern.finditer(text, *command.span("arguments")):
                # From the command on: `-pS3cret` alone is no password a window could show.
                yield _Found(command.start(), match.end(), *match.span("secret"), self.kind)


def _command(command: str, option: str) -> _CommandRule:
    return _CommandRule(
        kind="password",
        source=rf"{_alone(command)}[\w.\-]*(?P<arguments>[^\n;&|]*)",
        hints=(command,),
        option=option,
    )


_OPTION_VALUE = r"""(?P<secret>(?!\[redacted)(?:'[^'\n]*'|"[^"\n]*"|[^\s'"]+))"""
_COMMANDS = (
    # mysql, mysqldump, mysqladmin, mariadb…: `-p` takes the password attached (`-p` alone asks).
    _command("mysql", rf"(?<!\S)-p{_OPTION_VALUE}"),
    _command("mariadb", rf"(?<!\S)-p{_OPTION_VALUE}"),
    _command("sshpass", rf"(?<!\S)-p[ \t]*{_OPTION_VALUE}"),
    _command("curl", rf"""(?<!\S)(?:-u|--user)(?:[ \t]*|=)['"]?[^\s:'"]+:{_OPTION_VALUE}"""),
)

_CREDENTIAL_WORDS: tuple[tuple[str, str, str], ...] = (
    ("password", "pass", r"pass(?:word|wd|phrase|code)"),
    ("pin", "pin", rf"{_alone('pin', '[a-z0-9]')}(?:[ _-]?(?:code|number))?"),
    ("secret", "secret", r"secret(?:[ _-]?key)?"),
    ("token", "token", r"token"),
    ("api key", "api", r"api[ _-]?key"),
    ("access key", "access", r"access[ _-]?key"),
    ("private key", "private", r"private[ _-]?key"),
    ("credentials", "credential", r"credentials?"),
    ("code", "code", _alone("code", "[a-z0-9]")),
)
"""A credential word (its kind, a literal it holds, its pattern) ends a setting's name
(`DB_PASSWORD`, `client_secret`, `x-api-key`) or a phrase's noun ("my wifi password", "the API
key", "my PIN", "the code to the door")."""

# What the credential opens: "…for the office wifi", "…to my laptop".
_OPENS = (
    r"(?P<opens>[ \t]+(?:for|to|of|on)[ \t]+(?:(?:the|my|our|your|this|that)[ \t]+)?"
    r"[\w.'\-]+(?:[ \t]+[\w.'\-]+)?)?"
)
_QUOTE = r"""(?:\\?["'])?"""
_UNMASKED = r"""(?!(?:\\?["'])?\[redacted)"""
"""Not a value masked already: redacting twice changes nothing."""
_QUOTED = r"""(?<=")[^"\n]+?(?=\\?")|(?<=')[^'\n]+?(?=\\?')"""
_CLAUSE_WORD = r"[^\s,;.!?\\]+(?:[.,;!?]+[^\s,;.!?\\]+)*"
_LABELLED_VALUE = (
    # A setting (`password: …`, `"token": "…"`, `secret=…`): its value, whatever it is.
    rf"""{_QUOTE}[ \t]*[:=]>?[ \t]*{_UNMASKED}{_QUOTE}"""
    rf"""(?P<setting>{_QUOTED}|[^\s"',;&=][^\s"',;&\\]*)"""
    # A sentence ("… is X", "…'s X"): its value, up to six words of the clause.
    r"""|(?:(?P<s>['’]s)|[ \t]+(?:is|was|are)"""
    # Atomic: "is now [redacted …]" must not be read again as the value "now".
    r"""(?>(?:[ \t]+(?:now|still|just|actually|currently))?))"""
    rf"""[ \t]+{_UNMASKED}{_QUOTE}(?P<sentence>{_QUOTED}|{_CLAUSE_WORD}"""
    rf"""(?:[ \t]+(?!(?:and|but|or|so|because|which|if|when|while)\b){_CLAUSE_WORD}){{0,5}})"""
    # A word right after the label: an option's (`--password hunter2`), "PIN 4821".
    r"""|[ \t]+(?P<word>[a-z0-9][^\s"',;&\\]*)"""
)
_FORMS = ("setting", "sentence", "word")

# What follows "the password is" when the sentence is about the password, not giving it.
_PREPOSITIONS = frozenset(
    "after at before by for from in into of on since to until with within without".split()  # noqa: SIM905 - words read better as text
)
_FUNCTION_WORDS = _PREPOSITIONS | frozenset(
    """a an the not no never that this what how there here your my our their his her its it
    as like than then every each all any some one""".split()  # noqa: SIM905 - as above
)
_DESCRIPTIONS = frozenset(
    """stored saved kept set unset required needed wrong incorrect invalid correct right
    expired missing empty blank changed reset same different weak strong too very case
    hashed encrypted hidden masked redacted visible secret private public only also still now
    just always usually probably being generated rotated revoked valid available present used
    sent shown printed logged leaked exposed compromised long short ok okay fine good bad
    null none nil undefined true false managed handled read passed given asked requested
    prompted again yet anymore enough more less one-time short-lived long-lived temporary
    permanent optional mandatory unique random opaque signed sensitive stale fresh new old
    active inactive enabled disabled scoped static""".split()  # noqa: SIM905 - as above
)
_EXPRESSION = re.compile(r"\$|[A-Za-z_][\w.]*\(")
"""A variable (`$TOKEN`, `${TOKEN}`) or a call (`mint(id)`): code, not a value."""
_LOOKS_LIKE_A_VALUE = re.compile(r"[0-9]|[^\w\s'’-]|[A-Z]{2}|[a-z][A-Z]")
"""Not a plain word: "password manager" names a thing, "passwd hunter2" gives one."""
_OPTION = re.compile(r"(?<![\w-])--?[\w-]*$")
"""A command's option, the label its end (`--password`, `-passphrase`, `--db-token`); not a
name with a dash in it (`x-api-key header`)."""
_DOOR = re.compile(
    r"(?:door|gate|alarm|lock|garage|safe|entry|entrance|access|building|wifi|security|"
    r"keypad|lockbox|padlock)[ _-]?$"
)
"""What a code opens, named before it ("the gate code")."""


@dataclass(frozen=True, kw_only=True)
class _LabelledRule(_Rule):
    """The value a credential word labels. Named groups cannot repeat, so each form of the
    value has its own (`setting`, `sentence`, `word`)."""

    def find(self, text: str, lowered: str) -> Iterator[_Found]:
        for match in self.pattern.finditer(lowered):
            form = next(name for name in _FORMS if match.group(name) is not None)
            start, end = match.span(form)
            option = _before(_OPTION, match)
            door = _before(_DOOR, match) if self.kind == "code" else None
            if self.kind == "code" and door is None and match.group("opens") is None:
                continue  # an exit code, a status code, a program's code
            if self._holds_a_value(match, form, text[start:end], option is not None):
                # What made it a secret is part of it: a window must not leave it out.
                begin = min(at for at in (match.start(), option, door) if at is not None)
                yield _Found(begin, match.end(), start, end, self.kind)

    def _holds_a_value(self, match: re.Match[str], form: str, value: str, option: bool) -> bool:
        """A setting does unless it is code (`token = mint(id)`, `"${TOKEN}"`); a sentence
        unless it describes the credential ("the password is wrong"); a bare word when it
        looks like a credential or follows an option (`--token x`), and so after "'s". PINs
        and codes hold digits."""
        if self.kind in ("pin", "code") and not any(c.isdigit() for c in value):
            return False
        if form == "setting":
            return _EXPRESSION.match(value) is None
        if form == "sentence" and match.group("s") is None:
            return not _describes(value)
        # A word, or after "'s", which is a possessive as often as "is".
        return option or _LOOKS_LIKE_A_VALUE.search(value.rstrip(".,:;!?)")) is not None


def _describes(phrase: str) -> bool:
    """Whether what follows "the password is" describes it ("wrong", "too short", "in the
    vault", "consumed after first use") rather than gives it ("correct horse battery
    staple", "hunter2 until today")."""
    words = [word.strip("'\"()").lower() for word in phrase.split()[:2]]
    if not words or words[0] in _FUNCTION_WORDS:
        return True
    if len(words) == 2 and words[1] in _PREPOSITIONS:
        return _LOOKS_LIKE_A_VALUE.search(words[0]) is None
    return all(word in _FUNCTION_WORDS or word in _DESCRIPTIONS for word in words)


def _before(context: re.Pattern[str], match: re.Match[str]) -> int | None:
    """Where `context`, ending right before the label, starts in the text; None without it."""
    window = max(0, match.start() - 40)
    found = context.search(match.string, window, match.start())
    return None if found is None else found.start()


_LABELLED = tuple(
    _LabelledRule(
        kind=kind,
        source=rf"{word}(?![\w-]){_OPENS}(?:{_LABELLED_VALUE})",
        hints=(hint,),
        lowered=True,
    )
    for kind, hint, word in _CREDENTIAL_WORDS
)

_RANDOM_LENGTH = 20
_TYPED_ID = re.compile(r"[a-z]{2,}(?:_[a-z]{2,})*_[A-Za-z0-9]{1,32}")
"""`msg_01…`, `toolu_01…`, `call_…`: an object's id, its type spelt out. Keys with a prefix
of this shape are longer (`npm_`, `hf_`) or known above (`sk_live_`, `ghp_`)."""
_HEX = frozenset("0123456789abcdefABCDEF")
_DIGIT = re.compile(r"[0-9]")
_WORD = re.compile(r"[A-Z]?[a-z]+")
_VOWELS = frozenset("aeiouy")


@dataclass(frozen=True, kw_only=True)
class _RandomRule(_Rule):
    """Runs of base64 (or base64url) characters that look drawn by chance."""

    def find(self, text: str, lowered: str) -> Iterator[_Found]:
        for match in self.pattern.finditer(text):
            token = match.group()
            if _looks_random(token):
                yield _Found(*match.span(), *match.span(), self.kind)
            elif "/" in token:
                # A path, or a URL's path, one part of which is a key (a webhook's, a link's).
                start = match.start()
                for part in token.split("/"):
                    end = start + len(part)
                    if len(part) >= _RANDOM_LENGTH and _looks_random(part):
                        yield _Found(start, end, start, end, self.kind)
                    start = end + 1


def _looks_random(token: str) -> bool:
    """Lower case, upper case and digits as a random draw mixes them: about as many distinct
    characters as chance gives (Shannon entropy per character), the kind of character
    changing about as often, few words. Hex (digests, uuids) is not, however long; nor are
    paths and identifiers, whose words keep to one kind of character for long."""
    if token == token.lower() or token == token.upper() or not _DIGIT.search(token):
        return False
    if _TYPED_ID.fullmatch(token):
        return False
    alphanumeric = [c for c in token if c.isalnum()]
    if sum(c in _HEX for c in alphanumeric) >= 0.8 * len(alphanumeric):
        return False
    kinds = [c.isdigit() + 2 * c.isupper() for c in alphanumeric]
    changes = sum(a != b for a, b in itertools.pairwise(kinds))
    if changes < 0.25 * len(alphanumeric):
        return False
    if _entropy(token) < 0.75 * math.log2(min(len(token), 64)):
        return False
    return _in_words(token) < 0.7 * len(alphanumeric)


def _in_words(token: str) -> int:
    """How many characters of `token` are in words of three letters or more with a vowel
    (`User`, `parse`; not `xQz`)."""
    words = _WORD.findall(token)
    return sum(
        len(word) for word in words if len(word) >= 3 and not _VOWELS.isdisjoint(word.lower())
    )


def _entropy(token: str) -> float:
    """Shannon entropy, in bits per character, of `token`'s own character counts."""
    size = len(token)
    return -sum(count / size * math.log2(count / size) for count in Counter(token).values())


_RULES: tuple[_Rule, ...] = (
    *_KNOWN,
    *_COMMANDS,
    *_LABELLED,
    _RandomRule(
        kind="random token",
        source=rf"[A-Za-z0-9+/_\-]{{{_RANDOM_LENGTH},}}",
        hints=(),
    ),
)
"""Specific before general: where two find the same secret, the first names it."""

_ASCII_LOWER = str.maketrans("ABCDEFGHIJKLMNOPQRSTUVWXYZ", "abcdefghijklmnopqrstuvwxyz")


def _found(text: str) -> list[_Found]:
    lowered = text.lower()
    if len(lowered) != len(text):  # a letter lowered to two (İ) would shift what follows
        lowered = text.translate(_ASCII_LOWER)
    return [
        found
        for rule in _RULES
        if rule.applies(text, lowered)
        for found in rule.find(text, lowered)
    ]


def _masked(found: list[_Found]) -> list[tuple[int, int, str]]:
    """The parts to mask, in order, overlapping ones made one."""
    parts: list[tuple[int, int, str]] = []
    for secret in sorted(found, key=lambda f: f.secret_start):  # stable: the first rule names
        if parts and secret.secret_start < parts[-1][1]:
            start, end, kind = parts[-1]
            parts[-1] = (start, max(end, secret.secret_end), kind)
        else:
            parts.append((secret.secret_start, secret.secret_end, secret.kind))
    return parts


def redact(text: str) -> str:
    """`text` with every secret replaced by `[redacted <kind>]`."""
    pieces: list[str] = []
    shown = 0
    for start, end, kind in _masked(_found(text)):
        pieces += (text[shown:start], f"[redacted {kind}]")
        shown = end
    pieces.append(text[shown:])
    return "".join(pieces)


def secret_spans(text: str) -> list[tuple[int, int]]:
    """Where secrets lie in `text`, labels included: a slice of it must take each whole or not
    at all, or a window cut through one would show the part no rule recognises alone."""
    return [(found.start, found.end) for found in _found(text)]
