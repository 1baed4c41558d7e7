"""Schemas of the community API."""

import marshmallow as ma
from marshmallow import validate

from fractafrag.api.shaders.schemas import ShaderSummarySchema
from fractafrag.models.community import REPORTABLE_KINDS


class CommentCreateSchema(ma.Schema):
    """A new comment or reply."""

    body = ma.fields.String(required=True, validate=validate.Length(1, 2000), metadata={
        "description": "Markdown subset: *em*, **strong**, `code`, ``` blocks ```, [text](https://…)"})
    parent_id = ma.fields.Integer(strict=True, allow_none=True, load_default=None,
                                  metadata={"description": "Reply to this top-level comment."})


class CommentUpdateSchema(ma.Schema):
    """The author rewrites a comment."""

    body = ma.fields.String(required=True, validate=validate.Length(1, 2000))


class CommentAuthorSchema(ma.Schema):
    """Who wrote it."""

    id = ma.fields.Integer()
    username = ma.fields.String()
    display_name = ma.fields.String()


class CommentSchema(ma.Schema):
    """One comment; body_html is the rendered, sanitised Markdown."""

    id = ma.fields.Integer()
    shader_id = ma.fields.Integer()
    parent_id = ma.fields.Integer(allow_none=True)
    body = ma.fields.String()
    body_html = ma.fields.String()
    author = ma.fields.Nested(CommentAuthorSchema)
    edited = ma.fields.Boolean()
    created_at = ma.fields.String()
    updated_at = ma.fields.String()


class CommentThreadSchema(CommentSchema):
    """A top-level comment with its replies."""

    replies = ma.fields.List(ma.fields.Nested(CommentSchema))


class NotificationSchema(ma.Schema):
    """Something that happened to your work."""

    id = ma.fields.Integer()
    kind = ma.fields.String(metadata={
        "description": "fork, comment, vote, fulfilled, render_failed or email_changed"})
    shader_id = ma.fields.Integer(allow_none=True)
    actor = ma.fields.String(allow_none=True)
    data = ma.fields.Dict()
    text = ma.fields.String()
    read = ma.fields.Boolean()
    created_at = ma.fields.String()


class NotificationArgsSchema(ma.Schema):
    """Which notifications."""

    unread = ma.fields.Boolean(load_default=False)


class MarkReadSchema(ma.Schema):
    """Which notifications to mark read (all when ids is absent)."""

    ids = ma.fields.List(ma.fields.Integer(strict=True), validate=validate.Length(max=500),
                         allow_none=True, load_default=None)


class MarkedSchema(ma.Schema):
    """How many changed, and how many stay unread."""

    marked = ma.fields.Integer()
    unread = ma.fields.Integer()


class FollowStateSchema(ma.Schema):
    """Whether you follow someone, and their counts."""

    username = ma.fields.String()
    following = ma.fields.Boolean(metadata={"description": "Whether you follow them now."})
    followers = ma.fields.Integer()
    following_count = ma.fields.Integer(attribute="following_n",
                                        metadata={"description": "How many they follow."})


class BlockStateSchema(ma.Schema):
    """Whether you block someone."""

    username = ma.fields.String()
    blocked = ma.fields.Boolean()


class ReportCreateSchema(ma.Schema):
    """A report of content for the admins."""

    kind = ma.fields.String(required=True,
                            validate=validate.OneOf(REPORTABLE_KINDS))
    id = ma.fields.Integer(required=True, strict=True, validate=validate.Range(1, 2**62))
    reason = ma.fields.String(required=True, validate=validate.Length(3, 1000))


class ReportSchema(ma.Schema):
    """A stored report."""

    id = ma.fields.Integer()
    kind = ma.fields.String()
    target_id = ma.fields.Integer()
    reason = ma.fields.String()
    status = ma.fields.String()
    created_at = ma.fields.DateTime()


class ModerationArgsSchema(ma.Schema):
    """Why (optional)."""

    reason = ma.fields.String(load_default="", validate=validate.Length(max=1000))


class ModerationActionSchema(ma.Schema):
    """One entry of the audit log."""

    id = ma.fields.Integer()
    admin_id = ma.fields.Integer(allow_none=True)
    kind = ma.fields.String()
    target_id = ma.fields.Integer()
    action = ma.fields.String(metadata={"description": "hide or restore"})
    reason = ma.fields.String()
    created_at = ma.fields.DateTime()


class PlaylistCreateSchema(ma.Schema):
    """A new playlist."""

    title = ma.fields.String(required=True, validate=validate.Length(1, 120))
    description = ma.fields.String(load_default="", validate=validate.Length(max=1000))
    public = ma.fields.Boolean(load_default=True)


class PlaylistUpdateSchema(ma.Schema):
    """Changes to a playlist."""

    title = ma.fields.String(validate=validate.Length(1, 120))
    description = ma.fields.String(validate=validate.Length(max=1000))
    public = ma.fields.Boolean()


class PlaylistSchema(ma.Schema):
    """A playlist without its items."""

    id = ma.fields.Integer()
    title = ma.fields.String()
    description = ma.fields.String()
    public = ma.fields.Boolean()
    owner = ma.fields.Nested(CommentAuthorSchema)
    item_count = ma.fields.Integer()
    created_at = ma.fields.DateTime()
    updated_at = ma.fields.DateTime()


class PlaylistDetailSchema(PlaylistSchema):
    """A playlist with its shaders in order."""

    items = ma.fields.List(ma.fields.Nested(ShaderSummarySchema))


class PlaylistArgsSchema(ma.Schema):
    """Whose playlists."""

    owner = ma.fields.String(validate=validate.Length(1, 32))


class PlaylistItemSchema(ma.Schema):
    """A shader to add."""

    shader_id = ma.fields.Integer(required=True, strict=True, validate=validate.Range(1, 2**62))


class PlaylistOrderSchema(ma.Schema):
    """The new order: every shader id of the playlist once."""

    shader_ids = ma.fields.List(ma.fields.Integer(strict=True), required=True,
                                validate=validate.Length(max=500))
