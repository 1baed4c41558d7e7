"""Schemas for feeds, votes and dwell."""

import marshmallow as ma
from marshmallow import validate

from fractafrag.services.feed import WINDOWS


class TrendingArgsSchema(ma.Schema):
    """Which period trending covers."""

    window = ma.fields.String(validate=validate.OneOf(list(WINDOWS)), load_default="all",
                              metadata={"description": "Published within 24h, 7d, 30d or all."})


class FeedArgsSchema(ma.Schema):
    """Which ranking snapshot to page through."""

    snapshot = ma.fields.String(validate=validate.Length(max=32), metadata={
        "description": "The X-Feed-Snapshot of page 1; later pages of it never repeat a shader."})


class SimilarArgsSchema(ma.Schema):
    """How many similar shaders."""

    limit = ma.fields.Integer(load_default=12, validate=validate.Range(1, 50))


class VoteSchema(ma.Schema):
    """An up-vote (1), a down-vote (-1), or withdrawing one's vote (0)."""

    value = ma.fields.Integer(required=True, strict=True, validate=validate.OneOf([1, -1, 0]))


class VoteResultSchema(ma.Schema):
    """The shader's counters after the vote, and the caller's vote."""

    shader_id = ma.fields.Integer()
    up = ma.fields.Integer()
    down = ma.fields.Integer()
    score = ma.fields.Integer()
    hot = ma.fields.Float()
    vote = ma.fields.Integer()


class DwellSchema(ma.Schema):
    """Time spent looking at a shader."""

    ms = ma.fields.Integer(required=True, strict=True, validate=validate.Range(
        min=1, max=600_000, error="ms must be between 1 and 600000 (10 minutes)."))
