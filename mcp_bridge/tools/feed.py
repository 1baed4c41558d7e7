"""The feed: what is hot among public shaders."""

from __future__ import annotations

from typing import Annotated, Literal

from mcp.server.mcpserver import Context, MCPServer
from pydantic import Field

from mcp_bridge.models import ShaderList
from mcp_bridge.tools.bridge import READ_ONLY, Bridge


def register(server: MCPServer, bridge: Bridge) -> None:
    """Add get_trending."""
    api, key_of, summary = bridge.api, bridge.key_of, bridge.summary

    @server.tool(annotations=READ_ONLY)
    async def get_trending(
        ctx: Context,
        limit: Annotated[int, Field(ge=1, le=100, description="How many, 1–100.")] = 10,
        window: Annotated[Literal["24h", "7d", "30d", "all"] | None, Field(
            description="Time window of publication; the instance's default when omitted.")
        ] = None,
    ) -> ShaderList:
        """The hottest public, rendered shaders right now (by hot score: votes and freshness).
        Returns {total, page, shaders: [...]} without code."""
        rows, total = await api.get_list("/feed/trending",
                                         {"page_size": limit, "window": window},
                                         api_key=key_of(ctx))
        return ShaderList(total=total, page=1, shaders=[summary(r) for r in rows])
