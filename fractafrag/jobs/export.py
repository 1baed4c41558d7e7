"""RQ job of the export queue (worked by the render worker): render one export to its file."""

from __future__ import annotations

import logging
import time
from datetime import UTC, datetime
from pathlib import Path

from flask import current_app

from fractafrag.extensions import db
from fractafrag.models import Export, Shader, ShaderVersion
from fractafrag.services import exports, media

log = logging.getLogger(__name__)
PROGRESS_EVERY = 0.5  # seconds between saved and broadcast progress updates at most


def export_shader(export_id: int) -> str:
    """Render a queued export with the warm browser and ffmpeg; says what it did."""
    from render_worker.capture import ShaderRenderError
    from render_worker.export import ExportSpec, render_export
    from render_worker.pool import shared_renderer

    export = db.session.get(Export, export_id)
    if export is None:
        return "gone"
    if export.status != "queued":
        return f"already {export.status}"
    row = db.session.query(ShaderVersion).filter_by(
        shader_id=export.shader_id, version=export.version).one_or_none()
    if row is None:
        exports.mark_failed(export, "The shader or its version no longer exists.")
        return "failed"
    # Uploaded images the inputs name, inline (the render page has no origin to fetch from).
    code = {"common": row.common, "passes": row.passes,
            "media": media.media_for_render(row.passes)}
    exports.mark_rendering(export)
    spec = ExportSpec(export.format, export.width, export.height, export.seconds, export.fps,
                      export.start)
    relative = exports.new_path(export.format)
    target = exports.exports_dir() / relative
    last = [0.0]

    def progress(value: float) -> None:
        now = time.monotonic()
        if now - last[0] >= PROGRESS_EVERY:
            last[0] = now
            exports.report_progress(export, value)

    began = time.monotonic()
    try:
        size = render_export(shared_renderer(), code, spec, target,
                             timeout=current_app.config["EXPORT_TIMEOUT"], on_progress=progress)
    except ShaderRenderError as error:
        exports.mark_failed(export, str(error))
        return "failed"
    except Exception:
        exports.mark_failed(export, "The export failed on the render worker; try again.")
        raise
    exports.mark_ready(export, relative, size)
    log.info("export %s: %s %dx%d %d frames in %.1f s", export.id, spec.format, spec.width,
             spec.height, spec.frames, time.monotonic() - began)
    return "ready"


def sweep_exports() -> dict[str, int]:
    """Delete expired export files; fail exports stuck past their budget."""
    return exports.sweep(datetime.now(UTC))


def export_to_file(shader_id: int, fmt: str, width: int, height: int, seconds: float,
                   fps: int, start: float, out: Path, version: int | None = None) -> int:
    """Render a shader's version (default: its current one) straight to `out`, in this
    process with its own browser (the `fractafrag export` command: the server's operator, so
    no account limits); returns the file's size. Raises ShaderRenderError for the shader's
    faults, ValueError for impossible sizes."""
    from render_worker.export import ExportSpec, render_export
    from render_worker.pool import shared_renderer, shutdown

    if fmt == "mp4" and (width % 2 or height % 2):
        raise ValueError("an mp4 needs an even width and height (H.264 yuv420p)")
    shader = db.session.get(Shader, shader_id)
    if shader is None or shader.deleted_at is not None:
        raise ValueError(f"no shader {shader_id}")
    number = shader.current_version if version is None else version
    row = db.session.query(ShaderVersion).filter_by(shader_id=shader_id,
                                                    version=number).one_or_none()
    if row is None:
        raise ValueError(f"shader {shader_id} has no version {number}")
    # Uploaded images the inputs name, inline (the render page has no origin to fetch from).
    code = {"common": row.common, "passes": row.passes,
            "media": media.media_for_render(row.passes)}
    db.session.commit()
    try:
        return render_export(shared_renderer(), code,
                             ExportSpec(fmt, width, height, seconds, fps, start), out.resolve(),
                             timeout=current_app.config["EXPORT_TIMEOUT"])
    finally:
        shutdown()
