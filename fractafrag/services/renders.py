"""Render bookkeeping: queue renders, record their outcome, and sweep ones that got stuck."""

from __future__ import annotations

import logging
from datetime import UTC, datetime, timedelta

import sqlalchemy as sa
from flask import current_app
from rq import Retry
from rq.exceptions import NoSuchJobError
from rq.job import Job, JobStatus

from fractafrag.extensions import db, queues, redis
from fractafrag.models import Shader
from fractafrag.services import notifications, render_queue

log = logging.getLogger(__name__)

RENDER_QUEUE = "render"
RENDER_JOB = "fractafrag.jobs.render.render_shader"
LIVE_JOB_STATES = {JobStatus.QUEUED, JobStatus.STARTED, JobStatus.DEFERRED, JobStatus.SCHEDULED}


def render_job_id(shader_id: int, version: int) -> str:
    """One job id per version, so asking twice does not render twice."""
    return f"render-{shader_id}-{version}"


def request_render(shader_id: int, version: int, owner_id: int | None = None) -> bool:
    """Enqueue the render of one version; False (logged) when Redis cannot take it now.

    The job says whose shader it is (the owner, looked up when not given), so the render
    worker can take turns between users (services.render_queue)."""
    if owner_id is None:
        owner_id = db.session.scalar(sa.select(Shader.owner_id).where(Shader.id == shader_id))
    # If Redis cannot take it, the shader stays 'pending' and the sweeper queues it again.
    return queues.try_enqueue(RENDER_QUEUE, RENDER_JOB, shader_id, version,
                              job_id=render_job_id(shader_id, version),
                              job_timeout=current_app.config["RENDER_TIMEOUT"] + 60,
                              retry=Retry(max=2), result_ttl=3600, failure_ttl=7 * 86400,
                              meta=render_queue.job_meta(owner_id, render_queue.PUBLICATION))


def mark_rendering(shader: Shader) -> None:
    """Record that a render attempt started (the caller commits)."""
    shader.render_status = "rendering"
    shader.render_started_at = datetime.now(UTC)
    shader.render_attempts = (shader.render_attempts or 0) + 1


def _current(shader_id: int, version: int) -> Shader | None:
    shader = db.session.scalar(sa.select(Shader).where(Shader.id == shader_id).with_for_update()
                               .execution_options(populate_existing=True))
    if shader is None or shader.current_version != version:
        db.session.rollback()
        return None
    return shader


def mark_failed(shader_id: int, version: int, message: str) -> None:
    """The version cannot be rendered: say why, for good (until its code changes)."""
    shader = _current(shader_id, version)
    if shader is None:
        return
    shader.render_status = "failed"
    shader.render_error = message[:2000]
    db.session.commit()
    notifications.notify(shader.owner_id, "render_failed", shader_id=shader.id,
                         data={"title": shader.title, "version": version,
                               "error": message[:300]})


def mark_thumbnail(shader_id: int, version: int, thumbnail_url: str, frame_ms: float | None
                   ) -> None:
    """Attach the thumbnail as soon as it exists (the preview is still being drawn), if
    version is still current; the shader stays 'rendering' until mark_ready."""
    shader = _current(shader_id, version)
    if shader is None:
        return
    shader.thumbnail_url = thumbnail_url
    shader.render_frame_ms = frame_ms
    db.session.commit()


def mark_ready(shader_id: int, version: int, thumbnail_url: str, preview_url: str,
               preview_frames: int | None = None, preview_fps: float | None = None,
               frame_ms: float | None = None) -> Shader | None:
    """Attach the images and what the render made if version is still current; None when a
    newer version came."""
    shader = _current(shader_id, version)
    if shader is None:
        return None
    shader.render_status = "ready"
    shader.render_error = None
    shader.rendered_version = version
    shader.thumbnail_url = thumbnail_url
    shader.preview_url = preview_url
    shader.preview_frames = preview_frames
    shader.preview_fps = preview_fps
    shader.render_frame_ms = frame_ms
    shader.render_attempts = 0
    db.session.commit()
    return shader


def _job_is_live(shader: Shader) -> bool:
    try:
        job = Job.fetch(render_job_id(shader.id, shader.current_version), connection=redis.conn)
    except NoSuchJobError:
        return False
    return job.get_status(refresh=False) in LIVE_JOB_STATES


def sweep(now: datetime) -> dict[str, int]:
    """Re-queue renders stuck pending or rendering, or fail them after RENDER_MAX_ATTEMPTS."""
    config = current_app.config
    stale = now - timedelta(seconds=config["RENDER_STALE_AFTER"])
    counts = {"requeued": 0, "failed": 0}
    stuck = db.session.scalars(sa.select(Shader).where(
        Shader.render_status.in_(("pending", "rendering")), Shader.deleted_at.is_(None),
        sa.func.coalesce(Shader.render_started_at, Shader.updated_at) < stale))
    for shader in stuck:
        if shader.render_status == "pending" and _job_is_live(shader):
            continue  # waiting its turn in a long queue is not being stuck
        if shader.render_attempts >= config["RENDER_MAX_ATTEMPTS"]:
            shader.render_status = "failed"
            shader.render_error = (f"Rendering did not finish after {shader.render_attempts} "
                                   "attempts; it will be tried again when the code changes.")
            counts["failed"] += 1
            continue
        shader.render_status = "pending"
        shader.render_started_at = now  # the clock restarts for the new attempt
        counts["requeued"] += 1
        db.session.flush()
        request_render(shader.id, shader.current_version, shader.owner_id)
    db.session.commit()
    if any(counts.values()):
        log.info("render sweep: %s", counts)
    return counts


def rerender(shader_ids: list[int] | None) -> int:
    """Queue fresh renders of the given shaders (None: every shader); return how many."""
    query = sa.select(Shader).where(Shader.deleted_at.is_(None))
    if shader_ids is not None:
        query = query.where(Shader.id.in_(shader_ids))
    count = 0
    for shader in db.session.scalars(query):
        shader.render_status = "pending"
        shader.render_attempts = 0
        shader.render_started_at = None
        count += 1
    db.session.commit()
    for shader_id, version, owner_id in db.session.execute(query.with_only_columns(
            Shader.id, Shader.current_version, Shader.owner_id)):
        request_render(shader_id, version, owner_id)
    return count
