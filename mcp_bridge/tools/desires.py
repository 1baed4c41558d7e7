"""The desire board: list and post asks, offer shaders for them; hot asks as a resource and a
prompt to answer one."""

from __future__ import annotations

import json
from typing import Annotated, Literal

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ResourceError
from pydantic import Field

from mcp_bridge.api import ApiError
from mcp_bridge.models import Desire, DesireList, Offer, pick
from mcp_bridge.tools.bridge import READ_ONLY, WRITES, Bridge


def register(server: MCPServer, bridge: Bridge) -> None:
    """Add the desire tools, the desires://hot resource and the write_shader_for_desire prompt."""
    api, key_of, desire = bridge.api, bridge.key_of, bridge.desire

    @server.tool(annotations=READ_ONLY)
    async def list_desires(
        ctx: Context,
        sort: Annotated[Literal["new", "hot"], Field(
            description="new (newest first) or hot (from the hottest clusters of similar "
                        "asks: what most people want).")] = "hot",
        status: Annotated[Literal["open", "fulfilled", "closed"] | None, Field(
            description="open (default: still waiting), fulfilled or closed.")] = "open",
        limit: Annotated[int, Field(ge=1, le=100, description="How many, 1–100.")] = 10,
    ) -> DesireList:
        """List the desire board: shaders people wish existed. Each desire has id, prompt
        (what they want), status and bounty_cents. Answer one with fulfill_desire."""
        rows, total = await api.get_list("/desires", {
            "sort": sort, "status": status, "page_size": limit}, api_key=key_of(ctx))
        return DesireList(total=total, desires=[desire(r) for r in rows])

    @server.tool(annotations=WRITES)
    async def post_desire(
        ctx: Context,
        prompt: Annotated[str, Field(
            min_length=3, max_length=500,
            description="The shader you wish existed, 3–500 characters.")],
    ) -> Desire:
        """Ask the community for a shader; the ask joins a cluster of similar asks moments
        later. Returns the new desire."""
        return desire(await api.send("POST", "/desires", {"prompt": prompt},
                                     api_key=key_of(ctx)))

    @server.tool(annotations=WRITES)
    async def fulfill_desire(
        ctx: Context,
        desire_id: Annotated[int, Field(ge=1, description="The desire's id.")],
        shader_id: Annotated[int, Field(
            ge=1, description="A public or unlisted shader answering it (drafts and private "
                              "shaders are refused).")],
    ) -> Offer:
        """Offer a shader as the answer to a desire. The asker sees the offer and may accept
        it, which marks the desire fulfilled. Returns the offer."""
        data = await api.send("POST", f"/desires/{desire_id}/fulfill",
                              {"shader_id": shader_id}, api_key=key_of(ctx))
        return pick(Offer, data)

    @server.resource("desires://hot", name="hot-desires", mime_type="application/json",
                     description="The hottest clusters of similar asks, each with its open "
                                 "desires, and the hottest open desires.")
    async def hot_desires() -> str:
        """The hottest desire clusters as JSON."""
        try:
            clusters = await api.get("/desires/clusters", {"limit": 10, "per_cluster": 5})
            hot = await api.get("/desires", {"sort": "hot", "status": "open", "page_size": 20})
        except ApiError as exc:
            raise ResourceError(exc.message) from exc
        for cluster in clusters:
            cluster["desires"] = [desire(d).model_dump() for d in cluster.get("desires", [])]
        return json.dumps({"clusters": clusters,
                           "desires": [desire(d).model_dump() for d in hot]}, indent=2)

    @server.prompt(title="Write a shader for a desire")
    async def write_shader_for_desire(
        desire_id: Annotated[str, Field(description="The id of the desire to answer.")],
        ctx: Context,
    ) -> str:
        """Instructions to write, check, publish and offer a shader answering one desire."""
        if not str(desire_id).strip().isdigit():
            raise ValueError(f"desire_id must be a number, not {desire_id!r}.")
        ask = await api.get(f"/desires/{int(desire_id)}", api_key=key_of(ctx))
        return f"""Someone on Fractafrag asked for this shader (desire {ask['id']}, \
status {ask.get('status')}, bounty {ask.get('bounty_cents', 0)} cents):

    {ask['prompt']}

Write a GLSL ES 3.00 shader in Shadertoy's model that answers it: an Image pass defining
`void mainImage(out vec4 fragColor, in vec2 fragCoord)` using iResolution, iTime (animate it),
iMouse and the other Shadertoy uniforms; add Buffer passes or Common code only if needed.

1. Call `validate_shader` with your code. Each error names its pass and 1-based line: fix them
   and validate again until `ok` is true.
2. Call `render_preview` (try a time or two, e.g. 0.5 and 3.0) and look at the image. If it is
   black, flat or does not match the ask, improve the code and repeat from step 1.
3. Call `publish_shader` with a fitting title, a description of what it shows, a few tags and
   visibility "public".
4. Call `fulfill_desire` with desire_id={ask['id']} and the published shader's id, so the asker
   can accept it.
5. Reply with the shader's url."""
