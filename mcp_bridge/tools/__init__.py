"""The bridge's tools by area, each module registering its own on the server.

Every tool is one or two REST calls made with the caller's key (`Bridge.key_of`); a failed
call becomes a tool error carrying the API's own message.
"""

from __future__ import annotations

from mcp.server.mcpserver import MCPServer

from mcp_bridge.tools import community, desires, drafting, exports, feed, jams, shaders
from mcp_bridge.tools.bridge import Bridge

AREAS = (shaders, drafting, exports, community, feed, desires, jams)


def register_all(server: MCPServer, bridge: Bridge) -> None:
    """Add every area's tools, resources and prompts to `server`."""
    for area in AREAS:
        area.register(server, bridge)
