"""Render unsaved code to one PNG frame through the render worker (for agents trying shaders)."""

from __future__ import annotations

import contextlib
import time

import marshmallow as ma
from flask import Response, current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import validate
from rq.exceptions import InvalidJobOperation
from rq.job import Job, JobStatus

from fractafrag.api.shaders.schemas import GlslFailureSchema, ValidateSchema
from fractafrag.auth import login_required, viewer_id
from fractafrag.errors import abort
from fractafrag.extensions import queues, redis
from fractafrag.services import shaders
from fractafrag.services.ratelimit import enforce

blp = Blueprint("render-preview", __name__, url_prefix="/api/v1/render-preview",
                description="Test renders of unsaved code")
POLL_SECONDS = 0.05


class PreviewSchema(ValidateSchema):
    """Code to render, and which frame."""

    time = ma.fields.Float(load_default=1.0, validate=validate.Range(min=0, max=60),
                           metadata={"description": "Seconds into the animation (0–60)."})
    width = ma.fields.Integer(load_default=512, validate=validate.Range(min=16, max=1024))
    height = ma.fields.Integer(load_default=288, validate=validate.Range(min=16, max=1024))


@blp.route("")
class Preview(MethodView):
    """One frame, rendered by the same player and browser as the thumbnails."""

    @login_required
    @blp.arguments(PreviewSchema)
    @blp.response(200, content_type="image/png", description="The frame as a PNG image.")
    @blp.alt_response(422, schema=GlslFailureSchema, description="The code does not compile.")
    @blp.alt_response(429, description="Too many test renders; Retry-After says when.")
    @blp.alt_response(504, description="The render worker did not answer in time.")
    @blp.doc(security=[{"bearerAuth": []}, {"apiKey": []}])
    def post(self, body):
        """Render code to a PNG at `time` seconds (signed in; a few a minute)"""
        enforce("RATELIMIT_PREVIEW", str(viewer_id()), "test renders")
        version = shaders.source_from(body)
        shaders.compile_or_raise(version)
        limit = current_app.config["RENDER_PREVIEW_TIMEOUT"]
        job = queues.get("render").enqueue(
            "fractafrag.jobs.render.render_still", version, body["time"], body["width"],
            body["height"], at_front=True, job_timeout=int(limit) + 5, result_ttl=60,
            failure_ttl=300, ttl=int(limit) + 10)
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            try:
                status = job.get_status(refresh=True)
            except InvalidJobOperation:
                break  # expired or deleted: treat as no answer
            if status == JobStatus.FINISHED:
                return Response(Job.fetch(job.id, connection=redis.conn).return_value(),
                                mimetype="image/png")
            if status == JobStatus.FAILED:
                message = _failure(job)
                abort(422, message)
            time.sleep(POLL_SECONDS)
        with contextlib.suppress(InvalidJobOperation):
            job.cancel()
        abort(504, f"The render worker did not answer within {limit:.0f} s; it may be busy or "
                   "not running. Try again, or validate with POST /api/v1/validate.")


def _failure(job: Job) -> str:
    """The shader's own error from a failed job, without the traceback."""
    text = (job.latest_result().exc_string if job.latest_result() else "") or ""
    last = text.strip().splitlines()[-1] if text.strip() else ""
    if "ShaderRenderError" in last or "RenderTimeout" in last:
        return last.split(": ", 1)[1] if ": " in last else last
    return "The render failed: " + (last or "unknown error")
