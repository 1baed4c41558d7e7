"""Who may join a shader's room, answered from Redis instead of the database on every join.

A join needs only three facts of a shader: does it exist (not deleted, not hidden), may
everyone see it (public or unlisted), and who owns it. They are kept per shader in the Redis
hash `realtime:shader:<id>` as one state: `*` (everyone), `-` (nobody: no such shader, deleted
or hidden) or the owner's id (a draft or private shader: its owner only).

Correctness: every commit that inserts a shader or changes its visibility, owner, deletion or
hiding drops the cached state (a hook run after every commit, services/after_commit, so no
service has to remember to) and bumps the hash's generation `g`; a join that read the database
while such a commit happened writes its answer back only if the generation it saw is still
there, so a stale "public" cannot be stored after a shader turned private. States also expire
after STATE_TTL seconds, which bounds the damage of a change made behind the ORM's back (raw
SQL).

Misses go to the database with at most SOCKET_ROOM_LOOKUPS at a time per process, so a
flood of joins to unknown rooms cannot take the connection pool from HTTP requests; a join
that cannot get a turn within LOOKUP_WAIT_SECONDS is refused with 503.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Iterable
from itertools import chain
from typing import Any

import sqlalchemy as sa
from flask import Flask, current_app
from redis.exceptions import RedisError
from sqlalchemy.orm import Session

from fractafrag.extensions import db, redis
from fractafrag.models import Shader
from fractafrag.models.shader import OPEN_BY_LINK
from fractafrag.services import ServiceError, after_commit

log = logging.getLogger(__name__)
KEY = "realtime:shader:"
EVERYONE = "*"
NOBODY = "-"
STATE_TTL = 300
LOOKUP_WAIT_SECONDS = 5.0
WATCHED_FIELDS = ("visibility", "owner_id", "deleted_at", "hidden_at")

# Store ARGV[2] as the state unless the generation changed since the reader saw ARGV[1].
_FILL = """
local g = redis.call('HGET', KEYS[1], 'g') or ''
if g ~= ARGV[1] then return 0 end
redis.call('HSET', KEYS[1], 's', ARGV[2])
redis.call('EXPIRE', KEYS[1], ARGV[3])
return 1
"""


class Busy(ServiceError):
    """Too many joins are waiting for the database in this process."""

    status = 503


def state_of(owner_id: int, visibility: str, deleted: bool, hidden: bool) -> str:
    """The cached state of a shader with these fields."""
    if deleted or hidden:
        return NOBODY
    return EVERYONE if visibility in OPEN_BY_LINK else str(owner_id)


def may_join(state: str, user_id: int | None) -> bool:
    """Whether user_id (None: anonymous) may join a shader room in this state."""
    return state == EVERYONE or (user_id is not None and state == str(user_id))


def shader_state(shader_id: int) -> str:
    """The state of shader_id: from Redis, else from the database (then cached)."""
    key = KEY + str(shader_id)
    cached, generation = _read(key)
    if cached is not None:
        return cached
    app: Flask = current_app._get_current_object()  # type: ignore[attr-defined]
    flights: dict[int, _Flight] = app.extensions.setdefault("fractafrag.room_flights", {})
    flight = flights.get(shader_id)
    if flight is not None:
        # A crowd joining the same unknown room: one look-up, the others wait for its answer.
        if flight.done.wait(LOOKUP_WAIT_SECONDS) and flight.state is not None:
            return flight.state
        raise Busy("The server is busy; try joining again in a moment.")
    flight = flights[shader_id] = _Flight()
    try:
        flight.state = _look_up(app, key, shader_id, generation)
        return flight.state
    finally:
        del flights[shader_id]
        flight.done.set()


class _Flight:
    """One database look-up in progress, which later joins of the same room wait for."""

    __slots__ = ("done", "state")

    def __init__(self) -> None:
        self.done = threading.Event()
        self.state: str | None = None


def state_for_request(shader_id: int) -> str:
    """The state of shader_id for an HTTP request (a dwell): from Redis, else read with the
    request's own connection (no join gate: requests are bounded by the pool), then cached."""
    key = KEY + str(shader_id)
    cached, generation = _read(key)
    if cached is not None:
        return cached
    row = db.session.execute(
        sa.select(Shader.owner_id, Shader.visibility, Shader.deleted_at, Shader.hidden_at)
        .where(Shader.id == shader_id)).first()
    state = NOBODY if row is None else state_of(row.owner_id, row.visibility,
                                                row.deleted_at is not None,
                                                row.hidden_at is not None)
    _fill(current_app._get_current_object(), key, shader_id, generation, state)  # type: ignore[attr-defined]
    return state


def _fill(app: Flask, key: str, shader_id: int, generation: Any, state: str) -> None:
    if generation is False:
        return
    try:
        _fill_script(app)(keys=[key], args=[generation or "", state, STATE_TTL])
    except RedisError as error:
        log.debug("could not cache the room state of shader %s: %s", shader_id, error)


def _look_up(app: Flask, key: str, shader_id: int, generation: Any) -> str:
    turn = _lookups(app)
    if not turn.acquire(timeout=LOOKUP_WAIT_SECONDS):
        raise Busy("The server is busy; try joining again in a moment.")
    try:
        state = _from_database(shader_id)
    finally:
        turn.release()
    _fill(app, key, shader_id, generation, state)
    return state


def forget(shader_ids: Iterable[int]) -> None:
    """Drop the cached states of these shaders and bump their generations (after a commit)."""
    ids = sorted(set(shader_ids))
    if not ids:
        return
    try:
        pipe = redis.pipeline(transaction=False)
        for shader_id in ids:
            key = KEY + str(shader_id)
            pipe.hincrby(key, "g", 1)
            pipe.hdel(key, "s")
            pipe.expire(key, STATE_TTL)
        pipe.execute()
    except (RedisError, RuntimeError) as error:
        log.warning("could not drop the cached room state of shaders %s (it expires within "
                    "%d s): %s", ids, STATE_TTL, error)


def _read(key: str) -> tuple[str | None, Any]:
    """(state, generation) from Redis; (None, False) when Redis cannot answer."""
    try:
        state, generation = redis.hmget(key, "s", "g")
    except RedisError:
        return None, False
    return (state.decode() if state is not None else None,
            generation.decode() if generation is not None else None)


def _from_database(shader_id: int) -> str:
    try:
        row = db.session.execute(
            sa.select(Shader.owner_id, Shader.visibility, Shader.deleted_at, Shader.hidden_at)
            .where(Shader.id == shader_id)).first()
    finally:
        db.session.close()  # give the connection back now, not when the event ends
    if row is None:
        return NOBODY
    return state_of(row.owner_id, row.visibility, row.deleted_at is not None,
                    row.hidden_at is not None)


def _lookups(app: Flask) -> threading.BoundedSemaphore:
    extensions = app.extensions
    if "fractafrag.room_lookups" not in extensions:
        extensions["fractafrag.room_lookups"] = threading.BoundedSemaphore(
            max(1, int(app.config.get("SOCKET_ROOM_LOOKUPS", 4))))
    return extensions["fractafrag.room_lookups"]


def _fill_script(app: Flask) -> Any:
    extensions = app.extensions
    if "fractafrag.room_fill" not in extensions:
        extensions["fractafrag.room_fill"] = redis.conn.register_script(_FILL)
    return extensions["fractafrag.room_fill"]


def _changed(session: Session, objects: Iterable[Any]) -> set[int]:
    ids = set()
    for obj in objects:
        if not isinstance(obj, Shader) or obj.id is None:
            continue
        if obj in session.new or obj in session.deleted:
            ids.add(obj.id)
            continue
        state = sa.inspect(obj)
        if any(state.attrs[name].history.has_changes() for name in WATCHED_FIELDS):
            ids.add(obj.id)
    return ids


def _closed_to_everyone(session: Session, ids: set[int]) -> set[int]:
    """Of the changed shaders, those everyone may no longer see (their rooms are emptied)."""
    closing = set()
    for obj in chain(session.new, session.dirty, session.deleted):
        if isinstance(obj, Shader) and obj.id in ids and (
                obj in session.deleted or state_of(obj.owner_id, obj.visibility,
                                                   obj.deleted_at is not None,
                                                   obj.hidden_at is not None) != EVERYONE):
            closing.add(obj.id)
    return closing


def _note_changes(session: Session) -> tuple[set[int], set[int]] | None:
    ids = _changed(session, chain(session.new, session.dirty, session.deleted))
    return (ids, _closed_to_everyone(session, ids)) if ids else None


def _forget_committed(notes: list[tuple[set[int], set[int]]]) -> None:
    changed: set[int] = set()
    closing: set[int] = set()
    for ids, closed in notes:  # in flush order: the last flush decides
        changed |= ids
        closing = (closing - ids) | closed
    forget(changed)
    if closing:
        # Rooms follow visibility: whoever subscribed while the shader was open leaves its room
        # at once, in every web process; the owner's events go on in their own room.
        from fractafrag.realtime import broadcast

        for shader_id in sorted(closing):
            broadcast.close_shader_room(shader_id)


after_commit.on_commit("admission", _note_changes, _forget_committed)
