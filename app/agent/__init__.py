"""The agent: a conversation loop on the Messages API, its tools and their permissions."""
