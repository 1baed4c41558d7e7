"""Uploaded media, served like renders: the files never change, so caches keep them a year."""

from flask import Blueprint, Response, send_from_directory

from fractafrag.services.media import media_dir
from fractafrag.web.renders import A_YEAR

bp = Blueprint("media_files", __name__)


@bp.get("/media/<path:filename>")
def media_file(filename: str) -> Response:
    """One uploaded file; immutable (a new upload gets a new name), so cached for a year."""
    response = send_from_directory(media_dir(), filename, max_age=A_YEAR)
    response.headers["Cache-Control"] = f"public, max-age={A_YEAR}, immutable"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
