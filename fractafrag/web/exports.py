"""Finished exports, served like renders from the shared data volume until they expire."""

from flask import Blueprint, Response, send_from_directory

from fractafrag.services.exports import exports_dir

bp = Blueprint("export_files", __name__)
A_WEEK = 7 * 86400


@bp.get("/exports/<path:filename>")
def export_file(filename: str) -> Response:
    """One export's file: never rewritten (a new export gets a new name) but deleted when it
    expires, so cached for a week at most."""
    response = send_from_directory(exports_dir(), filename, max_age=A_WEEK)
    response.headers["Cache-Control"] = f"public, max-age={A_WEEK}, immutable"
    response.headers["X-Content-Type-Options"] = "nosniff"
    return response
