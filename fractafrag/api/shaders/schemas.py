"""Schemas for shaders, versions and validation."""

import marshmallow as ma
from marshmallow import validate

from fractafrag.auth import viewer_id
from fractafrag.models.shader import VISIBILITIES
from fractafrag.services import media as media_service
from fractafrag.services import shader_format
from fractafrag.services import shaders as shader_service
from fractafrag.services.search import SORTS

# The exact byte limit is checked per pass, with its name; this only bounds what is parsed.
MAX_CODE_CHARS = shader_format.MAX_PASS_BYTES * 2


class ChannelInputSchema(ma.Schema):
    """What one iChannel of a pass reads: another pass (a Buffer) or a built-in texture."""

    channel = ma.fields.Integer(required=True, validate=validate.Range(0, 3))
    source = ma.fields.String(
        required=True, validate=validate.Length(max=40),
        metadata={"description": "'Buffer A'…'Buffer D', a built-in input (GET /api/v1/inputs: "
                                 "texture:<name>, volume:<name>, cubemap:<name>, keyboard, "
                                 "mic, webcam, video, music) or your upload, media:<id>. cubemap: "
                                 "declares iChannelN a samplerCube, volume: a sampler3D."},
    )
    filter = ma.fields.String(load_default=shader_format.FILTERS[0],
                              validate=validate.OneOf(shader_format.FILTERS))
    wrap = ma.fields.String(load_default=shader_format.WRAPS[0],
                            validate=validate.OneOf(shader_format.WRAPS))
    vflip = ma.fields.Boolean(metadata={"description": "Images: top row at uv.y = 1 (the "
                                                      "default, as Shadertoy)."})
    srgb = ma.fields.Boolean(metadata={"description": "Images: decode sRGB to linear when "
                                                     "sampled (default false)."})
    shadertoy = ma.fields.Dict(keys=ma.fields.String(validate=validate.Length(max=20)),
                               values=ma.fields.String(validate=validate.Length(max=300)),
                               validate=validate.Length(max=4), metadata={
                                   "description": "Set by a Shadertoy import: what the input "
                                   "was there ({ctype, src, name}), when it was mapped to a "
                                   "built-in or a placeholder."})


class PassSchema(ma.Schema):
    """One render pass: Image or Buffer A–D."""

    name = ma.fields.String(required=True, validate=validate.Length(max=20),
                            metadata={"description": "Image, Buffer A, Buffer B, Buffer C or "
                                                     "Buffer D."})
    code = ma.fields.String(required=True, validate=validate.Length(max=MAX_CODE_CHARS))
    inputs = ma.fields.List(ma.fields.Nested(ChannelInputSchema), load_default=list,
                            validate=validate.Length(max=4))


class ShaderSourceFields(ma.Schema):
    """Code as a single Image pass (`code`) or as `passes` plus `common`."""

    code = ma.fields.String(validate=validate.Length(max=MAX_CODE_CHARS),
                            metadata={"description": "GLSL of a single Image pass."})
    passes = ma.fields.List(ma.fields.Nested(PassSchema), validate=validate.Length(1, 5))
    common = ma.fields.String(validate=validate.Length(max=MAX_CODE_CHARS),
                              metadata={"description": "GLSL shared by every pass."})
    message = ma.fields.String(validate=validate.Length(max=200),
                               metadata={"description": "What changed in this version."})


class ShaderMetaFields(ma.Schema):
    """Metadata of a shader."""

    description = ma.fields.String(validate=validate.Length(max=5000))
    tags = ma.fields.List(ma.fields.String(validate=validate.Length(1, 32)),
                          validate=validate.Length(max=10))
    visibility = ma.fields.String(validate=validate.OneOf(VISIBILITIES))
    license = ma.fields.String(validate=validate.Length(max=64),
                               metadata={"description": "SPDX id, e.g. CC-BY-4.0 or MIT."})


class ShaderCreateSchema(ShaderSourceFields, ShaderMetaFields):
    """A new shader."""

    title = ma.fields.String(required=True, validate=validate.Length(1, 120))

    @ma.validates_schema
    def _needs_code(self, data: dict, **_: object) -> None:
        if data.get("code") is None and data.get("passes") is None:
            raise ma.ValidationError("Send code (one Image pass) or passes.", field_name="code")
        if data.get("code") is not None and data.get("passes") is not None:
            raise ma.ValidationError("Send either code or passes, not both.", field_name="code")


class ShaderUpdateSchema(ShaderSourceFields, ShaderMetaFields):
    """Changes to a shader; new code makes a new version."""

    title = ma.fields.String(validate=validate.Length(1, 120))


class ForkSchema(ma.Schema):
    """Which version to fork, and the fork's own title and visibility."""

    version = ma.fields.Integer(validate=validate.Range(min=1))
    title = ma.fields.String(validate=validate.Length(1, 120))
    visibility = ma.fields.String(validate=validate.OneOf(VISIBILITIES),
                                  metadata={"description": "Defaults to draft."})


class AuthorSchema(ma.Schema):
    """Who made it."""

    id = ma.fields.Integer()
    username = ma.fields.String()
    display_name = ma.fields.String()


class ForkOriginSchema(ma.Schema):
    """The shader and version a fork was made from."""

    id = ma.fields.Integer()
    version = ma.fields.Integer()


def _forked_from(shader) -> dict | None:
    if shader.forked_from_version is None:
        return None
    return {"id": shader.forked_from_id, "version": shader.forked_from_version}


def _image_code(passes: list[dict]) -> str:
    return next((p["code"] for p in passes if p["name"] == "Image"), "")


class ShaderSummarySchema(ma.Schema):
    """A shader as lists show it (no code)."""

    id = ma.fields.Integer()
    title = ma.fields.String()
    description = ma.fields.String()
    tags = ma.fields.List(ma.fields.String())
    visibility = ma.fields.String()
    license = ma.fields.String()
    author = ma.fields.Nested(AuthorSchema, attribute="owner")
    version = ma.fields.Integer(attribute="current_version")
    forked_from = ma.fields.Function(_forked_from, metadata={"type": "object", "nullable": True})
    fork_count = ma.fields.Integer()
    up = ma.fields.Integer()
    down = ma.fields.Integer()
    score = ma.fields.Integer()
    hot = ma.fields.Float()
    view_count = ma.fields.Integer()
    render_status = ma.fields.String()
    render_error = ma.fields.String(allow_none=True)
    thumbnail_url = ma.fields.String(allow_none=True)
    preview_url = ma.fields.String(allow_none=True)
    preview_frames = ma.fields.Integer(allow_none=True, metadata={
        "description": "Frames in the animated preview (30 at 10 fps in full; fewer at a lower "
                       "frame rate when the render budget ran short; 0: the preview is the "
                       "thumbnail still)."})
    preview_fps = ma.fields.Float(allow_none=True, metadata={
        "description": "The preview's frame rate (frames per second)."})
    render_frame_ms = ma.fields.Float(allow_none=True, metadata={
        "description": "Milliseconds the render worker took to draw one 512x288 frame."})
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()
    published_at = ma.fields.DateTime(allow_none=True)


class ShaderSchema(ShaderSummarySchema):
    """A shader with the code of its current version."""

    common = ma.fields.Function(lambda s: s.current.common)
    passes = ma.fields.Function(lambda s: s.current.passes,
                                metadata={"type": "array", "items": {"type": "object"}})
    code = ma.fields.Function(lambda s: _image_code(s.current.passes),
                              metadata={"description": "The Image pass's code."})
    media = ma.fields.Function(
        lambda s: media_service.media_for_passes(s.current.passes, viewer_id()),
        metadata={"type": "object", "description": "The uploaded media the inputs name "
                  "(`media:<id>` → {id, kind, width, height, url, mime}): what a player loads."})


def _co_authors(version):
    """The co-authors' usernames (one query, and only for a version that has any)."""
    if not version.co_author_ids:
        return []
    return shader_service.co_authors_of([version]).get(version.id, [])


class VersionSchema(ma.Schema):
    """One immutable version."""

    shader_id = ma.fields.Integer()
    version = ma.fields.Integer()
    common = ma.fields.String()
    passes = ma.fields.List(ma.fields.Dict())
    code = ma.fields.Function(lambda v: _image_code(v.passes))
    message = ma.fields.String()
    author_id = ma.fields.Integer(allow_none=True)
    co_authors = ma.fields.Function(_co_authors, metadata={
        "type": "array", "items": {"type": "string"},
        "description": "Usernames of who wrote it live with the author (a saved jam)."})
    created_at = ma.fields.DateTime()


class VersionSummarySchema(ma.Schema):
    """A version in the history list."""

    version = ma.fields.Integer()
    message = ma.fields.String()
    author_id = ma.fields.Integer(allow_none=True)
    co_authors = ma.fields.Function(_co_authors, metadata={
        "type": "array", "items": {"type": "string"},
        "description": "Usernames of who wrote it live with the author (a saved jam)."})
    created_at = ma.fields.DateTime()


class DiffQuerySchema(ma.Schema):
    """The two versions to compare."""

    from_ = ma.fields.Integer(required=True, data_key="from", validate=validate.Range(min=1))
    to = ma.fields.Integer(required=True, validate=validate.Range(min=1))


class PassDiffSchema(ma.Schema):
    """A unified diff of one pass."""

    pass_ = ma.fields.String(data_key="pass", attribute="pass")
    status = ma.fields.String(metadata={"description": "added, removed, changed or unchanged"})
    diff = ma.fields.String()


class DiffSchema(ma.Schema):
    """Differences between two versions, pass by pass."""

    shader_id = ma.fields.Integer()
    from_ = ma.fields.Integer(data_key="from", attribute="from")
    to = ma.fields.Integer()
    passes = ma.fields.List(ma.fields.Nested(PassDiffSchema))


class AncestorSchema(ma.Schema):
    """One step up the fork chain; unavailable when deleted or private."""

    id = ma.fields.Integer()
    version = ma.fields.Integer()
    title = ma.fields.String(allow_none=True)
    author = ma.fields.String(allow_none=True)
    available = ma.fields.Boolean()


class ShaderQueryArgsSchema(ma.Schema):
    """Search and listing parameters."""

    q = ma.fields.String(validate=validate.Length(max=200),
                         metadata={"description": 'Words, "exact phrase", -word, tag:x, '
                                                  "author:name."})
    tag = ma.fields.List(ma.fields.String(validate=validate.Length(max=32)),
                         metadata={"description": "Only shaders with every given tag."})
    author = ma.fields.String(validate=validate.Length(max=32))
    sort = ma.fields.String(validate=validate.OneOf(SORTS),
                            metadata={"description": "relevance (with q), new, hot or top."})


class GlslErrorSchema(ma.Schema):
    """A compile or structure error, located in the user's own code."""

    pass_ = ma.fields.String(data_key="pass", attribute="pass",
                             metadata={"description": "Image, Buffer A–D or Common"})
    line = ma.fields.Integer(metadata={"description": "1-based; 0 when not tied to a line"})
    message = ma.fields.String()


class ValidateSchema(ShaderSourceFields):
    """Code to check."""

    @ma.validates_schema
    def _needs_code(self, data: dict, **_: object) -> None:
        if data.get("code") is None and data.get("passes") is None:
            raise ma.ValidationError("Send code (one Image pass) or passes.", field_name="code")


class ValidationResultSchema(ma.Schema):
    """Whether the code compiles, and every error."""

    ok = ma.fields.Boolean()
    errors = ma.fields.List(ma.fields.Nested(GlslErrorSchema))


class GlslFailureSchema(ma.Schema):
    """422 answer for code that does not compile (or, like every 422, for invalid fields)."""

    code = ma.fields.Integer()
    status = ma.fields.String()
    message = ma.fields.String()
    # A list of compile errors, or the usual {location: {field: [messages]}} of invalid fields.
    errors = ma.fields.Raw(metadata={"oneOf": [
        {"type": "array", "items": {"$ref": "#/components/schemas/GlslError"}},
        {"type": "object", "additionalProperties": {}}]})


class ImportArgsSchema(ma.Schema):
    """How to store an imported shader."""

    visibility = ma.fields.String(validate=validate.OneOf(VISIBILITIES), load_default="public")
    license = ma.fields.String(validate=validate.Length(max=64))


class ShadertoyDocumentSchema(ma.Schema):
    """A Shadertoy shader document: {info, renderpass} (or the API's {Shader: …})."""

    class Meta:
        unknown = ma.INCLUDE

    ver = ma.fields.String()
    info = ma.fields.Dict()
    renderpass = ma.fields.List(ma.fields.Dict())
