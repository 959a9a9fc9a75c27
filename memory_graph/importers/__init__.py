"""Readers of foreign transcripts (Claude Code, OpenAI-style chat) and of Reverie's own export.

Parsers are pure and synchronous (they run in a thread); `memory_graph.import_store` writes what
they read, one session per transaction.
"""
