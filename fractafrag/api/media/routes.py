"""Upload, list and delete your own media (images and audio for shader inputs)."""

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint

from fractafrag.api import SIGNED_IN
from fractafrag.api.media.schemas import MediaSchema, UploadSchema
from fractafrag.auth import login_required, viewer_id
from fractafrag.services import ServiceError
from fractafrag.services import media as media_service

blp = Blueprint("media", __name__, url_prefix="/api/v1/media",
                description="Your own media: images and audio for shader inputs (media:<id>)")


@blp.before_request
def _upload_body_limit() -> None:
    # An upload may be larger than FRACTAFRAG_MAX_BODY_BYTES: up to the media limits.
    if request.method == "POST":
        request.max_content_length = media_service.max_upload_bytes()


@blp.route("")
class MediaList(MethodView):
    """Your media."""

    @login_required
    @blp.response(200, MediaSchema(many=True))
    @blp.doc(security=SIGNED_IN)
    def get(self):
        """Your media, newest first"""
        return [media_service.as_dict(m) for m in media_service.list_media(viewer_id())]

    @login_required
    @blp.arguments(UploadSchema, location="files")
    @blp.response(201, MediaSchema)
    @blp.alt_response(413, description="Too many bytes, or over your storage quota "
                                       "(errors.quota = {limit, used, size}).")
    @blp.alt_response(415, description="Not a PNG, JPEG or WebP image nor Ogg, MP3 or WAV audio.")
    @blp.alt_response(422, description="Truncated or corrupt, larger than the largest side, or "
                                       "a decompression bomb.")
    @blp.doc(security=SIGNED_IN)
    def post(self, body):
        """Upload an image (re-encoded, metadata stripped) or audio (stored as sent)"""
        upload = body["file"]
        if not hasattr(upload, "read"):
            raise ServiceError("Send the file as multipart/form-data in the field `file`.",
                               {"files": {"file": ["Not a file."]}})
        data = upload.read(media_service.max_upload_bytes() + 1)
        return media_service.as_dict(
            media_service.upload(viewer_id(), data, upload.filename or "")), 201


@blp.route("/<int:media_id>")
class MediaById(MethodView):
    """One medium."""

    @blp.response(200, MediaSchema)
    @blp.alt_response(404, description="No such medium, or not one you may use.")
    def get(self, media_id):
        """A medium: its owner, or anyone who can see a shader that uses it"""
        me = viewer_id()
        media = media_service.visible_media(media_id, me)
        shown = media_service.as_dict(media)
        if media.owner_id != me:
            shown["name"] = ""  # the file's name is the owner's business
        return shown

    @login_required
    @blp.response(204)
    @blp.alt_response(404, description="No such medium of yours.")
    @blp.alt_response(409, description="A shader version uses it (the shader is named).")
    @blp.doc(security=SIGNED_IN)
    def delete(self, media_id):
        """Delete your medium and its file, unless a shader version uses it"""
        media_service.delete_media(media_id, viewer_id())
