"""Parameter types several tools share, and how their values become request bodies."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from mcp.server.mcpserver.exceptions import ToolError
from pydantic import Field

from mcp_bridge.models import ShaderPass

Code = Annotated[str | None, Field(
    description="GLSL of a single Image pass: must define "
                "void mainImage(out vec4 fragColor, in vec2 fragCoord). Give code or passes.")]
Passes = Annotated[list[ShaderPass] | None, Field(
    description="Multi-pass code instead of `code`: 1–5 passes named 'Image' (exactly one) and "
                "'Buffer A'…'Buffer D', each with optional channel inputs.")]
Common = Annotated[str | None, Field(
    description="GLSL prepended to every pass (helper functions, constants).")]
ShaderId = Annotated[int, Field(description="The shader's numeric id.", ge=1)]
Visibility = Literal["public", "unlisted", "private", "draft"]


def source_body(code: str | None, passes: list[ShaderPass] | None,
                common: str | None) -> dict[str, Any]:
    """The `{code}` or `{passes, common}` body; a ToolError if neither or both are given."""
    if code is None and not passes:
        raise ToolError("Give `code` (a single Image pass) or `passes`.")
    if code is not None and passes:
        raise ToolError("Give either `code` or `passes`, not both.")
    body: dict[str, Any] = {}
    if code is not None:
        body["code"] = code
    else:
        body["passes"] = [p.model_dump(exclude_none=True) for p in passes or []]
    if common is not None:
        body["common"] = common
    return body


def tag_list(tags: list[str] | str | None) -> list[str] | None:
    """Tags given as a list or a comma-separated string."""
    if tags is None:
        return None
    if isinstance(tags, str):
        return [t.strip() for t in tags.split(",") if t.strip()]
    return tags
