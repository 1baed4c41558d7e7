"""Rendered thumbnails and previews, served with long cache lifetimes (names are content hashes)."""

from flask import Blueprint, Response, send_from_directory

from fractafrag.services.render_store import renders_dir

bp = Blueprint("renders", __name__)
A_YEAR = 365 * 24 * 3600


@bp.get("/renders/<path:filename>")
def rendered(filename: str) -> Response:
    """One rendered image; it never changes, so caches may keep it for a year."""
    response = send_from_directory(renders_dir(), filename, max_age=A_YEAR)
    response.headers["Cache-Control"] = f"public, max-age={A_YEAR}, immutable"
    return response
