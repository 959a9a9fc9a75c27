"""Reverie's surfaces: the command line, the Textual app and the agent."""
