"""Who is calling: JWTs (header or cookie), token issue and revocation, view decorators."""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

import sqlalchemy as sa
from flask import Flask, current_app, g, jsonify, request
from flask_jwt_extended import (
    create_access_token,
    create_refresh_token,
    get_jwt,
    get_jwt_header,
    get_jwt_identity,
    verify_jwt_in_request,
)
from flask_jwt_extended.exceptions import RevokedTokenError, UserLookupError
from redis.exceptions import RedisError

from fractafrag.extensions import db, jwt, redis
from fractafrag.models import User

F = TypeVar("F", bound=Callable[..., Any])
REVOKED_PREFIX = "jwt:revoked:"
# Per account: tokens issued before this time (a password change, "sign out everywhere") are
# refused. Tokens carry their issue time to the microsecond in the `ts` claim.
VALID_AFTER_PREFIX = "jwt:valid-after:"


def _unauthorized(message: str):
    body = {"code": 401, "status": "Unauthorized", "message": message}
    response = jsonify(body)
    response.status_code = 401
    response.headers["WWW-Authenticate"] = "Bearer"
    return response


def init_app(app: Flask) -> None:
    """Teach flask-jwt-extended how to find users, check revocation and word its errors."""

    @app.before_request
    def _refuse_bad_api_keys() -> None:
        # Every API call that carries a key has it checked (revoked, unknown, scope, rate),
        # also where the view itself does not ask who is calling.
        if API_KEY_HEADER in request.headers and request.path.startswith("/api/"):
            _api_key_user()

    @jwt.user_identity_loader
    def identity(user: User | int) -> str:
        return str(user.id if isinstance(user, User) else user)

    @jwt.token_in_blocklist_loader
    def is_revoked(_header: dict, payload: dict) -> bool:
        # Access tokens live 15 minutes and are not checked, so reads never need Redis.
        if payload.get("type") != "refresh":
            return False
        return bool(redis.exists(REVOKED_PREFIX + payload["jti"])) or issued_before_cutoff(payload)

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
        "access_token": new_access_token(user),
        "refresh_token": create_refresh_token(identity=user,
                                              additional_claims={"ts": time.time()}),
    }


def new_access_token(user: User | int) -> str:
    """An access token for user, stamped with its issue time (see issued_before_cutoff).

    Someone who signs in (or comes back and refreshes) is about to read their feed: a job
    materialises their ranking meanwhile, so that first read is served from Redis."""
    from fractafrag.services import feed

    feed.warm(user if isinstance(user, int) else user.id)
    return create_access_token(identity=user, additional_claims={"ts": time.time()})


def end_sessions(user_id: int) -> None:
    """Refuse every token of user_id issued until now (refresh tokens, refresh cookies, and access
    tokens where the account is loaded); tokens issued afterwards work. Raises when Redis is
    down, so a password change is not committed while its sessions would survive."""
    lifetime = current_app.config["JWT_REFRESH_TOKEN_EXPIRES"]
    seconds = int(lifetime.total_seconds()) if lifetime else 365 * 86400
    redis.set(VALID_AFTER_PREFIX + str(user_id), repr(time.time()), ex=seconds + 60)


def issued_before_cutoff(payload: dict[str, Any]) -> bool:
    """Whether this token was issued before its account's sessions were ended."""
    cutoff = redis.get(VALID_AFTER_PREFIX + str(payload.get("sub")))
    if cutoff is None:
        return False
    issued = payload.get("ts", payload.get("iat", 0))
    try:
        return float(issued) < float(cutoff)
    except (TypeError, ValueError):
        return True


def revoke_current_refresh_token() -> None:
    """Put the refresh token of this request on the Redis blocklist until it would expire."""
    payload = get_jwt()
    ttl = max(int(payload["exp"] - time.time()), 1)
    redis.set(REVOKED_PREFIX + payload["jti"], "1", ex=ttl)


API_KEY_HEADER = "X-API-Key"
# Writes anonymous callers may make (nothing stored for an account): a read key may make them.
OPEN_WRITES = re.compile(r"/api/v1/(validate|shaders/\d{1,18}/dwell)/?")


def _api_key_user() -> User | None:
    """The user an X-API-Key acts for (checked once per request, rate limited per key)."""
    if "api_key_user" not in g:
        from fractafrag.services import apikeys
        from fractafrag.services.ratelimit import enforce

        user, key = apikeys.authenticate(request.headers[API_KEY_HEADER].strip(), request.method,
                                         OPEN_WRITES.fullmatch(request.path) is not None)
        enforce("RATELIMIT_API_KEY", str(key.id), "requests with this API key")
        g.api_key_user, g.api_key = user, key
    return g.api_key_user


def _verify(optional: bool = False) -> None:
    """Verify the request's JWT once per request (views and decorators ask several times)."""
    done = g.get("jwt_verified")
    if done == "required" or (done == "optional" and optional):
        return
    verify_jwt_in_request(optional=optional)
    g.jwt_verified = "optional" if optional else "required"


def _token_user() -> User:
    """The account of this request's verified JWT, loaded once (on first use, not for every
    request: most reads need only the id the token carries); 401 when it no longer exists."""
    if "jwt_user" not in g:
        try:
            user = db.session.get(User, int(get_jwt_identity()))
        except (TypeError, ValueError):
            user = None
        if user is None or user.deleted_at is not None:
            raise UserLookupError("The account no longer exists.", get_jwt_header(), get_jwt())
        _refuse_ended_session()
        g.jwt_user = user
        g.jwt_account_checked = True
    return g.jwt_user


# Whether an account still exists: a Core statement built once (every write asks it).
_ACCOUNT_STATE = sa.select(User.__table__.c.deleted_at).where(
    User.__table__.c.id == sa.bindparam("id"))


def _check_account() -> None:
    """What a write needs of the token's account, without loading it: it still exists and its
    sessions were not ended after the token was issued (one column read, once per request)."""
    if g.get("jwt_account_checked"):
        return
    try:
        deleted = db.session.execute(_ACCOUNT_STATE, {"id": int(get_jwt_identity())}).first()
    except (TypeError, ValueError):
        deleted = None
    if deleted is None or deleted.deleted_at is not None:
        raise UserLookupError("The account no longer exists.", get_jwt_header(), get_jwt())
    _refuse_ended_session()
    g.jwt_account_checked = True


def _refuse_ended_session() -> None:
    # Where the account is checked (writes, account pages) an access token issued before a
    # password change is refused too; reads that use only the token's id are not checked
    # (no Redis round trip on them; access tokens live 15 minutes).
    # While Redis is down this check is skipped (logged): votes and publishing are built to
    # go on without Redis; refresh tokens, which do need it, are still checked.
    try:
        ended = issued_before_cutoff(get_jwt())
    except RedisError as error:
        logging.getLogger(__name__).warning("session cut-off not checked: %s", error)
        ended = False
    if ended:
        raise RevokedTokenError(get_jwt_header(), get_jwt())


def current_user() -> User | None:
    """The caller: by X-API-Key, else by JWT (header or cookie), else None (anonymous)."""
    if API_KEY_HEADER in request.headers:
        return _api_key_user()
    _verify(optional=True)
    if get_jwt_identity() is None:
        return None
    return _token_user()


def session_user() -> User:
    """A person signed in with a JWT (not an API key): managing keys needs one."""
    if API_KEY_HEADER in request.headers:
        from fractafrag.services import ServiceError

        raise ServiceError("API keys cannot manage API keys; sign in (Bearer JWT) instead.",
                           status=403)
    _verify()
    return _token_user()


def interactive_user(what: str) -> User:
    """A person signed in with a JWT (a Bearer token from sign-in, or the site's cookies), never
    an API key: `what` names the action in the 403 a key gets ("delete the account")."""
    if API_KEY_HEADER in request.headers:
        from fractafrag.services import Forbidden

        raise Forbidden(f"API keys cannot {what}: sign in (a Bearer token from /auth/login, "
                        "or the site's Settings page) to manage the account.")
    _verify()
    return _token_user()


def viewer_id() -> int | None:
    """The signed-in user's id, or None for anonymous callers: read from the verified token
    without loading the account (login_required has checked it exists for writes)."""
    if API_KEY_HEADER in request.headers:
        user = _api_key_user()
        return user.id if user is not None else None
    _verify(optional=True)
    identity = get_jwt_identity()
    if identity is None:
        return None
    try:
        return int(identity)
    except (TypeError, ValueError):
        return _token_user().id  # raises the 401


def login_required(view: F) -> F:
    """Reject anonymous callers with 401; the view then reads current_user()."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if API_KEY_HEADER in request.headers:
            _api_key_user()
        elif request.method in ("GET", "HEAD", "OPTIONS"):
            _verify()
        else:
            _verify()
            _check_account()  # a write needs an account that still exists
        return view(*args, **kwargs)

    return wrapper  # type: ignore[return-value]
