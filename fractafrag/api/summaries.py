"""Shader summaries as JSON, from the Redis cache where they are kept (services/shader_cache)."""

from __future__ import annotations

import json

import sqlalchemy as sa
from flask import Response

from fractafrag.api.shaders.schemas import ShaderSummarySchema
from fractafrag.extensions import db
from fractafrag.models import Shader
from fractafrag.offload import SingleFlight
from fractafrag.services import shader_cache

_SUMMARY = ShaderSummarySchema()
_builds = SingleFlight()


def summary_bodies(shader_ids: list[int]) -> list[str]:
    """The summaries of these public shaders as JSON texts, in order; deleted, hidden or no
    longer public ones are left out (a change drops the cached copy, see shader_cache). Cached
    ones cost one Redis round trip for all; the rest one query, then cached."""
    cached = shader_cache.summaries(shader_ids)
    missing = [i for i, body in zip(shader_ids, cached, strict=True) if body is None]
    fresh: dict[int, str] = {}
    if missing:
        # Requests that miss the same summaries together (a crowd's first feed pages) build
        # them once per process.
        fresh = _builds.run(",".join(map(str, missing)), lambda: _build(missing))
    bodies = []
    for shader_id, body in zip(shader_ids, cached, strict=True):
        text = body.decode() if body is not None else fresh.get(shader_id)
        if text is not None:
            bodies.append(text)
    return bodies


def _build(shader_ids: list[int]) -> dict[int, str]:
    rows = db.session.scalars(sa.select(Shader).where(Shader.id.in_(shader_ids), Shader.listed()))
    fresh = {row.id: json.dumps(_SUMMARY.dump(row), separators=(",", ":")) for row in rows}
    shader_cache.keep_summaries(fresh)
    return fresh


def summaries_response(shader_ids: list[int]) -> Response:
    """A JSON array of these shaders' summaries."""
    return Response("[" + ",".join(summary_bodies(shader_ids)) + "]\n",
                    mimetype="application/json")
