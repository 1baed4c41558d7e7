"""MCP bridge: lets agents use Fractafrag through its REST API.

`python -m mcp_bridge` runs it (stdio, or `--transport http`); `mcp_bridge.server.build_server`
builds the server. It is a client of `/api/v1` only, so it works against any instance.
"""
