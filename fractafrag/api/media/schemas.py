"""Schemas for media uploads."""

import marshmallow as ma

from fractafrag.models.media import MEDIA_KINDS


class UploadSchema(ma.Schema):
    """A multipart/form-data body with the file in the field `file`."""

    file = ma.fields.Raw(required=True, metadata={
        "type": "string", "format": "binary",
        "description": "A PNG, JPEG or WebP image, Ogg (Vorbis/Opus/FLAC), MP3 or WAV audio, or "
                       "a WebM (VP8/VP9/AV1) or MP4 (H.264/VP9/AV1) video."})


class MediaListArgsSchema(ma.Schema):
    """Which of your media to list."""

    kind = ma.fields.String(validate=ma.validate.OneOf(MEDIA_KINDS),
                            metadata={"description": "only media of this kind"})


class MediaSchema(ma.Schema):
    """A stored medium."""

    id = ma.fields.Integer()
    kind = ma.fields.String(metadata={"description": "image, audio or video"})
    width = ma.fields.Integer(allow_none=True, metadata={"description": "null for audio"})
    height = ma.fields.Integer(allow_none=True, metadata={"description": "null for audio"})
    url = ma.fields.String(metadata={"description": "/media/…, immutable (cached for a year)"})
    source = ma.fields.String(metadata={"description": "what a shader input names: media:<id>"})
    mime = ma.fields.String()
    bytes = ma.fields.Integer(metadata={"description": "stored size (counts against the quota)"})
    name = ma.fields.String(metadata={"description": "the uploaded file's name"})
    created_at = ma.fields.DateTime()
