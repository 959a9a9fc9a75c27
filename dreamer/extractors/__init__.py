"""Offline extractors: each reads a batch of sessions and returns observations (one occurrence
of a candidate pattern in one message). Consolidation decides what becomes a proposal."""
