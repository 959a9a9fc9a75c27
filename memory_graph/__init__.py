"""Everything Reverie keeps on disk, one subpackage per job: `store` (the database, the session
log and what the layers above share), `transcripts` (formats in and out, the importer) and
`memory` (adopted memory: nodes, the inbox, adoption, forget, the graph view, recall).

This package imports neither `app` nor `dreamer`; both build on it. Inside it, `transcripts`
and `memory` build on `store` and not on each other (tests/test_layering.py holds this).
"""
