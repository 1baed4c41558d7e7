"""The only place that emits Socket.IO events; the same path from web processes and workers.

Every event is published to the Redis message queue with a write-only manager; each web
process's Socket.IO server is subscribed to that queue and delivers to its own clients.
"""

from __future__ import annotations

import logging
from datetime import datetime
from typing import Any

import socketio as socketio_lib
import sqlalchemy as sa
from flask import current_app
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

from fractafrag.extensions import socketio_manager

log = logging.getLogger(__name__)
FEED_ROOM = "feed"
DESIRES_ROOM = "desires"


def _manager() -> socketio_lib.RedisManager | None:
    extensions = current_app.extensions
    if "fractafrag.broadcast" not in extensions:
        extensions["fractafrag.broadcast"] = socketio_manager(
            current_app.config["REDIS_URL"], write_only=True)
    return extensions["fractafrag.broadcast"]


def emit(event: str, data: dict[str, Any], room: str | list[str],
         skip_sid: str | None = None) -> None:
    """Send event to everyone in room, or in any of a list of rooms (once each, in one message
    between processes), but skip_sid, the sender; a Redis outage is logged, never raised to
    the caller."""
    manager = _manager()
    if manager is None:
        return
    try:
        manager.emit(event, data, namespace="/", room=room, skip_sid=skip_sid)
    except (RedisError, OSError) as error:
        log.warning("could not broadcast %s to %s: %s", event, room, error)


def shader_room(shader_id: int) -> str:
    """The room of one shader's page."""
    return f"shader:{shader_id}"


def owner_room(shader_id: int, user_id: int) -> str:
    """A signed-in subscriber's own room for one shader (joined with `shader:<id>`, never by
    name): a private shader's events go only to its owner's."""
    return f"shader:{shader_id}:u{user_id}"


def visible_room(shader_id: int) -> str | None:
    """Where a shader's events may go now: its room while everyone may see it, its owner's room
    while it is a draft or private, nowhere when it is hidden, deleted or cannot be looked up."""
    from fractafrag.realtime import admission

    try:
        state = admission.state_for_request(shader_id)
    except Exception as error:  # noqa: BLE001 - a failed look-up sends nothing (fails closed)
        log.warning("not broadcasting for shader %s, its visibility is unknown: %s",
                    shader_id, error)
        return None
    return room_for(shader_id, state)


def room_for(shader_id: int, state: str) -> str | None:
    """The room of a shader in admission state `state` (see visible_room)."""
    from fractafrag.realtime import admission

    if state == admission.EVERYONE:
        return shader_room(shader_id)
    if state == admission.NOBODY:
        return None
    return owner_room(shader_id, int(state))


def shader_emit(event: str, data: dict[str, Any], shader_id: int) -> None:
    """Send a shader's event to whoever may see the shader now (visible_room)."""
    room = visible_room(shader_id)
    if room is not None:
        emit(event, data, room)


def close_shader_room(shader_id: int) -> None:
    """Empty `shader:<id>` in every web process (a shader became private, a draft, hidden or
    deleted); owners keep their events through owner_room."""
    manager = _manager()
    if manager is None:
        return
    try:
        manager.close_room(shader_room(shader_id), namespace="/")
    except (RedisError, OSError) as error:
        log.warning("could not close the room of shader %s: %s", shader_id, error)
    close_jam_rooms(shader_id)


def close_jam_rooms(shader_id: int) -> None:
    """Empty the room of the shader's live jam too: a jam follows its shader's visibility, and
    who may still see it joins again (the owner does; others now get 404)."""
    from fractafrag.extensions import db

    manager = _manager()
    if manager is None:
        return
    try:
        # Its own connection: this runs after a commit, where the session may not query.
        with db.engine.connect() as connection:
            jam_ids = connection.execute(sa.text(
                "SELECT id FROM jams WHERE shader_id = :shader AND status = 'live'"),
                {"shader": shader_id}).scalars().all()
        for jam_id in jam_ids:
            manager.close_room(jam_room(jam_id), namespace="/")
    except (SQLAlchemyError, RedisError, OSError) as error:
        log.warning("could not close the jam rooms of shader %s: %s", shader_id, error)


def render_status(shader_id: int, version: int, status: str, progress: float,
                  error: str | None = None) -> None:
    """`render:status {shader_id, version, status, progress[, error]}` to the shader's room."""
    payload: dict[str, Any] = {"shader_id": shader_id, "version": version, "status": status,
                               "progress": round(progress, 3)}
    if error:
        payload["error"] = error
    shader_emit("render:status", payload, shader_id)


def vote_updated(counters: dict[str, Any], state: str | None = None) -> None:
    """`vote:updated {shader_id, up, down, score, hot}` to the shader's room and the feed
    (a private shader's: to its owner only). `state` is the shader's admission state when the
    caller has just read it (a vote has: no look-up then); else it is looked up."""
    shader_id = counters["shader_id"]
    room = visible_room(shader_id) if state is None else room_for(shader_id, state)
    if room is None:
        return
    emit("vote:updated", counters, [room, FEED_ROOM] if room == shader_room(shader_id) else room)


def shader_rendered(shader_id: int, version: int, thumbnail_url: str, preview_url: str,
                    public: bool) -> None:
    """`shader:rendered` to the shader's room (a private shader's: to its owner only), and to
    the live feed when the caller read the shader as public and not hidden."""
    payload = {"shader_id": shader_id, "version": version, "thumbnail_url": thumbnail_url,
               "preview_url": preview_url}
    shader_emit("shader:rendered", payload, shader_id)
    if public:
        emit("shader:rendered", payload, FEED_ROOM)


def user_room(user_id: int) -> str:
    """The private room of one signed-in user."""
    return f"user:{user_id}"


def shader_published(shader_id: int, version: int, title: str, author: str, tags: list[str],
                     published_at: datetime) -> None:
    """`shader:published {shader_id, version, title, author, tags, published_at}` to the feed."""
    emit("shader:published", {"shader_id": shader_id, "version": version, "title": title,
                              "author": author, "tags": list(tags),
                              "published_at": published_at.isoformat()}, FEED_ROOM)


def viewers(shader_id: int, count: int) -> None:
    """`viewers {shader_id, count}` to the shader's room."""
    emit("viewers", {"shader_id": shader_id, "count": count}, shader_room(shader_id))


def desire_created(desire_id: int, prompt: str, bounty_cents: int, cluster_id: int | None,
                   created_at: datetime) -> None:
    """`desire:created {desire_id, prompt, bounty_cents, cluster_id, created_at}` to `desires`."""
    emit("desire:created", {"desire_id": desire_id, "prompt": prompt,
                            "bounty_cents": bounty_cents, "cluster_id": cluster_id,
                            "created_at": created_at.isoformat()}, DESIRES_ROOM)


def cluster_heat(cluster_id: int, heat: float, size: int, label: str,
                 merged_into: int | None = None) -> None:
    """`cluster:heat {cluster_id, heat, size, label, merged_into}` to `desires`.

    A cluster merged into another is announced once with size 0 and `merged_into` set.
    """
    emit("cluster:heat", {"cluster_id": cluster_id, "heat": round(heat, 4), "size": size,
                          "label": label, "merged_into": merged_into}, DESIRES_ROOM)


def desire_fulfilled(desire_id: int, shader_id: int, cluster_id: int | None) -> None:
    """`desire:fulfilled {desire_id, shader_id, cluster_id}` to `desires`."""
    emit("desire:fulfilled", {"desire_id": desire_id, "shader_id": shader_id,
                              "cluster_id": cluster_id}, DESIRES_ROOM)


def generate_status(user_id: int, job_id: str, status: str, attempt: int,
                    errors: list[dict[str, Any]] | None = None, shader_id: int | None = None,
                    message: str | None = None) -> None:
    """An AI generation job's step, to its owner's room `user:<id>` only.

    `generate:progress {id, status: running, attempt, errors?}` while the model works (errors:
    the compiler's, sent back for a repair), then `generate:done {id, status, attempt,
    shader_id}` or `generate:failed {id, status, attempt, message, errors?}`.
    """
    payload: dict[str, Any] = {"id": job_id, "status": status, "attempt": attempt}
    if errors:
        payload["errors"] = errors
    if shader_id is not None:
        payload["shader_id"] = shader_id
    if message:
        payload["message"] = message
    event = {"done": "generate:done", "failed": "generate:failed"}.get(status,
                                                                       "generate:progress")
    emit(event, payload, user_room(user_id))


def comment_event(event: str, shader_id: int, payload: dict[str, Any]) -> None:
    """`comment:created|updated|deleted {id, shader_id, …}` to the shader's room (a private
    shader's: to its owner only)."""
    shader_emit(f"comment:{event}", payload, shader_id)


def notification(user_id: int, payload: dict[str, Any]) -> None:
    """`notification {id, kind, …}` to the recipient's room `user:<id>`."""
    emit("notification", payload, user_room(user_id))


def jam_room(jam_id: int) -> str:
    """The room of one jam's editors and watchers (joined with `jam:join`, never by name)."""
    return f"jam:{jam_id}"


def jam_event(event: str, jam_id: int, data: dict[str, Any], skip_sid: str | None = None) -> None:
    """`jam:update|presence|removed|saved|ended {jam, …}` to the jam's room; skip_sid leaves
    out the connection that sent it."""
    emit(event, {"jam": jam_id, **data}, jam_room(jam_id), skip_sid=skip_sid)
