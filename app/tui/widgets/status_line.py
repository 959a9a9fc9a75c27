"""The status line: model, connection, session and what the agent is doing."""

from __future__ import annotations

from urllib.parse import urlsplit

from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static

from app.config import Config


def connection_label(config: Config) -> tuple[str, bool]:
    """How the model connection reads on screen, and whether there is one."""
    if not config.connected:
        return "offline: no ANTHROPIC_API_KEY", False
    if config.base_url:
        # Host and port only: a URL may carry credentials (https://user:token@host).
        parts = urlsplit(config.base_url)
        port = f":{parts.port}" if parts.port else ""
        return f"endpoint {parts.hostname}{port}", True
    return "Anthropic API", True


class StatusLine(Static):
    """One line at the bottom; every part is plain text, never markup."""

    DEFAULT_CSS = """
    StatusLine {
        height: 1;
        text-wrap: nowrap;
        text-overflow: ellipsis;
        padding: 0 1;
        background: $panel;
    }
    """

    session: reactive[str] = reactive("new session")
    activity: reactive[str] = reactive("starting")
    inbox: reactive[int] = reactive(0)
    """Proposals waiting for a decision (ctrl+r opens them)."""

    def __init__(self, config: Config, **kwargs: object) -> None:
        super().__init__(**kwargs)  # type: ignore[arg-type]
        self.config = config

    def render(self) -> Content:
        connection, connected = connection_label(self.config)
        return Content.assemble(
            (self.config.model, "bold"),
            " · ",
            self.session,
            " · ",
            (self.activity, "italic"),
            " · ",
            *((f"inbox {self.inbox} (ctrl+r)", "bold $accent"), " · ") if self.inbox else (),
            ("● " if connected else "○ ", "green" if connected else "yellow"),
            connection,
        )
