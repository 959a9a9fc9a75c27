"""Errors the store raises for conditions a user can fix (never a traceback for those)."""


class StoreError(Exception):
    """A problem with the home or database that the user can act on; the message says how."""


class InboxError(StoreError):
    """A decision that cannot be made: no such proposal, or one already decided."""


class SchemaBehind(StoreError):
    """A database an older Reverie made: it needs migrating, which only a full `reverie` start
    does (the hooks of other agents never migrate)."""
