"""Ask the render worker to render a shader version."""

from __future__ import annotations

import logging

from redis.exceptions import RedisError

from fractafrag.extensions import queues

log = logging.getLogger(__name__)

RENDER_QUEUE = "render"
RENDER_JOB = "fractafrag.jobs.render.render_shader"


def render_job_id(shader_id: int, version: int) -> str:
    """One job id per version, so asking twice does not render twice."""
    return f"render-{shader_id}-{version}"


def request_render(shader_id: int, version: int) -> bool:
    """Enqueue the render of one version; False (logged) when Redis cannot take it now."""
    try:
        queues.enqueue(RENDER_QUEUE, RENDER_JOB, shader_id, version,
                       job_id=render_job_id(shader_id, version), job_timeout=180,
                       result_ttl=3600, failure_ttl=7 * 86400)
    except RedisError as error:
        # The shader is committed with render_status 'pending'; re-queueing pending
        # renders picks it up once Redis is back.
        log.warning("could not enqueue render of shader %s v%s: %s", shader_id, version, error)
        return False
    return True
