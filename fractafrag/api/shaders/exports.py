"""Exports: a shader rendered offline to a PNG still, a WebM or MP4 video, or a GIF."""

from __future__ import annotations

import marshmallow as ma
from flask.views import MethodView
from flask_smorest import Blueprint

from fractafrag.api import SIGNED_IN
from fractafrag.auth import login_required, viewer_id
from fractafrag.services import exports as export_service

blp = Blueprint("exports", __name__, description="Stills, videos and GIFs of shaders, "
                "rendered offline frame by frame")


class ExportRequestSchema(ma.Schema):
    """What to export. Limits depend on the account (free or Pro): a bad value is a 422
    naming the field (the service checks, so the message can name the limit)."""

    class Meta:
        unknown = ma.RAISE

    format = ma.fields.Raw(required=True, metadata={
        "type": "string", "enum": ["png", "webm", "mp4", "gif"]})
    width = ma.fields.Raw(load_default=1280, metadata={
        "type": "integer", "description": "16 to 1280 (free) or 1920 (Pro; 3840 for a png)"})
    height = ma.fields.Raw(load_default=720, metadata={
        "type": "integer", "description": "16 to 720 (free) or 1080 (Pro; 2160 for a png); "
                                          "even for mp4"})
    seconds = ma.fields.Raw(load_default=None, metadata={
        "type": "number", "description": "length of a video or GIF: up to 10 (free) or 60 "
                                         "(Pro); ignored for a png (default 5)"})
    fps = ma.fields.Raw(load_default=None, metadata={
        "type": "integer", "description": "1 to 30 (free) or 60 (Pro); default 30"})
    start = ma.fields.Raw(load_default=None, metadata={
        "type": "number", "description": "iTime of the first frame (default 0)"})
    version = ma.fields.Raw(load_default=None, metadata={
        "type": "integer", "description": "default: the current version"})


class ExportSchema(ma.Schema):
    """An export and, when ready, where its file is."""

    id = ma.fields.Integer()
    shader_id = ma.fields.Integer()
    version = ma.fields.Integer()
    format = ma.fields.String()
    width = ma.fields.Integer()
    height = ma.fields.Integer()
    seconds = ma.fields.Float()
    fps = ma.fields.Integer()
    start = ma.fields.Float()
    status = ma.fields.String(metadata={"description": "queued, rendering, ready or failed"})
    progress = ma.fields.Float(metadata={"description": "0 to 1"})
    url = ma.fields.String(allow_none=True, metadata={
        "description": "/exports/… while ready and not expired"})
    bytes = ma.fields.Integer(allow_none=True)
    error = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()
    expires_at = ma.fields.DateTime(allow_none=True)


class ExportQueuedSchema(ma.Schema):
    """The export was queued."""

    id = ma.fields.Integer()
    status = ma.fields.String()


@blp.route("/api/v1/shaders/<int:shader_id>/exports")
class ShaderExports(MethodView):
    """Export a shader."""

    @login_required
    @blp.arguments(ExportRequestSchema)
    @blp.response(202, ExportQueuedSchema)
    @blp.alt_response(404, description="No such shader, or not one you may see.")
    @blp.alt_response(422, description="A bad format, size, length or frame rate (the field "
                                        "is named), over your account's limits.")
    @blp.alt_response(429, description="Too many of your exports queued or rendering.")
    @blp.doc(security=SIGNED_IN)
    def post(self, body, shader_id):
        """Queue an export (png, webm, mp4 or gif) of a shader you can see"""
        export = export_service.create_export(shader_id, viewer_id(), body)
        return {"id": export.id, "status": export.status}, 202


@blp.route("/api/v1/exports")
class ExportList(MethodView):
    """Your exports."""

    @login_required
    @blp.response(200, ExportSchema(many=True))
    @blp.doc(security=SIGNED_IN)
    def get(self):
        """Your exports, newest first"""
        return [export_service.as_dict(e) for e in export_service.list_exports(viewer_id())]


@blp.route("/api/v1/exports/<int:export_id>")
class ExportById(MethodView):
    """One export."""

    @login_required
    @blp.response(200, ExportSchema)
    @blp.alt_response(404, description="No such export of yours.")
    @blp.doc(security=SIGNED_IN)
    def get(self, export_id):
        """One of your exports: its status, progress and, when ready, its url"""
        return export_service.as_dict(export_service.own_export(export_id, viewer_id()))
