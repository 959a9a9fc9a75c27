"""The store: the one SQLite file and its schema, the session log, and what every layer above
shares (records, message content, redaction, the injection detector)."""
