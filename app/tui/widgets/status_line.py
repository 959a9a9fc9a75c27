"""The status line: model, connection, session and what the agent is doing."""

from __future__ import annotations

from urllib.parse import urlsplit

from textual.content import Content
from textual.reactive import reactive
from textual.widgets import Static

from app.config import Config

NO_MODEL = "no model yet: set ANTHROPIC_API_KEY (F1)"
"""Said calmly: everything but chatting works without one."""


def connection_label(config: Config) -> tuple[str, bool]:
    """How the model connection reads on screen, and whether there is one."""
    if not config.connected:
        return NO_MODEL, False
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
        short = "connected" if connected else "no model"
        inbox = f"inbox {self.inbox}"
        # Where the line would be cut, the connection and the inbox's key are said shorter
        # first: the inbox count and whether a model answers always show (80 columns).
        for connection_text, inbox_text in (
            (connection, f"{inbox} (ctrl+r)"),
            (short, f"{inbox} (ctrl+r)"),
            (short, inbox),
        ):
            line = Content.assemble(
                (self.config.model, "bold"),
                " · ",
                self.session,
                " · ",
                (self.activity, "italic"),
                " · ",
                *((inbox_text, "bold $accent"), " · ") if self.inbox else (),
                ("● " if connected else "○ ", "green" if connected else "yellow"),
                connection_text,
            )
            if line.cell_length <= self.content_size.width:
                break
        return line
