"""Every error the app answers, in flask-smorest's JSON shape; nothing leaks as an HTML 500."""

from __future__ import annotations

import json
import logging
import re
from http import HTTPStatus

from flask import Flask, jsonify
from flask_smorest import abort as smorest_abort
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from sqlalchemy.exc import DataError, OperationalError
from sqlalchemy.exc import TimeoutError as PoolTimeout
from werkzeug.exceptions import InternalServerError

from fractafrag.services import ServiceError

log = logging.getLogger(__name__)


def abort(code: int, message: str, **kwargs: object) -> None:
    """Stop the request with an HTTP error whose message tells the user what to fix."""
    smorest_abort(code, message=message, **kwargs)


def _service_unavailable(part: str, retry_after: int = 5, message: str | None = None):
    body = {
        "code": 503,
        "status": "Service Unavailable",
        "message": message or f"{part} is unavailable right now; try again in a few seconds.",
    }
    response = jsonify(body)
    response.status_code = 503
    response.headers["Retry-After"] = str(retry_after)
    return response


def _status_name(code: int) -> str:
    return HTTPStatus(code).phrase


# A lone surrogate can only arrive as a \uD800-\uDFFF escape (raw UTF-8 cannot encode one),
# and the parser only runs out of stack past ~1000 levels of [ and {: bodies with neither are
# not parsed here a second time (the view's parser reads them once).
_SURROGATE_ESCAPE = re.compile(rb"\\u[dD][89a-fA-F]")
_BRACKETS_WORTH_CHECKING = 256


def _lone_surrogate_at(value: object, path: str = "") -> str | None:
    """The JSON path of the first key or string holding half a UTF-16 surrogate pair, if any."""
    if isinstance(value, str):
        try:
            value.encode("utf-8")
        except UnicodeEncodeError:
            return path or "(the body)"
        return None
    if isinstance(value, dict):
        items = value.items()
    elif isinstance(value, list):
        items = enumerate(value)
    else:
        return None
    for key, item in items:
        child = f"{path}[{key}]" if isinstance(key, int) else (f"{path}.{key}" if path else key)
        found = _lone_surrogate_at(key, child) if isinstance(key, str) else None
        found = found or _lone_surrogate_at(item, child)
        if found:
            return found
    return None


def check_json_body() -> None:
    """Refuse JSON no handler could store: nesting past the parser's depth, lone surrogates.

    Both parse as JSON but fail later (RecursionError; PostgreSQL cannot encode the text), so
    they are turned into a 400 naming the problem before any view sees the body.
    """
    from flask import request

    if request.method not in ("POST", "PUT", "PATCH", "DELETE") or not request.is_json:
        return
    raw = request.get_data(cache=True)
    brackets = raw.count(b"[") + raw.count(b"{")
    if brackets <= _BRACKETS_WORTH_CHECKING and not _SURROGATE_ESCAPE.search(raw):
        return
    try:
        where = _lone_surrogate_at(json.loads(raw))
    except RecursionError:
        abort(400, "The JSON body is nested too deeply; no Fractafrag field nests more than a "
                   "few levels.")
    except ValueError:
        return  # not JSON: the view's parser answers with what is wrong
    if where is not None:
        abort(400, f"Field {where} holds a lone UTF-16 surrogate (a \\ud800-\\udfff escape "
                   "without its pair), which is not Unicode text; send the full pair or the "
                   "character itself.", errors={"json": {where: ["Not valid Unicode text."]}})


def init_app(app: Flask) -> None:
    """Register the handlers that turn infrastructure failures into clear JSON answers."""

    app.before_request(check_json_body)

    @app.errorhandler(ServiceError)
    def service_error(error: ServiceError):
        body = {
            "code": error.status,
            "status": _status_name(error.status),
            "message": error.message,
        }
        if error.errors:
            body["errors"] = error.errors
        return jsonify(body), error.status, error.headers

    @app.errorhandler(RedisConnectionError)
    @app.errorhandler(RedisTimeoutError)
    def redis_down(error: Exception):
        log.warning("redis error: %s", error)
        return _service_unavailable("Redis")

    @app.errorhandler(PoolTimeout)
    def database_busy(error: PoolTimeout):
        log.warning("database pool exhausted: %s", error)
        return _service_unavailable("The database", retry_after=2, message=(
            "The database is busy (every connection is in use); try again in a moment."))

    @app.errorhandler(OperationalError)
    def database_down(error: OperationalError):
        log.warning("database error: %s", error)
        return _service_unavailable("The database")

    @app.errorhandler(DataError)
    def unstorable_value(error: DataError):
        # A value PostgreSQL cannot hold: a number beyond its integer types (Flask's <int:…> and
        # page numbers have no upper bound) or text with a NUL character. Looked up by a path
        # id, it matches nothing (404; a page for pages); otherwise it is an invalid field (422).
        from flask import request
        from psycopg.errors import NumericValueOutOfRange

        from fractafrag.extensions import db
        from fractafrag.services import NotFound

        db.session.rollback()
        number = isinstance(error.orig, NumericValueOutOfRange)
        if not number and "NUL (0x00)" not in str(error.orig):
            raise error
        if request.view_args and (number or request.method == "GET"):
            return app.handle_user_exception(NotFound("Not found: nothing is stored under "
                                                      "such a value."))
        reason = ("A number in the request is too large." if number
                  else "Text may not contain the NUL character (\\u0000).")
        return app.handle_user_exception(ServiceError(reason))

    @app.errorhandler(InternalServerError)
    def internal_error(error: InternalServerError):
        original = getattr(error, "original_exception", None)
        if original is not None:
            log.exception("unhandled error", exc_info=original)
        body = {
            "code": 500,
            "status": "Internal Server Error",
            "message": "Something went wrong on our side; it has been logged.",
        }
        return jsonify(body), 500
