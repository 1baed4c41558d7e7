"""Schemas for API keys."""

import marshmallow as ma
from marshmallow import validate

from fractafrag.models.apikey import SCOPES


class KeyCreateSchema(ma.Schema):
    """A new key: a name to recognise it by and its scopes."""

    name = ma.fields.String(required=True, validate=validate.Length(min=1, max=64))
    scopes = ma.fields.List(ma.fields.String(validate=validate.OneOf(SCOPES)),
                            load_default=lambda: ["read"], validate=validate.Length(min=1, max=2),
                            metadata={"description": "read (GET) and/or write (changes)."})


class KeySchema(ma.Schema):
    """A key as listed: never its secret."""

    id = ma.fields.Integer()
    name = ma.fields.String()
    prefix = ma.fields.String(metadata={"description": "The first characters of the secret."})
    scopes = ma.fields.List(ma.fields.String())
    last_used_at = ma.fields.DateTime(allow_none=True)
    revoked_at = ma.fields.DateTime(allow_none=True)
    created_at = ma.fields.DateTime()


class NewKeySchema(KeySchema):
    """A key just created, with its secret: shown this once, keep it."""

    key = ma.fields.String(metadata={"description": "The secret (ff_…); not shown again."})
