"""Page blueprints (Jinja): thin views over the services, plus the page session and headers."""

from __future__ import annotations

from http import HTTPStatus

from flask import Blueprint, Flask, render_template
from werkzeug.exceptions import HTTPException

from fractafrag.services import ServiceError


def _error_page(code: int, message: str, headers: dict[str, str] | None = None):
    phrase = HTTPStatus(code).phrase if code in HTTPStatus._value2member_map_ else "Error"
    return render_template("error.html", code=code, phrase=phrase, message=message), code, \
        headers or {}


def _html_errors(bp: Blueprint) -> None:
    """Errors inside pages answer as pages (the API keeps its JSON); once per blueprint."""
    if getattr(bp, "_fractafrag_html_errors", False):
        return
    bp._fractafrag_html_errors = True  # type: ignore[attr-defined]

    @bp.errorhandler(ServiceError)
    def service_error(error: ServiceError):
        return _error_page(error.status, error.message, error.headers)

    @bp.errorhandler(HTTPException)
    def http_error(error: HTTPException):
        messages = {404: "There is nothing here, or it is not yours to see."}
        # errors.abort (flask-smorest's) keeps its message and headers (Retry-After) in .data.
        data = getattr(error, "data", None) or {}
        description = (data.get("message") or error.description if error.code != 404
                       else messages[404])
        return _error_page(error.code or 500, description or "", data.get("headers"))


def register_web(app: Flask) -> None:
    """Register every page blueprint and the page session (cookies, CSRF, CSP)."""
    from fractafrag.web import (
        account,
        community_pages,
        desire_pages,
        editor,
        exports,
        jam_pages,
        media,
        pages,
        renders,
        session,
    )

    session.init_app(app)
    for module in (pages, account, editor, desire_pages, community_pages, jam_pages):
        _html_errors(module.bp)
        app.register_blueprint(module.bp)
    app.register_blueprint(renders.bp)
    app.register_blueprint(media.bp)
    app.register_blueprint(exports.bp)
