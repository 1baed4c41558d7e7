"""The MCP server: tools, resources and a prompt over Fractafrag's REST API.

`build_server(url, api_key)` returns an `MCPServer` whose every tool is one or two REST calls.
A failed call becomes a tool error (`isError: true`) carrying the API's own message; nothing an
agent sends can crash the server.
"""

from __future__ import annotations

import json
from typing import Annotated, Any, Literal

from mcp.server.mcpserver import Context, Image, MCPServer
from mcp.server.mcpserver.exceptions import ResourceError, ResourceNotFoundError, ToolError
from mcp.types import ToolAnnotations
from pydantic import Field

from mcp_bridge.api import PREVIEW_TIMEOUT, ApiError, FractafragAPI
from mcp_bridge.models import (
    Comment,
    Desire,
    DesireList,
    GlslError,
    Offer,
    PlaylistResult,
    Shader,
    ShaderList,
    ShaderPass,
    ShaderSummary,
    ValidationResult,
    VoteResult,
    pick,
)

INSTRUCTIONS = """\
Fractafrag is a community of realtime GLSL shaders in Shadertoy's model: each shader is one
`Image` pass (and optionally `Buffer A`–`Buffer D` passes plus shared `Common` code), each pass
defining `void mainImage(out vec4 fragColor, in vec2 fragCoord)` in GLSL ES 3.00 with the
uniforms iResolution, iTime, iTimeDelta, iFrame, iMouse, iDate and iChannel0..3.
To make a shader: validate_shader → fix the errors (each names its pass and line) →
render_preview to look at a frame → publish_shader. People ask for shaders on the desire
board: list_desires, then fulfill_desire with a published (public or unlisted) shader."""

HEADER_KEY = "x-api-key"

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


def _source(code: str | None, passes: list[ShaderPass] | None,
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


def _tags(tags: list[str] | str | None) -> list[str] | None:
    """Tags given as a list or a comma-separated string."""
    if tags is None:
        return None
    if isinstance(tags, str):
        return [t.strip() for t in tags.split(",") if t.strip()]
    return tags


def build_server(url: str, api_key: str | None) -> MCPServer:
    """An MCP server bridging to the Fractafrag instance at `url`, acting with `api_key`.

    Over streamable HTTP an MCP client may send its own `X-API-Key` header; it then replaces
    `api_key` for that client's requests.
    """
    api = FractafragAPI(url, api_key)
    server: MCPServer = MCPServer("fractafrag", title="Fractafrag", version="0.1.0",
                                  instructions=INSTRUCTIONS, website_url=api.base_url)

    def key_of(ctx: Context | None) -> str | None:
        """The caller's own key from an HTTP header, else None (the configured key)."""
        if ctx is None:
            return None
        try:
            headers = ctx.headers
        except ValueError:
            return None
        if headers:
            value = headers.get(HEADER_KEY) or headers.get("X-API-Key")
            if value and value.strip():
                return value.strip()
        return None

    def summary(data: dict[str, Any]) -> ShaderSummary:
        return pick(ShaderSummary, data, url=f"{api.base_url}/shaders/{data['id']}",
                    thumbnail_url=api.absolute(data.get("thumbnail_url")))

    def full(data: dict[str, Any]) -> Shader:
        return pick(Shader, data, url=f"{api.base_url}/shaders/{data['id']}",
                    thumbnail_url=api.absolute(data.get("thumbnail_url")))

    def desire(data: dict[str, Any]) -> Desire:
        return pick(Desire, data, url=f"{api.base_url}/desires/{data['id']}")

    read_only = ToolAnnotations(read_only_hint=True, open_world_hint=True)
    writes = ToolAnnotations(read_only_hint=False, destructive_hint=False, open_world_hint=True)

    @server.tool(annotations=read_only)
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
        params = {"q": query.strip() or None, "tag": _tags(tag), "author": author, "sort": sort,
                  "page": page, "page_size": limit}
        rows, total = await api.get_list("/shaders", params, api_key=key_of(ctx))
        return ShaderList(total=total, page=page, shaders=[summary(r) for r in rows])

    @server.tool(annotations=read_only)
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

    @server.tool(annotations=read_only)
    async def validate_shader(
        ctx: Context, code: Code = None, passes: Passes = None, common: Common = None,
    ) -> ValidationResult:
        """Compile GLSL with Khronos glslang exactly as publishing would (GLSL ES 3.00 with the
        Shadertoy uniforms in front); nothing is stored.

        Returns {ok, errors: [{pass, line, message}]}: `pass` is Image, Buffer A–D or Common
        and `line` is 1-based within that pass's own code. Fix and validate again until ok.
        """
        body = _source(code, passes, common)
        data = await api.send("POST", "/validate", body, api_key=key_of(ctx))
        return ValidationResult(ok=bool(data.get("ok")),
                                errors=[GlslError.model_validate(e)
                                        for e in data.get("errors") or []])

    @server.tool(annotations=read_only)
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
        body = {**_source(code, passes, common), "time": time, "width": width, "height": height}
        response = await api.request("POST", "/render-preview", json_body=body,
                                     timeout=PREVIEW_TIMEOUT, api_key=key_of(ctx))
        if not response.headers.get("content-type", "").startswith("image/png"):
            raise ApiError("The render preview did not answer with a PNG image.")
        return Image(data=response.content, format="png")

    @server.tool(annotations=writes)
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
        body: dict[str, Any] = {"title": title, **_source(code, passes, common)}
        for name, value in (("description", description), ("tags", _tags(tags)),
                            ("visibility", visibility), ("license", license)):
            if value is not None:
                body[name] = value
        return full(await api.send("POST", "/shaders", body, api_key=key_of(ctx)))

    @server.tool(annotations=writes)
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
            body.update(_source(code, passes, common))
        elif common is not None:
            body["common"] = common
        for name, value in (("title", title), ("description", description),
                            ("tags", _tags(tags)), ("visibility", visibility),
                            ("message", message)):
            if value is not None:
                body[name] = value
        if not body:
            raise ToolError("Nothing to change: give title, code, passes, common, description, "
                            "tags or visibility.")
        return full(await api.send("PATCH", f"/shaders/{id}", body, api_key=key_of(ctx)))

    @server.tool(annotations=writes)
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

    @server.tool(annotations=read_only)
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

    @server.tool(annotations=read_only)
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

    @server.tool(annotations=writes)
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

    @server.tool(annotations=writes)
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

    @server.tool(annotations=writes)
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

    @server.tool(annotations=writes)
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

    return server
