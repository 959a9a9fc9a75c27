"""Storage, the knowledge graph and recall: everything Reverie keeps on disk.

This package imports neither `app` nor `dreamer`; both build on it.
"""
