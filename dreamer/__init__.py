"""The offline review of past sessions that proposes memory edits: extractors find
observations, consolidation and matching turn them into proposals, and the journal records each
dream with what it saw and proposed."""
