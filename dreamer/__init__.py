"""The offline review of past sessions that proposes memory edits (built in a later issue)."""
