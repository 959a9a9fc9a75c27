"""Configuration: `<home>/config.toml`, overridden by the environment and the command line.

API keys are never read from or written to the config file; they come from the environment.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

from app.errors import UserError
from app.paths import config_path, user_path

RUN_BY_AGENT = "REVERIE_RUN_BY_AGENT"
"""Set for every command the agent runs: `reverie adopt` and the other memory decisions refuse
to run under it, so that text in a session cannot talk the agent into deciding for the user."""

DEFAULT_MODEL = "claude-sonnet-5-5"
"""A current Claude Sonnet model id known to the installed SDK (a test checks it is)."""


@dataclass(frozen=True)
class Config:
    """Settings for one run. Every field can be set in config.toml under the same name."""

    home: Path
    model: str = DEFAULT_MODEL
    base_url: str | None = None
    max_tokens: int = 8192
    workspace: Path | None = None
    """Folder the agent's tools may use; None means the current folder."""
    command_timeout: float = 120.0
    max_retries: int = 4
    retry_base_delay: float = 1.0
    request_timeout: float = 120.0
    idle_after: float = 120.0
    """Seconds without a keypress before the TUI starts dreaming (0: never); for `reverie
    watch`, seconds without new transcripts before it dreams over what arrived."""
    dream_interval: float = 3600.0
    """`reverie watch` also dreams this often (0: only after new transcripts)."""
    recall_budget: int = 1500
    """Tokens of recalled memory the system prompt may carry (0: recall nothing)."""
    inbox_page: int = 20
    """New memories the inbox holds at most: a dream proposes no more than the room left, the
    strongest first, and keeps the rest for later dreams (`dreamer.page`)."""
    dream_llm: bool = False
    """Dreams also ask the model (one call per dream) when one is connected; `reverie dream
    --llm/--no-llm` decides for one dream."""
    stream: bool = True
    """Ask for streamed replies; turn off for endpoints that do not speak SSE."""
    import_dir: Path | None = None
    """Drop folder that `reverie watch` imports from (default: <home>/import)."""
    claude_projects: Path | None = None
    """Claude Code's projects folder, also watched when set (e.g. ~/.claude/projects)."""
    handed_lines: int = 150
    handed_bytes: int = 12_288
    """The most lines and bytes of memory handed to another agent (`reverie sync`'s block,
    Claude Code's SessionStart hook): CLAUDE.md is loaded whole, so the strongest that fit."""
    hook_import_seconds: float = 2.0
    """How long Claude Code's Stop and SessionEnd hooks import at most; the rest waits for the
    next one, from where this one stopped."""
    api_key: str | None = field(default=None, repr=False)

    @property
    def drop_folder(self) -> Path:
        """The folder `reverie watch` imports dropped transcripts from."""
        return self.import_dir or self.home / "import"

    @property
    def workspace_root(self) -> Path:
        """The workspace folder, checked to exist."""
        try:
            root = self.workspace or Path.cwd()
        except FileNotFoundError:
            raise UserError("the current folder no longer exists; pass --workspace") from None
        if not root.is_dir():
            raise UserError(f"workspace {root} is not a folder")
        return root

    @property
    def connected(self) -> bool:
        """True when there is a key or an endpoint to talk to."""
        return bool(self.api_key or self.base_url)


_SETTABLE: dict[str, type | tuple[type, ...]] = {
    "model": str,
    "base_url": str,
    "max_tokens": int,
    "workspace": str,
    "command_timeout": (int, float),
    "max_retries": int,
    "retry_base_delay": (int, float),
    "request_timeout": (int, float),
    "stream": bool,
    "idle_after": (int, float),
    "dream_interval": (int, float),
    "dream_llm": bool,
    "recall_budget": int,
    "inbox_page": int,
    "import_dir": str,
    "claude_projects": str,
    "handed_lines": int,
    "handed_bytes": int,
    "hook_import_seconds": (int, float),
}
_PATHS = ("workspace", "import_dir", "claude_projects")


def _read_file(path: Path) -> dict[str, Any]:
    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except FileNotFoundError:
        return {}
    except tomllib.TOMLDecodeError as error:
        raise UserError(f"{path}: not valid TOML ({error})") from None
    except UnicodeDecodeError:
        raise UserError(f"{path}: not valid UTF-8") from None
    except OSError as error:
        raise UserError(f"cannot read {path}: {error.strerror or error}") from None
    unknown = sorted(set(data) - set(_SETTABLE) - {"api_key"})
    if "api_key" in data:
        raise UserError(
            f"{path}: api_key does not belong in the config file; set ANTHROPIC_API_KEY instead"
        )
    if unknown:
        raise UserError(f"{path}: unknown setting {unknown[0]!r}")
    for key, value in data.items():
        expected = _SETTABLE[key]
        if (isinstance(value, bool) and expected is not bool) or not isinstance(value, expected):
            raise UserError(f"{path}: {key} has the wrong type ({type(value).__name__})")
    return data


def load_config(
    home: Path,
    *,
    env: Mapping[str, str] | None = None,
    overrides: Mapping[str, Any] | None = None,
) -> Config:
    """Build the Config for `home`: defaults, then config.toml, then the environment, then
    explicit overrides (command-line flags); None values in `overrides` are ignored."""
    env = os.environ if env is None else env
    values: dict[str, Any] = dict(_read_file(config_path(home)))
    if env.get("ANTHROPIC_BASE_URL"):
        values["base_url"] = env["ANTHROPIC_BASE_URL"]
    key = env.get("ANTHROPIC_API_KEY") or env.get("ANTHROPIC_AUTH_TOKEN")
    if key:
        values["api_key"] = key
    values.update({k: v for k, v in (overrides or {}).items() if v is not None})
    for name in _PATHS:
        if isinstance(values.get(name), str):
            values[name] = user_path(values[name])
    known = {f.name for f in fields(Config)}
    config = replace(Config(home=home), **{k: v for k, v in values.items() if k in known})
    _check(config)
    return config


def _check(config: Config) -> None:
    """Refuse settings that cannot work, with the setting's name in the message."""
    limits = (
        ("max_tokens", config.max_tokens >= 1, "at least 1"),
        ("max_retries", 0 <= config.max_retries <= 20, "between 0 and 20"),
        ("command_timeout", config.command_timeout > 0, "more than 0"),
        ("retry_base_delay", config.retry_base_delay >= 0, "0 or more"),
        ("request_timeout", config.request_timeout > 0, "more than 0"),
        ("idle_after", config.idle_after >= 0, "0 (never) or more"),
        ("dream_interval", config.dream_interval >= 0, "0 (never) or more"),
        ("recall_budget", config.recall_budget >= 0, "0 (recall nothing) or more tokens"),
        ("inbox_page", config.inbox_page >= 1, "at least 1 (new memories in the inbox)"),
        ("handed_lines", config.handed_lines >= 5, "at least 5 lines"),
        ("handed_bytes", config.handed_bytes >= 512, "at least 512 bytes"),
        ("hook_import_seconds", config.hook_import_seconds > 0, "more than 0"),
        ("model", bool(config.model.strip()), "a model id"),
    )
    for name, ok, expected in limits:
        if not ok:
            raise UserError(f"{name} must be {expected}")
    if config.base_url is not None:
        try:
            parts = urlsplit(config.base_url)
            parts.port  # noqa: B018 - parsing the port is the check
        except ValueError:
            parts = None
        if parts is None or parts.scheme not in ("http", "https") or not parts.hostname:
            raise UserError(
                f"base URL {config.base_url!r} (ANTHROPIC_BASE_URL or base_url) is not an "
                "http:// or https:// address"
            )
