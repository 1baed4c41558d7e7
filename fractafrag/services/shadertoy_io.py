"""Shadertoy JSON export and import of stored shaders."""

from __future__ import annotations

from typing import Any

from fractafrag.models import Shader
from fractafrag.services import ServiceError, media, shaders
from fractafrag.services.shadertoy import ShadertoyFormatError, from_shadertoy, to_shadertoy


def export_shader(shader_id: int, viewer_id: int | None) -> dict[str, Any]:
    """The current version of a visible shader as a Shadertoy document."""
    shader: Shader = shaders.visible_shader(shader_id, viewer_id)
    meta = {"id": shader.id, "title": shader.title, "description": shader.description,
            "tags": shader.tags, "author": shader.owner.username,
            "created_at": shader.created_at.isoformat(), "views": shader.view_count,
            "likes": shader.up}
    passes = shader.current.passes
    return to_shadertoy(meta, {"common": shader.current.common, "passes": passes},
                        media.media_for_passes(passes, viewer_id))


def import_shader(user_id: int, document: Any, options: dict[str, Any]) -> Shader:
    """Create a shader of user's from a Shadertoy document (counts toward the quota)."""
    try:
        meta, version = from_shadertoy(document)
    except ShadertoyFormatError as error:
        raise ServiceError(f"Not a Shadertoy shader we can import: {error.message}",
                           {"document": [error.message]}) from None
    meta["title"] = (meta["title"].strip() or "Untitled import")[:120]
    meta["description"] = meta["description"][:5000]
    meta["tags"] = [t[:32] for t in meta["tags"]][: shaders.MAX_TAGS]
    meta["visibility"] = options.get("visibility") or "public"
    if options.get("license"):
        meta["license"] = options["license"]
    meta["message"] = "Imported from Shadertoy JSON"
    return shaders.create_shader(user_id, meta, version)
