"""Render unsaved code to one PNG frame through the render worker (for agents trying shaders)."""

from __future__ import annotations

import contextlib
import math
import time
import uuid

import marshmallow as ma
from flask import Response, current_app
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import validate
from rq.exceptions import InvalidJobOperation
from rq.job import Job, JobStatus

from fractafrag.api import SIGNED_IN
from fractafrag.api.shaders.schemas import GlslFailureSchema, ValidateSchema
from fractafrag.auth import login_required, viewer_id
from fractafrag.errors import abort
from fractafrag.extensions import queues, redis
from fractafrag.services import media, render_queue, shaders
from fractafrag.services.ratelimit import RateLimited, enforce

blp = Blueprint("render-preview", __name__, url_prefix="/api/v1/render-preview",
                description="Test renders of unsaved code")
POLL_SECONDS = 0.05
FINISH_GRACE = 5.0  # a hung browser is killed at the budget; this covers the kill


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
    @blp.alt_response(429, description="Too many test renders (per minute, or at once); "
                                        "Retry-After says when.")
    @blp.alt_response(504, description="The render worker did not answer in time.")
    @blp.doc(security=SIGNED_IN)
    def post(self, body):
        """Render code to a PNG at `time` seconds (signed in; a few a minute, two at a time)"""
        user = viewer_id()
        enforce("RATELIMIT_PREVIEW", str(user), "test renders")
        version = shaders.source_from(body)
        shaders.compile_or_raise(version)
        shaders.media_or_raise(version, user)
        version["media"] = media.media_for_render(version["passes"])
        config = current_app.config
        budget = config["RENDER_PREVIEW_TIMEOUT"]
        cap = config["RENDER_PREVIEW_MAX_QUEUED"]
        job_id = f"preview-{uuid.uuid4().hex}"
        granted, held = render_queue.reserve_preview(
            redis.conn, user, job_id, cap, hold_for=2 * budget + FINISH_GRACE + 10)
        if not granted:
            raise RateLimited(
                f"Too many test renders at once: you have {held} waiting or running, and at "
                f"most {cap} may be (FRACTAFRAG_RENDER_PREVIEW_MAX_QUEUED). Wait for one to "
                "answer, then try again.", headers={"Retry-After": str(math.ceil(budget))})
        try:
            return _render(job_id, user, version, body, budget)
        finally:
            render_queue.release_preview(redis.conn, user, job_id)


def _render(job_id: str, user: int, version: dict, body: dict, budget: float) -> Response:
    """Queue the test render and wait for it: the whole answer is due within `budget` (plus a
    grace to kill a hung browser). The worker takes turns fairly (services.render_queue) and
    stops the render at the same deadline; a job still queued at the deadline is cancelled."""
    due = time.time() + budget
    job = queues.get("render").enqueue(
        "fractafrag.jobs.render.render_still", version, body["time"], body["width"],
        body["height"], due, job_id=job_id, job_timeout=int(budget) + 5, result_ttl=60,
        failure_ttl=300, ttl=int(budget) + 10,
        meta=render_queue.job_meta(user, render_queue.PREVIEW))
    deadline = time.monotonic() + budget
    started = False
    while time.monotonic() < deadline:
        try:
            status = job.get_status(refresh=True)
        except InvalidJobOperation:
            break  # expired or deleted: treat as no answer
        if status == JobStatus.FINISHED:
            return Response(Job.fetch(job.id, connection=redis.conn).return_value(),
                            mimetype="image/png")
        if status == JobStatus.FAILED:
            abort(422, _failure(job))
        if status == JobStatus.STARTED and not started:
            started = True
            deadline += FINISH_GRACE + render_queue.PREVIEW_AT_LEAST
        time.sleep(POLL_SECONDS)
    if not started:
        with contextlib.suppress(InvalidJobOperation):
            job.cancel()  # still queued: nobody will wait for it
        abort(504, f"The render worker did not take this test render within {budget:.0f} s; "
                   "it may be busy or not running. Try again, or validate with "
                   "POST /api/v1/validate.")
    abort(504, f"The render worker did not answer within {budget:.0f} s. Try again, or "
               "validate with POST /api/v1/validate.")


def _failure(job: Job) -> str:
    """The shader's own error from a failed job, without the traceback."""
    text = (job.latest_result().exc_string if job.latest_result() else "") or ""
    last = text.strip().splitlines()[-1] if text.strip() else ""
    if "ShaderRenderError" in last or "RenderTimeout" in last:
        return last.split(": ", 1)[1] if ": " in last else last
    return "The render failed: " + (last or "unknown error")
