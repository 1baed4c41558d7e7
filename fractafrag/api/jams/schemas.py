"""Schemas for jam sessions."""

import marshmallow as ma
from marshmallow import validate

from fractafrag.services.shader_format import MAX_PASS_BYTES


class StrictSchema(ma.Schema):
    """A body whose unknown fields are named in a 422."""

    class Meta:
        unknown = ma.RAISE


class JamStartSchema(StrictSchema):
    """How the jam starts."""

    editors_may_save = ma.fields.Boolean(load_default=False, metadata={
        "description": "let co-editors save the jam as a new version, not only you"})


class JamStartedSchema(ma.Schema):
    """A new jam: `url` for watchers, `edit_url` (with the invite token) for co-editors."""

    id = ma.fields.Integer()
    shader_id = ma.fields.Integer()
    status = ma.fields.String()
    url = ma.fields.String()
    edit_url = ma.fields.String()
    invite = ma.fields.String()


class ParticipantSchema(ma.Schema):
    """An editor of the jam (the owner first)."""

    id = ma.fields.Integer()
    username = ma.fields.String()
    color = ma.fields.String(metadata={"description": "their cursor's colour, #rrggbb"})
    role = ma.fields.String(metadata={"description": "owner or editor"})
    online = ma.fields.Boolean(metadata={"description": "in the jam's room now"})


class PassCodeSchema(ma.Schema):
    """One pass's current text."""

    name = ma.fields.String()
    code = ma.fields.String()


class JamSchema(ma.Schema):
    """A jam as the caller may see it."""

    id = ma.fields.Integer()
    shader_id = ma.fields.Integer()
    shader_title = ma.fields.String()
    status = ma.fields.String(metadata={"description": "live or ended"})
    owner = ma.fields.Dict()
    base_version = ma.fields.Integer(metadata={"description": "the version it started from"})
    editors_may_save = ma.fields.Boolean()
    created_at = ma.fields.String()
    ended_at = ma.fields.String(allow_none=True)
    url = ma.fields.String()
    passes = ma.fields.List(ma.fields.Nested(PassCodeSchema),
                            metadata={"description": "current text of each pass, Common first"})
    active_pass = ma.fields.String(metadata={"description": "the pass last edited"})
    participants = ma.fields.List(ma.fields.Nested(ParticipantSchema))
    watchers = ma.fields.Integer(metadata={"description": "other connections watching now"})
    role = ma.fields.String(metadata={"description": "yours: owner, editor or watcher"})
    can_edit = ma.fields.Boolean()
    can_save = ma.fields.Boolean()
    edit_url = ma.fields.String(metadata={"description": "the owner's only"})
    invite = ma.fields.String(metadata={"description": "the owner's only"})


class JoinSchema(StrictSchema):
    """The invite token from the edit link."""

    invite = ma.fields.String(required=True, validate=validate.Length(min=1, max=200))


class RoleSchema(ma.Schema):
    """Your role in the jam now."""

    role = ma.fields.String()


class InviteSchema(ma.Schema):
    """The new invite; the old one no longer works."""

    invite = ma.fields.String()
    edit_url = ma.fields.String()


class EditSchema(StrictSchema):
    """Replace a pass (`text`) or splice it (`at`, `delete`, `insert`); offsets count
    characters (Unicode code points) of the pass's current text."""

    pass_ = ma.fields.String(data_key="pass", required=True,
                             validate=validate.Length(min=1, max=32),
                             metadata={"description": "Image, Buffer A … D or Common"})
    text = ma.fields.String(validate=validate.Length(max=MAX_PASS_BYTES), metadata={
        "description": "the pass's whole new text (applied as the smallest change)"})
    at = ma.fields.Integer(strict=True, validate=validate.Range(min=0))
    delete = ma.fields.Integer(strict=True, validate=validate.Range(min=0), load_default=0)
    insert = ma.fields.String(validate=validate.Length(max=MAX_PASS_BYTES), load_default="")

    @ma.post_load
    def rename(self, data, **_kwargs):
        """`pass` is a Python keyword: the field is pass_ here, `pass` for the service."""
        data["pass"] = data.pop("pass_")
        return data


class EditedSchema(ma.Schema):
    """The pass after the edit."""

    pass_ = ma.fields.String(data_key="pass", attribute="pass")
    code = ma.fields.String()
    length = ma.fields.Integer(metadata={"description": "in characters"})


class SaveSchema(StrictSchema):
    """An optional message; the co-authors are added to it."""

    message = ma.fields.String(load_default=None, validate=validate.Length(max=200))


class SavedSchema(ma.Schema):
    """The version the jam became."""

    shader_id = ma.fields.Integer()
    version = ma.fields.Integer()
    co_authors = ma.fields.List(ma.fields.String())
    url = ma.fields.String()


class EndedSchema(ma.Schema):
    """The jam's status now."""

    status = ma.fields.String()
