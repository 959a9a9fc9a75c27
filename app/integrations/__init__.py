"""How Reverie reaches the agents people already use: a managed block of memory in their files
(`reverie sync`), and Claude Code's hooks (`reverie hook claude-code`)."""
