"""Transcripts in and out: one module per format (Claude Code, OpenAI-style chat, Reverie's own
export), the importer that finds and detects them, and the writer that stores what they read.

Parsers are pure and synchronous (they run in a thread); `memory_graph.transcripts.writer`
writes what they read, one session per transaction.
"""
