"""The only place that emits Socket.IO events; the same path from web processes and workers.

Every event is published to the Redis message queue with a write-only manager; each web
process's Socket.IO server is subscribed to that queue and delivers to its own clients.
"""

from __future__ import annotations

import logging
from typing import Any

import socketio as socketio_lib
from flask import current_app
from redis.exceptions import RedisError

from fractafrag.extensions import socketio_manager

log = logging.getLogger(__name__)


def _manager() -> socketio_lib.RedisManager | None:
    extensions = current_app.extensions
    if "fractafrag.broadcast" not in extensions:
        extensions["fractafrag.broadcast"] = socketio_manager(
            current_app.config["REDIS_URL"], write_only=True)
    return extensions["fractafrag.broadcast"]


def emit(event: str, data: dict[str, Any], room: str) -> None:
    """Send event to everyone in room; a Redis outage is logged, never raised to the caller."""
    manager = _manager()
    if manager is None:
        return
    try:
        manager.emit(event, data, namespace="/", room=room)
    except (RedisError, OSError) as error:
        log.warning("could not broadcast %s to %s: %s", event, room, error)


def shader_room(shader_id: int) -> str:
    """The room of one shader's page."""
    return f"shader:{shader_id}"


def render_status(shader_id: int, version: int, status: str, progress: float,
                  error: str | None = None) -> None:
    """`render:status {shader_id, version, status, progress[, error]}` to the shader's room."""
    payload: dict[str, Any] = {"shader_id": shader_id, "version": version, "status": status,
                               "progress": round(progress, 3)}
    if error:
        payload["error"] = error
    emit("render:status", payload, shader_room(shader_id))


def vote_updated(counters: dict[str, Any]) -> None:
    """`vote:updated {shader_id, up, down, score, hot}` to the shader's room and the feed."""
    emit("vote:updated", counters, shader_room(counters["shader_id"]))
    emit("vote:updated", counters, "feed")


def shader_rendered(shader_id: int, version: int, thumbnail_url: str, preview_url: str,
                    public: bool) -> None:
    """`shader:rendered` to the shader's room, and to the live feed when the shader is public."""
    payload = {"shader_id": shader_id, "version": version, "thumbnail_url": thumbnail_url,
               "preview_url": preview_url}
    emit("shader:rendered", payload, shader_room(shader_id))
    if public:
        emit("shader:rendered", payload, "feed")
