"""RQ jobs of the render queue: render one shader version; sweep renders that got stuck."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from time import time as wall_clock

from flask import current_app

from fractafrag.extensions import db, redis
from fractafrag.models import Shader, ShaderVersion
from fractafrag.models.shader import LISTED, OPEN_BY_LINK
from fractafrag.observability import record_render_seconds
from fractafrag.realtime import broadcast
from fractafrag.services import media, render_queue, render_store, renders

log = logging.getLogger(__name__)


def render_shader(shader_id: int, version: int) -> str:
    """Render a version to a thumbnail and an animated preview; idempotent; says what it did.

    The thumbnail is stored (and put on the shader) as soon as its frame is drawn; the preview
    holds what the rest of the budget allowed (preview_frames/preview_fps on the shader)."""
    from render_worker.capture import Captured, ShaderRenderError
    from render_worker.encode import encode_preview, encode_thumbnail
    from render_worker.pool import shared_renderer

    shader = db.session.get(Shader, shader_id)
    if shader is None or shader.deleted_at is not None:
        return "gone"
    if version != shader.current_version:
        return "stale"  # a newer version has its own job
    if shader.render_status == "ready" and shader.rendered_version == version:
        return "already rendered"
    renders.mark_rendering(shader)
    broadcast.render_status(shader_id, version, "rendering", 0.0)
    row = db.session.query(ShaderVersion).filter_by(shader_id=shader_id, version=version).one()
    code = {"common": row.common, "passes": row.passes,
            "media": media.media_for_render(row.passes)}
    db.session.commit()  # release the connection while the browser works

    renderer = shared_renderer()
    began = time.monotonic()
    stored: dict[str, str] = {}

    def thumbnail_ready(captured: Captured) -> None:
        # Stored and shown at once: the thumbnail no longer waits for the preview.
        stored["thumbnail"] = render_store.store(encode_thumbnail(captured), "webp")
        renders.mark_thumbnail(shader_id, version, stored["thumbnail"], captured.frame_ms)

    try:
        captured = renderer.capture(
            code, lambda p: broadcast.render_status(shader_id, version, "rendering", p * 0.9),
            on_thumbnail=thumbnail_ready)
    except ShaderRenderError as error:
        renders.mark_failed(shader_id, version, str(error))
        broadcast.render_status(shader_id, version, "failed", 1.0, str(error))
        return "failed"
    record_render_seconds(redis.conn, time.monotonic() - began)
    thumbnail_url = stored.get("thumbnail") or render_store.store(encode_thumbnail(captured),
                                                                  "webp")
    preview_url = render_store.store(
        encode_preview(captured, size=renderer.spec.preview_size), "webp")
    if captured.cut_short:
        log.info("shader %s v%s: preview cut to %d frames at %.2f fps (%.0f ms a frame)",
                 shader_id, version, len(captured.preview), captured.preview_fps,
                 captured.frame_ms or 0)
    shader = renders.mark_ready(shader_id, version, thumbnail_url, preview_url,
                                preview_frames=len(captured.preview),
                                preview_fps=round(captured.preview_fps, 2) if captured.preview
                                else None, frame_ms=captured.frame_ms)
    if shader is None:
        return "stale"
    broadcast.render_status(shader_id, version, "ready", 1.0)
    broadcast.shader_rendered(shader_id, version, thumbnail_url, preview_url,
                              public=shader.visibility in LISTED and shader.hidden_at is None)
    if shader.visibility in OPEN_BY_LINK and shader.hidden_at is None:
        _warm_caches(shader_id)
    return "rendered"


def _warm_caches(shader_id: int) -> None:
    """Build the rendered shader's summary and its visitors' page now (marking it ready forgot
    them), so the first readers after a render find them cached instead of each building them
    on a request. A failure here costs only that: they are built on the first request."""
    from fractafrag.api.summaries import summary_bodies
    from fractafrag.web.pages import warm_visitor_page

    try:
        summary_bodies([shader_id])
        warm_visitor_page(shader_id)
    except Exception:  # noqa: BLE001 - the render itself succeeded
        log.exception("caches of shader %s not warmed after its render", shader_id)
    finally:
        db.session.rollback()


def render_still(version: dict, time: float, width: int, height: int,
                 due: float | None = None) -> bytes:
    """One PNG frame of unsaved code, for agents trying a shader (raises the shader's error).

    A test render has its own budget, RENDER_PREVIEW_TIMEOUT (not RENDER_TIMEOUT), and is due
    by `due` (epoch seconds: its request's deadline): past the earlier of the two (but never
    sooner than PREVIEW_AT_LEAST) the browser is killed, so a hanging shader holds the worker
    no longer than the budget and its caller gets an answer in about the budget."""
    from render_worker.pool import shared_renderer

    budget = current_app.config["RENDER_PREVIEW_TIMEOUT"]
    if due is not None:
        budget = min(budget, max(due - wall_clock(), render_queue.PREVIEW_AT_LEAST))
    return shared_renderer().still(version, time, width, height, timeout=budget)


def sweep_renders() -> dict[str, int]:
    """Re-queue or fail renders stuck in pending/rendering (see services.renders.sweep)."""
    return renders.sweep(datetime.now(UTC))
