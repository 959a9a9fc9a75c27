"""Messages that cross screens."""

from textual.message import Message


class DatabaseChanged(Message):
    """Another process (reverie watch, a headless command, another terminal) committed."""


class LogOpened(Message):
    """The session log is open and the first view of it loaded; `version` is the database's
    data_version from before that load, so nothing committed since is missed."""

    def __init__(self, version: int) -> None:
        super().__init__()
        self.version = version


class DreamStatus(Message):
    """What the dreamer is doing, for the status line."""

    def __init__(self, text: str) -> None:
        super().__init__()
        self.text = text
