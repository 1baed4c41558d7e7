"""Schemas of the desire board."""

import marshmallow as ma
from marshmallow import validate

from fractafrag.api.shaders.schemas import AuthorSchema


class DesireCreateSchema(ma.Schema):
    """A new ask."""

    prompt = ma.fields.String(required=True, validate=validate.Length(3, 500), metadata={
        "description": "The shader you wish existed, 3 to 500 characters."})
    bounty_cents = ma.fields.Integer(load_default=0, strict=True,
                                     validate=validate.Range(0, 1_000_000))


class DesireUpdateSchema(ma.Schema):
    """The asker rewords or closes their desire."""

    prompt = ma.fields.String(validate=validate.Length(3, 500))
    status = ma.fields.String(validate=validate.OneOf(["closed"]))


class DesireSchema(ma.Schema):
    """One ask; cluster_id appears once it has been clustered."""

    id = ma.fields.Integer()
    prompt = ma.fields.String()
    bounty_cents = ma.fields.Integer()
    status = ma.fields.String(metadata={"description": "open, fulfilled or closed"})
    cluster_id = ma.fields.Integer(allow_none=True)
    author = ma.fields.Nested(AuthorSchema)
    fulfilled_by = ma.fields.Integer(attribute="fulfilled_by_id", allow_none=True,
                                     metadata={"description": "The accepted shader's id."})
    fulfilled_at = ma.fields.DateTime(allow_none=True)
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()


class DesireQueryArgsSchema(ma.Schema):
    """How to list desires."""

    sort = ma.fields.String(load_default="new", validate=validate.OneOf(["new", "hot"]))
    status = ma.fields.String(validate=validate.OneOf(["open", "fulfilled", "closed"]))


class OfferCreateSchema(ma.Schema):
    """The shader offered as the answer."""

    shader_id = ma.fields.Integer(required=True, strict=True)


class OfferSchema(ma.Schema):
    """A shader offered for a desire."""

    id = ma.fields.Integer()
    desire_id = ma.fields.Integer()
    shader_id = ma.fields.Integer()
    offered_by_id = ma.fields.Integer()
    status = ma.fields.String(metadata={"description": "offered, accepted or declined"})
    created_at = ma.fields.DateTime()


class ClusterArgsSchema(ma.Schema):
    """How many clusters and desires per cluster."""

    limit = ma.fields.Integer(load_default=50, validate=validate.Range(1, 200))
    per_cluster = ma.fields.Integer(load_default=10, validate=validate.Range(1, 50))


class ClusterSchema(ma.Schema):
    """A group of similar asks with its heat now."""

    id = ma.fields.Integer()
    label = ma.fields.String()
    size = ma.fields.Integer()
    heat = ma.fields.Float()
    desires = ma.fields.List(ma.fields.Nested(DesireSchema))
