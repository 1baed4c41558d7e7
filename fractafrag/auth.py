"""Who is calling: JWTs (header or cookie), token issue and revocation, view decorators."""

from __future__ import annotations

import time
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import Flask, jsonify
from flask_jwt_extended import (
    create_access_token,
    create_refresh_token,
    get_jwt,
    get_jwt_identity,
    verify_jwt_in_request,
)
from flask_jwt_extended import current_user as jwt_current_user

from fractafrag.extensions import db, jwt, redis
from fractafrag.models import User

F = TypeVar("F", bound=Callable[..., Any])
REVOKED_PREFIX = "jwt:revoked:"


def _unauthorized(message: str):
    body = {"code": 401, "status": "Unauthorized", "message": message}
    response = jsonify(body)
    response.status_code = 401
    response.headers["WWW-Authenticate"] = "Bearer"
    return response


def init_app(app: Flask) -> None:
    """Teach flask-jwt-extended how to find users, check revocation and word its errors."""

    @jwt.user_identity_loader
    def identity(user: User | int) -> str:
        return str(user.id if isinstance(user, User) else user)

    @jwt.user_lookup_loader
    def lookup(_header: dict, payload: dict) -> User | None:
        try:
            return db.session.get(User, int(payload["sub"]))
        except (TypeError, ValueError):
            return None

    @jwt.token_in_blocklist_loader
    def is_revoked(_header: dict, payload: dict) -> bool:
        # Access tokens live 15 minutes and are not checked, so reads never need Redis.
        if payload.get("type") != "refresh":
            return False
        return bool(redis.exists(REVOKED_PREFIX + payload["jti"]))

    jwt.unauthorized_loader(lambda reason: _unauthorized(f"Sign in first: {reason}."))
    jwt.invalid_token_loader(lambda reason: _unauthorized(f"Invalid token: {reason}."))
    jwt.expired_token_loader(lambda _h, _p: _unauthorized("Token has expired; refresh it."))
    jwt.revoked_token_loader(lambda _h, _p: _unauthorized("Token has been revoked; sign in."))
    jwt.user_lookup_error_loader(lambda _h, _p: _unauthorized("The account no longer exists."))
    jwt.needs_fresh_token_loader(lambda _h, _p: _unauthorized("A fresh sign-in is needed."))
    jwt.token_verification_failed_loader(lambda _h, _p: _unauthorized("Token was refused."))


def issue_tokens(user: User) -> dict[str, str]:
    """Return a new access and refresh token for user."""
    return {
        "access_token": create_access_token(identity=user),
        "refresh_token": create_refresh_token(identity=user),
    }


def revoke_current_refresh_token() -> None:
    """Put the refresh token of this request on the Redis blocklist until it would expire."""
    payload = get_jwt()
    ttl = max(int(payload["exp"] - time.time()), 1)
    redis.set(REVOKED_PREFIX + payload["jti"], "1", ex=ttl)


def current_user() -> User | None:
    """The signed-in user of this request, or None for anonymous callers."""
    verify_jwt_in_request(optional=True)
    if get_jwt_identity() is None:
        return None
    return jwt_current_user


def viewer_id() -> int | None:
    """The signed-in user's id, or None for anonymous callers."""
    user = current_user()
    return user.id if user is not None else None


def login_required(view: F) -> F:
    """Reject anonymous callers with 401; the view then reads current_user()."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        verify_jwt_in_request()
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
