"""Who is looking at a page: the same JWTs as the API, kept in httpOnly SameSite cookies.

- Signing in through a page sets the access and refresh cookies (httpOnly) plus
  flask-jwt-extended's CSRF cookies, which page scripts echo in an X-CSRF-TOKEN header on every
  API call that changes something (double submit); the API refuses a cookie-authenticated write
  without it.
- Page forms (sign in, register, sign out, settings) carry a CSRF token kept in the signed Flask
  session and are refused without it.
- An expired access cookie is renewed from the refresh cookie while a page is served, so a
  visitor stays signed in for the refresh token's lifetime.
- Every page answers with a Content-Security-Policy that allows only this origin's scripts,
  styles, images and sockets; embeds may be framed anywhere, other pages nowhere else.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import re
import secrets
import time
from typing import Any

from flask import Flask, Response, abort, g, request, session
from flask_jwt_extended import (
    decode_token,
    set_access_cookies,
    set_refresh_cookies,
    unset_jwt_cookies,
)
from flask_jwt_extended.config import config as jwt_config
from flask_jwt_extended.exceptions import JWTExtendedException
from jwt import PyJWTError

from fractafrag.auth import REVOKED_PREFIX, issue_tokens, issued_before_cutoff, new_access_token
from fractafrag.extensions import db, redis
from fractafrag.models import User
from fractafrag.urls import public_url, site_root

# Blueprints whose responses are pages (CSP and friends apply to them).
PAGE_BLUEPRINTS = {"pages", "account", "editor", "desire_pages", "community_pages", "jam_pages"}
CSP = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
       "media-src 'self' blob:; connect-src 'self'; font-src 'self'; object-src 'none'; "
       "base-uri 'self'; form-action 'self'; frame-ancestors {ancestors}")
# The API docs page (flask-smorest's Swagger UI, vendored): its one inline script is allowed by
# its hash, computed from the page itself; Swagger UI sets style attributes, so inline styles are
# allowed there (and only there).
DOCS_CSP = ("default-src 'self'; script-src 'self' {hashes}; style-src 'self' 'unsafe-inline'; "
            "img-src 'self' data:; connect-src 'self'; font-src 'self'; object-src 'none'; "
            "base-uri 'self'; form-action 'self'; frame-ancestors 'self'")
INLINE_SCRIPT = re.compile(r"<script>(.*?)</script>", re.S)


def docs_csp(html: str) -> str:
    """The docs page's policy: this origin's scripts plus the page's own inline ones by hash."""
    hashes = " ".join(
        "'sha256-" + base64.b64encode(hashlib.sha256(body.encode()).digest()).decode() + "'"
        for body in INLINE_SCRIPT.findall(html))
    return DOCS_CSP.format(hashes=hashes)


def _decode(token: str | None, kind: str) -> dict[str, Any] | None:
    if not token:
        return None
    try:
        payload = decode_token(token)
    except (JWTExtendedException, PyJWTError):
        return None
    if payload.get("type") != kind:
        return None
    if kind == "refresh" and redis.exists(REVOKED_PREFIX + payload["jti"]):
        return None
    if issued_before_cutoff(payload):  # signed out everywhere (a password change) since
        return None
    return payload


def page_user() -> User | None:
    """The signed-in visitor of this page request, renewing an expired access cookie."""
    if "page_user" in g:
        return g.page_user
    user = None
    payload = _decode(request.cookies.get(jwt_config.access_cookie_name), "access")
    if payload is None:
        refresh = _decode(request.cookies.get(jwt_config.refresh_cookie_name), "refresh")
        if refresh is not None:
            user = db.session.get(User, int(refresh["sub"]))
            if user is not None:
                g.renewed_access_token = new_access_token(user)
    else:
        user = db.session.get(User, int(payload["sub"]))
    if user is not None and user.deleted_at is not None:
        user = None  # deleted since (its sessions were ended too)
    g.page_user = user
    return user


def sign_in(response: Response, user: User) -> Response:
    """Set the JWT cookies (and their CSRF companions) for user on response."""
    tokens = issue_tokens(user)
    set_access_cookies(response, tokens["access_token"])
    set_refresh_cookies(response, tokens["refresh_token"])
    return response


def sign_out(response: Response) -> Response:
    """Revoke the refresh cookie's token and clear every auth cookie."""
    refresh = _decode(request.cookies.get(jwt_config.refresh_cookie_name), "refresh")
    if refresh is not None:
        ttl = max(int(refresh["exp"] - time.time()), 1)
        redis.set(REVOKED_PREFIX + refresh["jti"], "1", ex=ttl)
    unset_jwt_cookies(response)
    return response


def csrf_token() -> str:
    """The form CSRF token of this browser session (made on first use)."""
    token = session.get("csrf")
    if not token:
        token = session["csrf"] = secrets.token_urlsafe(24)
    return token


def check_csrf() -> None:
    """Refuse a page form POST whose csrf_token field does not match the session's."""
    sent = request.form.get("csrf_token", "")
    expected = session.get("csrf", "")
    if not expected or not hmac.compare_digest(sent, expected):
        abort(400, "This form has expired or did not come from this site; reload and retry.")


def _docs_path(app: Flask) -> str:
    return "{}/{}".format(app.config.get("OPENAPI_URL_PREFIX", "").rstrip("/"),
                          app.config.get("OPENAPI_SWAGGER_UI_PATH", "").strip("/"))


def init_app(app: Flask) -> None:
    """Template helpers, access renewal and security headers for page responses."""

    @app.context_processor
    def _globals() -> dict[str, Any]:
        return {"viewer": page_user() if request.blueprint in PAGE_BLUEPRINTS else None,
                "csrf_token": csrf_token, "site_root": site_root, "public_url": public_url}

    @app.after_request
    def _headers(response: Response) -> Response:
        renewed = g.pop("renewed_access_token", None)
        if renewed is not None:
            set_access_cookies(response, renewed)
        if request.blueprint in PAGE_BLUEPRINTS:
            ancestors = "*" if request.endpoint == "pages.embed" else "'self'"
            response.headers.setdefault("Content-Security-Policy",
                                        CSP.format(ancestors=ancestors))
            response.headers.setdefault("X-Content-Type-Options", "nosniff")
            response.headers.setdefault("Referrer-Policy", "same-origin")
            if response.mimetype == "text/html":
                response.headers.setdefault("Cache-Control", "no-store")
        elif request.path == _docs_path(app) and response.mimetype == "text/html":
            response.headers.setdefault("Content-Security-Policy",
                                        docs_csp(response.get_data(as_text=True)))
            response.headers.setdefault("X-Content-Type-Options", "nosniff")
            response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    app.config.setdefault("SESSION_COOKIE_SAMESITE", "Lax")
    app.config.setdefault("SESSION_COOKIE_HTTPONLY", True)
    # The form-CSRF session cookie follows the JWT cookies' Secure flag.
    app.config.setdefault("SESSION_COOKIE_SECURE", bool(app.config.get("JWT_COOKIE_SECURE")))
