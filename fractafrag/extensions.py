"""Extension singletons, created unbound and wired to an app by create_app."""

from __future__ import annotations

import logging
import select
import time
from datetime import timedelta
from hmac import compare_digest
from typing import TYPE_CHECKING, Any

import redis as redis_lib
import socketio as socketio_lib
from flask import Flask, current_app
from flask_jwt_extended import JWTManager
from flask_jwt_extended.config import config as jwt_config
from flask_jwt_extended.exceptions import CSRFError, JWTDecodeError
from flask_migrate import Migrate
from flask_smorest import Api as SmorestApi
from flask_socketio import SocketIO
from flask_sqlalchemy import SQLAlchemy
from gevent import monkey
from rq import Queue
from sqlalchemy import Engine, MetaData, event
from sqlalchemy.exc import DisconnectionError
from sqlalchemy.orm import DeclarativeBase
from werkzeug.exceptions import HTTPException, RequestEntityTooLarge

NAMING = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Declarative base of every model."""

    metadata = MetaData(naming_convention=NAMING)


class Api(SmorestApi):
    """flask-smorest's Api whose error payload always carries a human message."""

    def handle_http_exception(self, error: HTTPException) -> tuple[dict, int, dict]:
        """Answer every HTTP error as {code, status, message, errors?}."""
        payload, code, headers = super().handle_http_exception(error)
        errors = payload.get("errors")
        if code == 400 and errors == {"json": ["Invalid JSON body."]}:
            payload["message"] = "The request body is not valid JSON."
        elif code == 422 and isinstance(errors, dict):
            payload["message"] = "Fix these fields: " + "; ".join(_flatten(errors))
        elif code == 413 and isinstance(error, RequestEntityTooLarge):
            payload["message"] = _too_large_message()
        elif "message" not in payload:
            payload["message"] = error.description or error.name
        if code == 405 and hasattr(error, "valid_methods") and error.valid_methods:
            headers = {**headers, "Allow": ", ".join(sorted(error.valid_methods))}
        return payload, code, headers


def _too_large_message() -> str:
    """The 413 for a request body over MAX_CONTENT_LENGTH, naming the body's size and the limit
    (a shader's passes and Common share it; each is limited to shader_format.MAX_PASS_BYTES)."""
    from flask import current_app, request

    from fractafrag.services.shader_format import MAX_PASS_BYTES

    limit = current_app.config["MAX_CONTENT_LENGTH"]
    size = f"{request.content_length:,} bytes" if request.content_length else "too large"
    return (f"The request body is {size}; the limit is {limit:,} bytes ({limit // 1024} KB, "
            "FRACTAFRAG_MAX_BODY_BYTES) for the whole request: a shader's passes and Common "
            f"together (each at most {MAX_PASS_BYTES // 1024} KB).")


def _flatten(errors: dict, prefix: str = "") -> list[str]:
    """Turn marshmallow's nested messages into 'field: message' lines (location dropped)."""
    lines = []
    for key, value in errors.items():
        name = "" if key in ("json", "query", "form", "files", "path") and not prefix else str(key)
        path = f"{prefix}.{name}" if prefix and name else (name or prefix)
        if isinstance(value, dict):
            lines.extend(_flatten(value, path))
        else:
            messages = value if isinstance(value, list) else [value]
            lines.append(f"{path or 'body'}: {' '.join(str(m) for m in messages)}")
    return lines


# redis-py checks every connection it takes from its pool for unread data with a zero-timeout
# poll(). In a web process gevent has replaced select.poll, and its poll builds watchers on the
# hub for that instant check: ~5 % of a web process's CPU under a crowd (py-spy). A zero
# timeout never waits, so the operating system's own poll gives the same answer directly.
_os_poll = monkey.get_original("select", "poll")


def _socket_can_read(sock: Any, timeout: float | None) -> bool:
    if timeout != 0:
        return _redis_socket_can_read(sock, timeout)
    if hasattr(sock, "pending") and sock.pending():  # TLS: decrypted bytes above the socket
        return True
    poller = _os_poll()
    poller.register(sock, select.POLLIN)
    return bool(poller.poll(0))


try:
    from redis._parsers import hiredis as _hiredis_parser

    _redis_socket_can_read = _hiredis_parser._socket_can_read
    _hiredis_parser._socket_can_read = _socket_can_read
except (ImportError, AttributeError):  # another redis-py: its own check stays
    pass


class RedisClient:
    """The current app's Redis connection; built lazily from REDIS_URL (no I/O at init)."""

    def init_app(self, app: Flask) -> None:
        """Build this app's connection pool for REDIS_URL; connecting happens on first use."""
        url = app.config["REDIS_URL"]
        app.extensions["fractafrag.redis"] = (
            redis_lib.Redis.from_url(
                url, socket_timeout=3, socket_connect_timeout=2, health_check_interval=30
            )
            if url
            else None
        )

    @property
    def conn(self) -> redis_lib.Redis:
        """The Redis client of the current app; raises if REDIS_URL is not set."""
        conn = current_app.extensions.get("fractafrag.redis")
        if conn is None:
            raise RuntimeError("Redis is not configured: set REDIS_URL")
        return conn

    def __getattr__(self, name: str) -> Any:
        return getattr(self.conn, name)


class Queues:
    """RQ queues on the app's Redis, by name (default, render)."""

    def __init__(self, client: RedisClient) -> None:
        self._client = client

    def get(self, name: str) -> Queue:
        """Return the RQ queue called name."""
        return Queue(name, connection=self._client.conn)

    def enqueue(self, queue: str, func_path: str, *args: Any, **kwargs: Any) -> Any:
        """Enqueue a job by dotted path, e.g. 'fractafrag.jobs.render.render_shader'."""
        return self.get(queue).enqueue(func_path, *args, **kwargs)

    def enqueue_claimed(self, claim: str, claim_seconds: int, queue: str, func_path: str,
                        *args: Any, delay: timedelta | None = None, **kwargs: Any) -> bool:
        """Enqueue a job (after `delay`, if given) unless one is pending: the first caller
        takes the Redis key `claim` for claim_seconds (the job or its expiry releases it), the
        rest find it taken. Whether this call queued it; a Redis outage is logged, not raised."""
        try:
            if not self._client.set(claim, 1, nx=True, ex=claim_seconds):
                return False
            if delay is None:
                self.enqueue(queue, func_path, *args, **kwargs)
            else:
                self.get(queue).enqueue_in(delay, func_path, *args, **kwargs)
        except redis_lib.RedisError as error:
            logging.getLogger(__name__).warning("could not queue %s%s: %s", func_path, args, error)
            return False
        return True

    def try_enqueue(self, queue: str, func_path: str, *args: Any, **kwargs: Any) -> bool:
        """Enqueue after a commit: a Redis outage is logged (a sweep catches up), not raised."""
        try:
            self.enqueue(queue, func_path, *args, **kwargs)
        except redis_lib.RedisError as error:
            logging.getLogger(__name__).warning("could not queue %s%s: %s", func_path, args, error)
            return False
        return True


SOCKETIO_CHANNEL = "fractafrag"


def socketio_manager(redis_url: str, write_only: bool = False) -> socketio_lib.RedisManager | None:
    """The Redis message queue that carries Socket.IO events between processes (any URL form)."""
    if not redis_url:
        return None
    return socketio_lib.RedisManager(redis_url, channel=SOCKETIO_CHANNEL, write_only=write_only)


class VerifiedTokens(JWTManager):
    """flask-jwt-extended's manager that verifies each distinct token once per process.

    Verifying a token costs ~0.4 ms of CPU (PyJWT decodes it twice and re-checks the key on
    every call), 6-8 % of a web process under the crowd of bench/load.py, where every signed-in
    request carries one of a few hundred tokens. A token's signature, issuer and identity do
    not change, so the verified claims are kept (at most MAX_KEPT tokens, all forgotten when
    full) and only what can change is checked again on each use: expiry and the CSRF double
    submit value. Revocation (the blocklist loader) still runs on every request, after this.
    Overrides one private method of flask-jwt-extended: pyproject.toml bounds its version.
    """

    MAX_KEPT = 4096

    def __init__(self, app: Flask | None = None, **kwargs: Any) -> None:
        self._verified: dict[str, dict] = {}
        super().__init__(app, **kwargs)

    def _decode_jwt_from_config(self, encoded_token: str, csrf_value: str | None = None,
                                allow_expired: bool = False) -> dict:
        claims = self._verified.get(encoded_token)
        leeway = jwt_config.leeway
        leeway = leeway.total_seconds() if isinstance(leeway, timedelta) else leeway
        if claims is None or allow_expired or ("exp" in claims and
                                               claims["exp"] + leeway <= time.time()):
            # Unknown, or expired: the library decides (and says why it refuses).
            claims = super()._decode_jwt_from_config(encoded_token, csrf_value, allow_expired)
            if not allow_expired:
                if len(self._verified) >= self.MAX_KEPT:
                    self._verified.clear()
                self._verified[encoded_token] = dict(claims)
            return claims
        if csrf_value:
            if "csrf" not in claims:
                raise JWTDecodeError("Missing claim: csrf")
            if not compare_digest(claims["csrf"], csrf_value):
                raise CSRFError("CSRF double submit tokens do not match")
        return dict(claims)


db = SQLAlchemy(model_class=Base)


def ping_idle_connections(engine: Engine, idle_seconds: float) -> None:
    """Check a pooled connection before use only when it sat idle for idle_seconds.

    SQLAlchemy's pool_pre_ping sends a round trip before every checkout: under a crowd that is
    one of the four a one-query request makes, on connections used a few milliseconds ago.
    Here a connection idle longer (when a restarted or restarting PostgreSQL may have closed it)
    is pinged and replaced when the ping fails; one in steady use is not. A connection that
    died meanwhile fails its query, which invalidates the whole pool (the request answers 503
    naming the database, as it would while PostgreSQL is down) and the next ones reconnect.
    """

    @event.listens_for(engine, "checkin")
    def _idle_from(_dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _ping_if_idle(dbapi_connection: Any, record: Any, _proxy: Any) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < idle_seconds:
            return
        try:
            alive = engine.dialect.do_ping(dbapi_connection)
        except Exception as error:  # the driver's own error type, whatever it is
            raise DisconnectionError(f"an idle connection was closed: {error}") from error
        if not alive:
            raise DisconnectionError("an idle connection did not answer its ping")

if TYPE_CHECKING:
    from flask_sqlalchemy.model import Model as _FlaskModel

    class Model(Base, _FlaskModel):
        """db.Model as the type checker sees it: flask-sqlalchemy builds it at runtime from
        Base and its own Model mixin, and types it as an attribute, which cannot be a base
        class for mypy."""

        __abstract__ = True
else:
    Model = db.Model

migrate = Migrate()
api = Api()
jwt = VerifiedTokens()
socketio = SocketIO()
redis = RedisClient()
queues = Queues(redis)
