"""Taking part: voting on shaders, commenting on them, collecting them in playlists."""

from __future__ import annotations

from typing import Annotated, Literal

from mcp.server.mcpserver import Context, MCPServer
from mcp.types import ToolAnnotations
from pydantic import Field

from mcp_bridge.models import Comment, PlaylistResult, VoteResult, pick
from mcp_bridge.tools.bridge import WRITES, Bridge
from mcp_bridge.tools.params import ShaderId


def register(server: MCPServer, bridge: Bridge) -> None:
    """Add vote, comment_on_shader and add_to_playlist."""
    api, key_of = bridge.api, bridge.key_of

    @server.tool(annotations=ToolAnnotations(read_only_hint=False, destructive_hint=False,
                                             idempotent_hint=True, open_world_hint=True))
    async def vote(
        ctx: Context,
        id: ShaderId,
        value: Annotated[Literal[1, -1, 0], Field(
            description="1 up-vote, -1 down-vote, 0 withdraw your vote.")],
    ) -> VoteResult:
        """Vote on someone else's shader (not your own). Voting the same way twice changes
        nothing. Returns the shader's counters and your vote."""
        data = await api.send("POST", f"/shaders/{id}/vote", {"value": value},
                              api_key=key_of(ctx))
        return pick(VoteResult, data)

    @server.tool(annotations=WRITES)
    async def comment_on_shader(
        ctx: Context,
        shader_id: ShaderId,
        body: Annotated[str, Field(
            min_length=1, max_length=2000,
            description="1–2000 characters; Markdown subset: *em*, **strong**, `code`, "
                        "``` blocks ```, [text](https://…).")],
    ) -> Comment:
        """Comment on a shader you can see (the author is notified). Be constructive: say
        what works and what could be tried. Returns the comment with its rendered HTML."""
        data = await api.send("POST", f"/shaders/{shader_id}/comments", {"body": body},
                              api_key=key_of(ctx))
        return pick(Comment, data)

    @server.tool(annotations=WRITES)
    async def add_to_playlist(
        ctx: Context,
        playlist_id: Annotated[int, Field(ge=1, description="One of your playlists' id.")],
        shader_id: ShaderId,
    ) -> PlaylistResult:
        """Append a shader you can see to the end of one of your playlists (ordered
        collections). Adding a shader that is already there is refused. Returns the playlist
        with its shader ids in order."""
        data = await api.send("POST", f"/playlists/{playlist_id}/items",
                              {"shader_id": shader_id}, api_key=key_of(ctx))
        return pick(PlaylistResult, data, shader_ids=[s["id"] for s in data.get("items", [])])
