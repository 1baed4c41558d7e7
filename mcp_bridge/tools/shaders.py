"""Shaders: search, read, publish, change and fork them; each shader as a resource."""

from __future__ import annotations

from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context, MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError, ToolError
from pydantic import Field

from mcp_bridge.api import ApiError
from mcp_bridge.models import Shader, ShaderList
from mcp_bridge.tools.bridge import READ_ONLY, WRITES, Bridge
from mcp_bridge.tools.params import (
    Code,
    Common,
    Passes,
    ShaderId,
    Visibility,
    source_body,
    tag_list,
)


def register(server: MCPServer, bridge: Bridge) -> None:
    """Add the shader tools and the shader://{id} resource."""
    api, key_of, summary, full = bridge.api, bridge.key_of, bridge.summary, bridge.full

    @server.tool(annotations=READ_ONLY)
    async def search_shaders(
        ctx: Context,
        query: Annotated[str, Field(
            description='Full-text search over title and tags, author and description, with '
                        'stemming. Syntax: words (all must match), "exact phrase", -word, '
                        'tag:x, -tag:x, author:name. Empty string lists every public shader.',
            max_length=200)] = "",
        tag: Annotated[list[str] | str | None, Field(
            description="Only shaders with every one of these tags.")] = None,
        author: Annotated[str | None, Field(
            max_length=32, description="Only shaders by this username; your own username "
                                       "also lists your private shaders and drafts.")] = None,
        sort: Annotated[Literal["relevance", "new", "hot", "top"] | None, Field(
            description="relevance (default with a query), new (default without), hot "
                        "(hot score) or top (net votes).")] = None,
        limit: Annotated[int, Field(ge=1, le=100, description="Shaders per page, 1–100.")] = 10,
        page: Annotated[int, Field(ge=1, description="Page number, from 1.")] = 1,
    ) -> ShaderList:
        """Search public shaders on Fractafrag.

        Returns {total, page, shaders: [...]}; each shader has id, title, description, tags,
        author, score, render_status, thumbnail_url and url, but no code (use get_shader).
        """
        params = {"q": query.strip() or None, "tag": tag_list(tag), "author": author, "sort": sort,
                  "page": page, "page_size": limit}
        rows, total = await api.get_list("/shaders", params, api_key=key_of(ctx))
        return ShaderList(total=total, page=page, shaders=[summary(r) for r in rows])

    @server.tool(annotations=READ_ONLY)
    async def get_shader(
        ctx: Context,
        id: ShaderId,
        version: Annotated[int | None, Field(
            ge=1, description="A version number (1 = first); omit for the current one.")] = None,
    ) -> Shader:
        """Fetch one shader with its GLSL code: metadata plus `common`, `passes` and `code`
        (the Image pass). Private and draft shaders are visible to their owner only."""
        key = key_of(ctx)
        data = await api.get(f"/shaders/{id}", api_key=key)
        if version is not None and version != data.get("version"):
            old = await api.get(f"/shaders/{id}/versions/{version}", api_key=key)
            data = {**data, "version": old.get("version", version), "common": old.get("common"),
                    "passes": old.get("passes"), "code": old.get("code"),
                    "message": old.get("message")}
        return full(data)

    @server.tool(annotations=WRITES)
    async def publish_shader(
        ctx: Context,
        title: Annotated[str, Field(min_length=1, max_length=120, description="1–120 chars.")],
        code: Code = None, passes: Passes = None, common: Common = None,
        description: Annotated[str | None, Field(
            max_length=5000, description="What it shows and how (up to 5,000 chars).")] = None,
        tags: Annotated[list[str] | str | None, Field(
            description="Up to 10 tags of 1–32 chars, e.g. ['fractal', 'raymarching'].")] = None,
        visibility: Annotated[Visibility | None, Field(
            description="public (default: listed and searchable), unlisted (anyone with the "
                        "link), private (you only) or draft.")] = None,
        license: Annotated[str | None, Field(
            description="SPDX id such as CC0-1.0, CC-BY-4.0 or MIT; the instance's default "
                        "otherwise.")] = None,
    ) -> Shader:
        """Publish a new shader as the API key's owner. The code must compile (validate_shader
        first); a compile failure is an error listing each pass and line. The shader is then
        rendered to a thumbnail in the background (render_status pending → ready).

        Free accounts may create 5 shaders a month (forks count). Returns the shader with its
        id and url.
        """
        body: dict[str, Any] = {"title": title, **source_body(code, passes, common)}
        for name, value in (("description", description), ("tags", tag_list(tags)),
                            ("visibility", visibility), ("license", license)):
            if value is not None:
                body[name] = value
        return full(await api.send("POST", "/shaders", body, api_key=key_of(ctx)))

    @server.tool(annotations=WRITES)
    async def update_shader(
        ctx: Context,
        id: ShaderId,
        title: Annotated[str | None, Field(min_length=1, max_length=120)] = None,
        code: Code = None, passes: Passes = None, common: Common = None,
        description: Annotated[str | None, Field(max_length=5000)] = None,
        tags: Annotated[list[str] | str | None, Field(
            description="The new full list of tags (replaces the old one).")] = None,
        visibility: Annotated[Visibility | None, Field(
            description="public, unlisted, private or draft.")] = None,
        message: Annotated[str | None, Field(
            max_length=200, description="What changed in this version (for new code).")] = None,
    ) -> Shader:
        """Change one of your own shaders. New code (`code`, `passes` or `common`) makes a new
        version n+1 and must compile; metadata-only edits keep the version. Give only what
        changes. Returns the shader as it is now.
        """
        body: dict[str, Any] = {}
        if code is not None or passes:
            body.update(source_body(code, passes, common))
        elif common is not None:
            body["common"] = common
        for name, value in (("title", title), ("description", description),
                            ("tags", tag_list(tags)), ("visibility", visibility),
                            ("message", message)):
            if value is not None:
                body[name] = value
        if not body:
            raise ToolError("Nothing to change: give title, code, passes, common, description, "
                            "tags or visibility.")
        return full(await api.send("PATCH", f"/shaders/{id}", body, api_key=key_of(ctx)))

    @server.tool(annotations=WRITES)
    async def fork_shader(
        ctx: Context,
        id: ShaderId,
        version: Annotated[int | None, Field(
            ge=1, description="The version to fork; omit for the current one.")] = None,
        title: Annotated[str | None, Field(
            min_length=1, max_length=120, description="Default 'Fork of …'.")] = None,
        visibility: Annotated[Visibility | None, Field(
            description="Default draft (only you see it until you publish it with "
                        "update_shader visibility='public').")] = None,
    ) -> Shader:
        """Copy a shader you can see into a new shader of yours (keeping its lineage), to
        change it with update_shader. Counts toward the free monthly quota."""
        body = {k: v for k, v in (("version", version), ("title", title),
                                  ("visibility", visibility)) if v is not None}
        return full(await api.send("POST", f"/shaders/{id}/fork", body, api_key=key_of(ctx)))

    @server.resource("shader://{id}", name="shader", mime_type="application/json",
                     description="A shader with its current code (common, passes, code) as "
                                 "JSON.")
    async def shader_resource(id: str, ctx: Context) -> str:
        """One shader as JSON."""
        if not id.isdigit():
            raise ResourceNotFoundError(f"Shader ids are numbers, not {id!r}.")
        try:
            data = await api.get(f"/shaders/{int(id)}", api_key=key_of(ctx))
        except ApiError as exc:
            kind = ResourceNotFoundError if exc.status == 404 else ResourceError
            raise kind(exc.message) from exc
        return full(data).model_dump_json(indent=2)
