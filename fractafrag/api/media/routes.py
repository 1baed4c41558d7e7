"""Upload, list and delete your own media (images, audio and video for shader inputs)."""

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint

from fractafrag.api import SIGNED_IN
from fractafrag.api.media.schemas import MediaListArgsSchema, MediaSchema, UploadSchema
from fractafrag.auth import login_required, viewer_id
from fractafrag.services import ServiceError
from fractafrag.services import media as media_service

blp = Blueprint("media", __name__, url_prefix="/api/v1/media",
                description="Your own media: images, audio and video for shader inputs "
                            "(media:<id>)")
blp.DEFAULT_PAGINATION_PARAMETERS = {"page": 1, "page_size": 50, "max_page_size": 100}


@blp.before_request
def _upload_body_limit() -> None:
    # An upload may be larger than FRACTAFRAG_MAX_BODY_BYTES: up to the media limits.
    if request.method == "POST":
        request.max_content_length = media_service.max_upload_bytes()


@blp.route("")
class MediaList(MethodView):
    """Your media."""

    @login_required
    @blp.arguments(MediaListArgsSchema, location="query")
    @blp.response(200, MediaSchema(many=True))
    @blp.paginate()
    @blp.doc(security=SIGNED_IN)
    def get(self, args, pagination_parameters):
        """Your media, newest first (kind=image|audio|video: of that kind only), a page at a
        time (X-Pagination says how many there are)"""
        rows, total = media_service.list_media(viewer_id(), args.get("kind"),
                                               pagination_parameters.page,
                                               pagination_parameters.page_size)
        pagination_parameters.item_count = total
        return [media_service.as_dict(m) for m in rows]

    @login_required
    @blp.arguments(UploadSchema, location="files")
    @blp.response(201, MediaSchema)
    @blp.alt_response(413, description="Too many bytes, or over your storage quota "
                                       "(errors.quota = {limit, used, size}).")
    @blp.alt_response(415, description="Not a PNG, JPEG or WebP image, Ogg, MP3 or WAV audio, "
                                       "nor WebM or MP4 video (or a video codec browsers do "
                                       "not play).")
    @blp.alt_response(422, description="Truncated or corrupt, larger than the largest side, "
                                       "a video longer than the longest duration, or a "
                                       "decompression bomb.")
    @blp.doc(security=SIGNED_IN)
    def post(self, body):
        """Upload an image (re-encoded, metadata stripped), audio (stored as sent) or a video
        (its first picture decoded, its video stream remuxed alone: metadata and sound
        dropped)"""
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
