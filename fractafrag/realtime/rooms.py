"""Who a Socket.IO connection speaks for, and which rooms it may join."""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from flask_jwt_extended import decode_token
from flask_jwt_extended.exceptions import JWTExtendedException
from jwt import ExpiredSignatureError, PyJWTError
from redis.exceptions import RedisError

from fractafrag.auth import issued_before_cutoff
from fractafrag.realtime import admission
from fractafrag.realtime.broadcast import DESIRES_ROOM, FEED_ROOM, shader_room, user_room
from fractafrag.services import Forbidden, NotFound, ServiceError

ROOMS_HELP = "rooms are feed, desires, shader:<id> and user:<your id>"
_NUMBERED = re.compile(r"(shader|user):(\d{1,18})")


class Unauthorized(ServiceError):
    """The token is missing where needed, or it is not a valid access token."""

    status = 401


@dataclass(frozen=True)
class Room:
    """A room by its canonical name; shader_id is set for a shader's room."""

    name: str
    shader_id: int | None = None


def identity(auth: Any, cookie_token: str | None) -> int | None:
    """The user id of a connection: from auth {token} (refused if bad), else the cookie."""
    signed_in = session_of(auth, cookie_token)
    return signed_in[0] if signed_in is not None else None


def session_of(auth: Any, cookie_token: str | None) -> tuple[int, float] | None:
    """(user id, when its token was issued) of a connection, or None for a visitor: from auth
    {token} (refused if bad, or issued before its account's sessions were ended), else the
    cookie (a stale one leaves the visitor anonymous)."""
    if auth is not None and not isinstance(auth, dict):
        raise ServiceError("Connect with auth {token: <access token>} or without auth.",
                           status=400)
    token = (auth or {}).get("token")
    if token is not None:
        if not isinstance(token, str):
            raise Unauthorized("The token must be a string.")
        return _session(token)
    if cookie_token:
        # The cookie comes along by itself; a stale one leaves the visitor anonymous.
        try:
            return _session(cookie_token)
        except Unauthorized:
            return None
    return None


def _session(token: str) -> tuple[int, float]:
    try:
        payload = decode_token(token)
    except ExpiredSignatureError as error:
        raise Unauthorized("Token has expired; refresh it.") from error
    except (PyJWTError, JWTExtendedException) as error:
        raise Unauthorized(f"Invalid token: {error}.") from error
    if payload.get("type") != "access":
        raise Unauthorized("Connect with an access token, not a refresh token.")
    try:
        ended = issued_before_cutoff(payload)
    except RedisError:
        ended = False  # checked again by the connection sweep once Redis is back
    if ended:
        raise Unauthorized("This session was ended (a password change or \"sign out "
                           "everywhere\"); sign in again.")
    try:
        return int(payload["sub"]), float(payload.get("ts", payload.get("iat", 0)))
    except (KeyError, TypeError, ValueError) as error:
        raise Unauthorized("Invalid token: it names no user.") from error


def parse(name: Any) -> Room:
    """The room called name, canonical ('shader:007' is 'shader:7'); 404 for unknown names."""
    if not isinstance(name, str) or not name:
        raise ServiceError(f"Name a room as a string; {ROOMS_HELP}.", {"room": ["Not a string."]})
    if name in (FEED_ROOM, DESIRES_ROOM):
        return Room(name)
    match = _NUMBERED.fullmatch(name)
    if match is None:
        shown = name if len(name) <= 60 else name[:60] + "…"
        raise NotFound(f"No room {shown!r}; {ROOMS_HELP}.")
    number = int(match.group(2))
    if match.group(1) == "shader":
        return Room(shader_room(number), number)
    return Room(user_room(number))


def admit(name: Any, user_id: int | None) -> Room:
    """The room if user_id may join it; otherwise the ServiceError that says why not.

    A shader's room is open to whoever may see the shader (admission.py answers from Redis,
    not the database); a shader you may not see answers 404 as if it did not exist.
    """
    room = parse(name)
    if room.shader_id is not None:
        if not admission.may_join(admission.shader_state(room.shader_id), user_id):
            raise NotFound(f"No shader {room.shader_id}.")
    elif room.name.startswith("user:"):
        if user_id is None:
            raise Unauthorized("Sign in (connect with a token) to join your own room.")
        if room.name != user_room(user_id):
            raise Forbidden(f"{room.name} is another user's private room; yours is "
                            f"{user_room(user_id)}.")
    return room
