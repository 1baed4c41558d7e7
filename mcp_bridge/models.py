"""Typed inputs and results of the bridge's tools (their JSON schemas are what agents see)."""

from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class ChannelInput(BaseModel):
    """What one iChannel of a pass reads."""

    channel: int = Field(ge=0, le=3, description="iChannel number, 0–3.")
    source: str = Field(description="'Buffer A'…'Buffer D' (a pass of the same shader; a pass "
                                    "may read itself for feedback), a built-in input "
                                    "(GET /api/v1/inputs: 'texture:noise-rgba', "
                                    "'texture:bayer', 'volume:noise-gray', 'cubemap:sky', "
                                    "'keyboard', …; cubemap: is a samplerCube, volume: a "
                                    "sampler3D) or an upload of yours, 'media:<id>'.")
    filter: str | None = Field(None, description="linear (default), nearest or mipmap.")
    wrap: str | None = Field(None, description="clamp (default) or repeat.")


class ShaderPass(BaseModel):
    """One render pass of a shader (Shadertoy's model)."""

    name: str = Field(description="'Image' (exactly one per shader) or 'Buffer A'…'Buffer D'.")
    code: str = Field(description="GLSL ES 3.00 defining "
                                  "void mainImage(out vec4 fragColor, in vec2 fragCoord); "
                                  "at most 256 KB.")
    inputs: list[ChannelInput] = Field(default_factory=list,
                                       description="Up to 4 channel inputs.")


class GlslError(BaseModel):
    """A compile error located in the caller's own code."""

    model_config = ConfigDict(populate_by_name=True)

    pass_: str = Field(alias="pass", description="Image, Buffer A–D or Common.")
    line: int = Field(description="1-based line within that pass; 0 when not tied to a line.")
    message: str = Field(description="glslang's message.")


class ValidationResult(BaseModel):
    """Whether code compiles, with every error."""

    ok: bool = Field(description="True when every pass compiles.")
    errors: list[GlslError] = Field(description="Empty when ok.")


class Author(BaseModel):
    """Who made a shader or asked for one."""

    id: int | None = None
    username: str | None = None
    display_name: str | None = None


class ForkOrigin(BaseModel):
    """The shader and version a fork was made from."""

    id: int | None = None
    version: int | None = None


class ShaderSummary(BaseModel):
    """A shader without its code."""

    id: int
    title: str
    description: str = ""
    tags: list[str] = Field(default_factory=list)
    visibility: str = Field(description="public, unlisted, private or draft.")
    license: str | None = None
    author: Author | None = None
    version: int | None = Field(None, description="The current version number.")
    forked_from: ForkOrigin | None = None
    up: int = 0
    down: int = 0
    score: int = 0
    render_status: str | None = Field(None, description="pending, rendering, ready or failed.")
    render_error: str | None = None
    thumbnail_url: str | None = Field(None, description="Absolute URL of a 512×288 WebP.")
    url: str = Field(description="The shader's page on the instance.")
    created_at: str | None = None
    published_at: str | None = None


class Shader(ShaderSummary):
    """A shader with the code of one version."""

    common: str = Field("", description="GLSL shared by every pass.")
    passes: list[ShaderPass] = Field(default_factory=list)
    code: str = Field("", description="The Image pass's code.")
    message: str | None = Field(None, description="The version's message, when asked for a "
                                                   "specific version.")


class ShaderList(BaseModel):
    """A page of shaders."""

    total: int = Field(description="How many match in all (search ranks at most 1,000).")
    page: int
    shaders: list[ShaderSummary]


class VoteResult(BaseModel):
    """A shader's counters after a vote."""

    shader_id: int
    vote: int = Field(description="Your vote now: 1, -1 or 0.")
    up: int
    down: int
    score: int
    hot: float


class Desire(BaseModel):
    """An ask on the desire board."""

    id: int
    prompt: str
    bounty_cents: int = 0
    status: str = Field(description="open, fulfilled or closed.")
    cluster_id: int | None = None
    author: Author | None = None
    fulfilled_by: int | None = Field(None, description="The accepted shader's id.")
    url: str = Field(description="The desire's page on the instance.")
    created_at: str | None = None


class DesireList(BaseModel):
    """A page of desires."""

    total: int
    desires: list[Desire]


class Offer(BaseModel):
    """A shader offered as the answer to a desire; the asker may accept it."""

    id: int
    desire_id: int
    shader_id: int
    offered_by_id: int | None = None
    status: str = Field(description="offered, accepted or declined.")
    created_at: str | None = None


class Comment(BaseModel):
    """A comment on a shader."""

    id: int
    shader_id: int
    parent_id: int | None = None
    body: str
    body_html: str = Field(description="The comment's Markdown rendered to safe HTML.")
    created_at: str | None = None


class PlaylistResult(BaseModel):
    """A playlist and the ids of its shaders in order."""

    id: int
    title: str
    public: bool
    item_count: int
    shader_ids: list[int]


def pick(model: type[BaseModel], data: dict[str, Any], **extra: Any) -> Any:
    """Build `model` from an API answer, keeping only the fields it declares."""
    fields = {f.alias or name for name, f in model.model_fields.items()} | set(
        model.model_fields)
    return model.model_validate({k: v for k, v in {**data, **extra}.items() if k in fields})


class ExportResult(BaseModel):
    """A finished export: where to download the file and what it is."""

    id: int = Field(description="The export's id (GET /api/v1/exports/<id> shows it too).")
    shader_id: int
    version: int | None = None
    format: str = Field(description="png, webm, mp4 or gif.")
    width: int
    height: int
    seconds: float | None = Field(None, description="Length of a video or GIF.")
    fps: int | None = None
    start: float | None = Field(None, description="iTime of the first frame.")
    status: str = Field(description="ready.")
    url: str = Field(description="Absolute URL of the file, kept until expires_at.")
    bytes: int | None = Field(None, description="The file's size.")
    expires_at: str | None = None


class JamEditResult(BaseModel):
    """A pass of a jam after your edit (everyone in the jam sees it live)."""

    model_config = ConfigDict(populate_by_name=True)

    jam: int = Field(description="The jam's id.")
    pass_: str = Field(alias="pass", description="The pass edited: Image, Buffer A–D or Common.")
    code: str = Field(description="The pass's whole text now, others' edits included.")
    length: int = Field(description="Its length in characters (what `at` counts).")
    url: str = Field(description="The jam's watcher page.")
