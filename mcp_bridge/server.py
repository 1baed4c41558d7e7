"""The MCP server: tools, resources and a prompt over Fractafrag's REST API.

`build_server(url, api_key)` returns an `MCPServer` whose every tool is one or two REST calls;
the tools live by area in `mcp_bridge.tools`. A failed call becomes a tool error
(`isError: true`) carrying the API's own message; nothing an agent sends can crash the server.
"""

from __future__ import annotations

from mcp.server.mcpserver import MCPServer

from mcp_bridge.api import FractafragAPI
from mcp_bridge.tools import register_all
from mcp_bridge.tools.bridge import Bridge

INSTRUCTIONS = """\
Fractafrag is a community of realtime GLSL shaders in Shadertoy's model: each shader is one
`Image` pass (and optionally `Buffer A`–`Buffer D` passes plus shared `Common` code), each pass
defining `void mainImage(out vec4 fragColor, in vec2 fragCoord)` in GLSL ES 3.00 with the
uniforms iResolution, iTime, iTimeDelta, iFrame, iMouse, iDate and iChannel0..3.
To make a shader: validate_shader → fix the errors (each names its pass and line) →
render_preview to look at a frame → publish_shader. People ask for shaders on the desire
board: list_desires, then fulfill_desire with a published (public or unlisted) shader."""


def build_server(url: str, api_key: str | None) -> MCPServer:
    """An MCP server bridging to the Fractafrag instance at `url`, acting with `api_key`.

    Over streamable HTTP an MCP client may send its own `X-API-Key` header; it then replaces
    `api_key` for that client's requests.
    """
    api = FractafragAPI(url, api_key)
    server: MCPServer = MCPServer("fractafrag", title="Fractafrag", version="0.1.0",
                                  instructions=INSTRUCTIONS, website_url=api.base_url)
    register_all(server, Bridge(api))
    return server
