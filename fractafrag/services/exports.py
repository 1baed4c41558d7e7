"""Exports: a shader version rendered offline, frame by frame, to a still, a video or a GIF.

`create_export` checks the request against the account's limits (free or Pro, settings
FRACTAFRAG_EXPORT_*), stores a queued row and puts one job on the `export` queue, which the
render worker works after its `render` queue (so publications and test renders always go
first, and users take turns within the export queue: render_worker/fair.py). The job
(fractafrag.jobs.export) drives the warm browser at a fixed timestep and streams the frames into
ffmpeg (render_worker/export.py); the file lands under `<data>/exports/` and is served at
`/exports/…` until it expires (FRACTAFRAG_EXPORT_KEEP_DAYS), when `sweep` deletes it.

Live events go to the requester's room `user:<id>` only: `export:progress {id, status,
progress}`, `export:ready {id, status, url, bytes}`, `export:failed {id, status, error}`.
"""

from __future__ import annotations

import logging
import math
import secrets
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import sqlalchemy as sa
from flask import current_app

from fractafrag.extensions import db, queues
from fractafrag.models import Export, User
from fractafrag.models.export import EXPORT_FORMATS
from fractafrag.realtime import broadcast
from fractafrag.services import NotFound, ServiceError, render_queue, shaders
from fractafrag.services.quota import is_pro

log = logging.getLogger(__name__)

EXPORT_QUEUE = "export"
EXPORT_JOB = "fractafrag.jobs.export.export_shader"
EXPORT_KIND = "export"
MIN_SIDE = 16
MAX_START = 3600.0
VIDEO_FORMATS = ("webm", "mp4", "gif")
EXTENSIONS = {"png": "png", "webm": "webm", "mp4": "mp4", "gif": "gif"}
LIVE = ("queued", "rendering")


class TooManyExports(ServiceError):
    """Over the per-account cap of exports queued or rendering: 429."""

    status = 429


def exports_dir() -> Path:
    """The folder holding finished exports (the shared data volume, beside renders/)."""
    return Path(current_app.config["DATA_DIR"]) / "exports"


def url_of(export: Export) -> str | None:
    """Where the file is served, while it exists."""
    return f"/exports/{export.path}" if export.path else None


def as_dict(export: Export) -> dict[str, Any]:
    """The API's view of an export."""
    return {
        "id": export.id, "shader_id": export.shader_id, "version": export.version,
        "format": export.format, "width": export.width, "height": export.height,
        "seconds": export.seconds, "fps": export.fps, "start": export.start,
        "status": export.status, "progress": round(export.progress or 0.0, 3),
        "url": url_of(export), "bytes": export.bytes if export.path else None,
        "error": export.error, "created_at": export.created_at,
        "expires_at": export.expires_at,
    }


def limits_for(user: User, now: datetime | None = None) -> dict[str, Any]:
    """The largest export the account may ask for: {pro, width, height, still_width,
    still_height, seconds, fps}."""
    config = current_app.config
    pro = is_pro(user, now or datetime.now(UTC))
    if pro:
        return {"pro": True, "width": config["EXPORT_PRO_MAX_WIDTH"],
                "height": config["EXPORT_PRO_MAX_HEIGHT"],
                "still_width": config["EXPORT_PRO_STILL_MAX_WIDTH"],
                "still_height": config["EXPORT_PRO_STILL_MAX_HEIGHT"],
                "seconds": config["EXPORT_PRO_MAX_SECONDS"], "fps": config["EXPORT_PRO_MAX_FPS"]}
    return {"pro": False, "width": config["EXPORT_FREE_MAX_WIDTH"],
            "height": config["EXPORT_FREE_MAX_HEIGHT"],
            "still_width": config["EXPORT_FREE_MAX_WIDTH"],
            "still_height": config["EXPORT_FREE_MAX_HEIGHT"],
            "seconds": config["EXPORT_FREE_MAX_SECONDS"], "fps": config["EXPORT_FREE_MAX_FPS"]}


def _number(body: dict[str, Any], name: str, default: Any, kind: type) -> Any:
    value = body.get(name, default)
    if value is None:
        value = default
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise ServiceError(f"`{name}` must be a number.", {name: ["Must be a number."]})
    if kind is int and value != int(value):
        raise ServiceError(f"`{name}` must be a whole number.", {name: ["Not a whole number."]})
    if not math.isfinite(value):
        raise ServiceError(f"`{name}` must be finite.", {name: ["Not a finite number."]})
    return kind(value)


def _refuse(field: str, message: str) -> ServiceError:
    return ServiceError(message, {field: [message]})


def check_request(body: dict[str, Any], user: User) -> dict[str, Any]:
    """The export asked for, normalised (format, width, height, seconds, fps, start), or a
    422 naming the field that breaks the account's limits."""
    fmt = body.get("format")
    if fmt not in EXPORT_FORMATS:
        raise _refuse("format", f"`format` must be one of {', '.join(EXPORT_FORMATS)}.")
    limits = limits_for(user)
    plan = "Pro" if limits["pro"] else "free"
    width = _number(body, "width", None if "width" in body else 1280, int)
    height = _number(body, "height", None if "height" in body else 720, int)
    still = fmt == "png"
    max_w, max_h = ((limits["still_width"], limits["still_height"]) if still
                    else (limits["width"], limits["height"]))
    for name, value, most in (("width", width, max_w), ("height", height, max_h)):
        if value < MIN_SIDE or value > most:
            raise _refuse(name, f"`{name}` must be {MIN_SIDE} to {most} for a {fmt} on a "
                                f"{plan} account (got {value}).")
        if fmt == "mp4" and value % 2:
            raise _refuse(name, f"`{name}` must be even for an mp4 (H.264 yuv420p; "
                                f"got {value}).")
    start = _number(body, "start", 0.0, float)
    if start < 0 or start > MAX_START:
        raise _refuse("start", f"`start` must be 0 to {MAX_START:.0f} seconds (got {start}).")
    fps = _number(body, "fps", 30, int)
    if fps < 1 or fps > limits["fps"]:
        raise _refuse("fps", f"`fps` must be 1 to {limits['fps']} on a {plan} account "
                             f"(got {fps}).")
    if still:
        seconds = 0.0
    else:
        seconds = _number(body, "seconds", 5.0, float)
        if seconds <= 0 or seconds > limits["seconds"]:
            raise _refuse("seconds", f"`seconds` must be more than 0 and at most "
                                     f"{limits['seconds']:g} on a {plan} account "
                                     f"(got {seconds:g}).")
        if round(seconds * fps) < 1:
            raise _refuse("seconds", "`seconds` × `fps` must make at least one frame.")
    return {"format": fmt, "width": width, "height": height, "seconds": seconds, "fps": fps,
            "start": start}


def frame_count(export: Export) -> int:
    """How many frames the export draws: one for a still, seconds × fps for a video."""
    return 1 if export.format == "png" else max(1, round(export.seconds * export.fps))


def create_export(shader_id: int, user_id: int, body: dict[str, Any]) -> Export:
    """Check and queue an export of a shader the user can see (404 otherwise); 422 naming the
    field over the limits, 429 over the per-account cap."""
    shader = shaders.visible_shader(shader_id, user_id)
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("The account no longer exists.")
    wanted = check_request(body, user)
    version = body.get("version")
    if version is None:
        version = shader.current_version
    else:
        version = _number(body, "version", None, int)
        shaders.version_of(shader_id, version, user_id)  # 404 naming the versions that exist
    # One at a time per account while counting (a second request waits for this lock).
    db.session.execute(sa.select(User.id).where(User.id == user_id).with_for_update())
    cap = current_app.config["EXPORT_MAX_QUEUED"]
    live = db.session.scalar(sa.select(sa.func.count(Export.id)).where(
        Export.user_id == user_id, Export.status.in_(LIVE)))
    if live >= cap:
        raise TooManyExports(
            f"Too many exports at once: you have {live} queued or rendering, and at most {cap} "
            "may be (FRACTAFRAG_EXPORT_MAX_QUEUED). Wait for one to finish.",
            headers={"Retry-After": "30"})
    export = Export(user_id=user_id, shader_id=shader_id, version=version, status="queued",
                    progress=0.0, **wanted)
    db.session.add(export)
    db.session.commit()
    if not enqueue(export):
        export.status, export.error = "failed", "The render queue is unavailable; try again."
        db.session.commit()
    return export


def enqueue(export: Export) -> bool:
    """Put the export's job on the export queue (the render worker's second queue)."""
    budget = current_app.config["EXPORT_TIMEOUT"]
    return queues.try_enqueue(EXPORT_QUEUE, EXPORT_JOB, export.id, job_id=f"export-{export.id}",
                              job_timeout=int(budget) + 120, result_ttl=3600,
                              failure_ttl=7 * 86400,
                              meta=render_queue.job_meta(export.user_id, EXPORT_KIND))


def own_export(export_id: int, user_id: int) -> Export:
    """One of the user's exports; 404 for anyone else's."""
    export = db.session.get(Export, export_id)
    if export is None or export.user_id != user_id:
        raise NotFound(f"No export {export_id}.")
    return export


def list_exports(user_id: int, limit: int = 100) -> list[Export]:
    """The user's exports, newest first."""
    return list(db.session.scalars(sa.select(Export).where(Export.user_id == user_id)
                                   .order_by(Export.id.desc()).limit(limit)))


# ---- the job's side (fractafrag.jobs.export) ----


def new_path(fmt: str) -> str:
    """A fresh, unguessable relative path for an export's file."""
    token = secrets.token_hex(16)
    return f"{token[:2]}/{token}.{EXTENSIONS[fmt]}"


def report_progress(export: Export, progress: float) -> None:
    """Save and broadcast `export:progress` (the caller throttles)."""
    export.progress = min(max(progress, 0.0), 1.0)
    db.session.commit()
    broadcast.emit("export:progress", {"id": export.id, "status": export.status,
                                       "progress": round(export.progress, 3)},
                   broadcast.user_room(export.user_id))


def mark_rendering(export: Export) -> None:
    """The job took it: rendering, progress 0."""
    export.status, export.progress, export.error = "rendering", 0.0, None
    report_progress(export, 0.0)


def mark_ready(export: Export, path: str, size: int) -> None:
    """The file is in place: ready until now + EXPORT_KEEP_DAYS; `export:ready`."""
    now = datetime.now(UTC)
    export.status, export.progress, export.path, export.bytes = "ready", 1.0, path, size
    export.finished_at = now
    export.expires_at = now + timedelta(days=current_app.config["EXPORT_KEEP_DAYS"])
    db.session.commit()
    broadcast.emit("export:ready", {"id": export.id, "status": "ready", "url": url_of(export),
                                    "bytes": size}, broadcast.user_room(export.user_id))


def mark_failed(export: Export, error: str) -> None:
    """The export cannot be made: failed with the reason; `export:failed`."""
    export.status, export.error, export.finished_at = "failed", error, datetime.now(UTC)
    db.session.commit()
    broadcast.emit("export:failed", {"id": export.id, "status": "failed", "error": error},
                   broadcast.user_room(export.user_id))


def sweep(now: datetime) -> dict[str, int]:
    """Delete the files of exports past expires_at (the row stays, with no url), and fail
    exports stuck queued or rendering past twice their budget (a worker that died)."""
    counts = {"expired": 0, "failed": 0}
    expired = db.session.scalars(sa.select(Export).where(
        Export.path.is_not(None), Export.expires_at < now))
    root = exports_dir()
    for export in expired:
        assert export.path is not None  # selected by path IS NOT NULL
        try:
            (root / export.path).unlink(missing_ok=True)
        except OSError as error:
            log.warning("could not delete export %s: %s", export.path, error)
            continue
        export.path = None
        counts["expired"] += 1
    budget = current_app.config["EXPORT_TIMEOUT"]
    stale = now - timedelta(seconds=2 * budget + 300)
    for export in db.session.scalars(sa.select(Export).where(
            Export.status.in_(LIVE), Export.created_at < stale)):
        export.status, export.finished_at = "failed", now
        export.error = "The export did not finish in time; ask for it again."
        counts["failed"] += 1
    db.session.commit()
    if any(counts.values()):
        log.info("export sweep: %s", counts)
    return counts
