"""Messages that cross screens."""

from textual.message import Message


class DatabaseChanged(Message):
    """Another process (reverie watch, a headless command, another terminal) committed."""
