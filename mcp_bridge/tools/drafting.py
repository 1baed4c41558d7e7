"""Trying code before publishing it: compile it as publishing would, render a frame of it."""

from __future__ import annotations

from typing import Annotated

from mcp.server.mcpserver import Context, Image, MCPServer
from pydantic import Field

from mcp_bridge.api import PREVIEW_TIMEOUT, ApiError
from mcp_bridge.models import GlslError, ValidationResult
from mcp_bridge.tools.bridge import READ_ONLY, Bridge
from mcp_bridge.tools.params import Code, Common, Passes, source_body


def register(server: MCPServer, bridge: Bridge) -> None:
    """Add validate_shader and render_preview."""
    api, key_of = bridge.api, bridge.key_of

    @server.tool(annotations=READ_ONLY)
    async def validate_shader(
        ctx: Context, code: Code = None, passes: Passes = None, common: Common = None,
    ) -> ValidationResult:
        """Compile GLSL with Khronos glslang exactly as publishing would (GLSL ES 3.00 with the
        Shadertoy uniforms in front); nothing is stored.

        Returns {ok, errors: [{pass, line, message}]}: `pass` is Image, Buffer A–D or Common
        and `line` is 1-based within that pass's own code. Fix and validate again until ok.
        """
        body = source_body(code, passes, common)
        data = await api.send("POST", "/validate", body, api_key=key_of(ctx))
        return ValidationResult(ok=bool(data.get("ok")),
                                errors=[GlslError.model_validate(e)
                                        for e in data.get("errors") or []])

    @server.tool(annotations=READ_ONLY)
    async def render_preview(
        ctx: Context, code: Code = None, passes: Passes = None, common: Common = None,
        time: Annotated[float, Field(ge=0, le=60,
                                     description="Seconds into the animation, 0–60.")] = 1.0,
        width: Annotated[int, Field(ge=16, le=1024, description="Pixels, 16–1024.")] = 512,
        height: Annotated[int, Field(ge=16, le=1024, description="Pixels, 16–1024.")] = 288,
    ) -> Image:
        """Render unsaved code to one PNG frame in a real browser (WebGL2, the same player as
        the site's thumbnails) and return the image, so you can see what it looks like.

        Needs an API key. Code that does not compile fails with its errors (pass and line);
        a render can take several seconds, and a few are allowed a minute.
        """
        body = {**source_body(code, passes, common), "time": time, "width": width, "height": height}
        response = await api.request("POST", "/render-preview", json_body=body,
                                     timeout=PREVIEW_TIMEOUT, api_key=key_of(ctx))
        if not response.headers.get("content-type", "").startswith("image/png"):
            raise ApiError("The render preview did not answer with a PNG image.")
        return Image(data=response.content, format="png")
