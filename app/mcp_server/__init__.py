"""`reverie mcp`: adopted memory served to other agents over the Model Context Protocol (stdio),
on the official SDK. `memory.py` answers each tool from the database (and checks its arguments),
`server.py` wires those answers into the SDK's server. Nothing here writes memory: the one thing
an agent can add is a suggestion, which waits in the inbox for the person (`dreamer.suggestion`).
"""
