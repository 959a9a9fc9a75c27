"""Errors a user can fix. The command line prints them as one line and exits 1."""

from memory_graph.store.errors import StoreError


class UserError(Exception):
    """Bad input or configuration; the message tells the user what to do."""


USER_ERRORS: tuple[type[Exception], ...] = (UserError, StoreError)
"""Every exception type that is the user's to fix rather than a bug."""
