"""Shader summaries as JSON, from the Redis cache where they are kept (services/shader_cache)."""

from __future__ import annotations

import json

import sqlalchemy as sa
from flask import Response

from fractafrag.api.shaders.schemas import ShaderSummarySchema
from fractafrag.extensions import db
from fractafrag.models import Shader
from fractafrag.services import shader_cache

_SUMMARY = ShaderSummarySchema()


def summary_bodies(shader_ids: list[int]) -> list[str]:
    """The summaries of these public shaders as JSON texts, in order; deleted, hidden or no
    longer public ones are left out (a change drops the cached copy, see shader_cache). Cached
    ones cost one Redis round trip for all; the rest one query, then cached."""
    cached = shader_cache.summaries(shader_ids)
    missing = [i for i, body in zip(shader_ids, cached, strict=True) if body is None]
    fresh: dict[int, str] = {}
    if missing:
        rows = db.session.scalars(sa.select(Shader).where(
            Shader.id.in_(missing), Shader.listed()))
        fresh = {row.id: json.dumps(_SUMMARY.dump(row), separators=(",", ":")) for row in rows}
        shader_cache.keep_summaries(fresh)
    bodies = []
    for shader_id, body in zip(shader_ids, cached, strict=True):
        text = body.decode() if body is not None else fresh.get(shader_id)
        if text is not None:
            bodies.append(text)
    return bodies


def summaries_response(shader_ids: list[int]) -> Response:
    """A JSON array of these shaders' summaries."""
    return Response("[" + ",".join(summary_bodies(shader_ids)) + "]\n",
                    mimetype="application/json")
