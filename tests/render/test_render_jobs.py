"""Rendering with real Chromium: thumbnails, moving previews, hangs, crashes and the sweeper."""

from __future__ import annotations

import io
import json
import time
from datetime import UTC, datetime, timedelta

import pytest
from PIL import Image
from rq import Queue

from fractafrag.extensions import db, redis
from fractafrag.jobs.render import render_shader
from fractafrag.jobs.worker import AppSimpleWorker
from fractafrag.models import Shader, ShaderVersion
from fractafrag.services import renders
from render_worker import pool
from tests.api.shader_helpers import FEEDBACK_COMMON, FEEDBACK_PASSES, GRADIENT, published

ENDLESS = (
    "void mainImage(out vec4 fragColor, in vec2 fragCoord) {\n"
    "    float x = fragCoord.x;\n"
    "    while (x >= 0.0) { x = abs(x) + 1.0; }\n"
    "    fragColor = vec4(x);\n"
    "}\n"
)


@pytest.fixture(scope="module", autouse=True)
def _close_browser():
    yield
    pool.shutdown()


def _image(client, url: str) -> Image.Image:
    response = client.get(url)
    assert response.status_code == 200
    assert "immutable" in response.headers["Cache-Control"]
    return Image.open(io.BytesIO(response.data))


def _render(app, shader_id: int, version: int = 1) -> str:
    with app.app_context():
        return render_shader(shader_id, version)


def test_render_gives_a_thumbnail_and_a_moving_preview(app, client, make_user):
    shader = published(client, make_user())
    assert _render(app, shader["id"]) == "rendered"
    body = client.get(f"/api/v1/shaders/{shader['id']}").json
    assert body["render_status"] == "ready" and body["render_error"] is None
    thumbnail = _image(client, body["thumbnail_url"])
    assert thumbnail.size == (512, 288)
    low, high = zip(*thumbnail.convert("RGB").getextrema(), strict=True)
    assert max(high) - min(low) > 100, "the thumbnail is not blank"
    preview = _image(client, body["preview_url"])
    assert preview.format == "WEBP" and preview.size == (320, 180)
    # 30 frames at 10 fps; the encoder merges consecutive frames that look the same.
    assert 10 < preview.n_frames <= 30 and preview.info.get("loop") == 0
    preview.seek(0)
    first = preview.convert("RGB").tobytes()
    preview.seek(15)
    assert preview.convert("RGB").tobytes() != first, "the preview moves"


def test_rendering_the_same_version_again_gives_the_same_images(app, client, make_user):
    shader = published(client, make_user(), passes=FEEDBACK_PASSES, common=FEEDBACK_COMMON)
    _render(app, shader["id"])
    first = client.get(f"/api/v1/shaders/{shader['id']}").json
    with app.app_context():
        renders.rerender([shader["id"]])
    assert _render(app, shader["id"]) == "rendered"
    again = client.get(f"/api/v1/shaders/{shader['id']}").json
    assert (again["thumbnail_url"], again["preview_url"]) == (
        first["thumbnail_url"], first["preview_url"])


def test_render_job_is_idempotent_and_skips_stale_versions(app, client, make_user):
    shader = published(client, make_user())
    assert _render(app, shader["id"]) == "rendered"
    assert _render(app, shader["id"]) == "already rendered"
    assert _render(app, shader["id"], version=7) == "stale"


def test_render_progress_and_result_are_broadcast(app, client, make_user):
    shader = published(client, make_user())
    with app.app_context():
        pubsub = redis.conn.pubsub()
        pubsub.subscribe("fractafrag")
        _render(app, shader["id"])
        events = []
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            message = pubsub.get_message(timeout=0.2)
            if message and message["type"] == "message":
                events.append(json.loads(message["data"]))
            elif events and message is None:
                break
        pubsub.close()
    statuses = [(e["data"][0]["status"], e["data"][0]["progress"]) for e in events
                if e["event"] == "render:status"]
    assert statuses[0] == ("rendering", 0.0) and statuses[-1] == ("ready", 1.0)
    assert len(statuses) >= 4
    rendered = [e for e in events if e["event"] == "shader:rendered"]
    assert {e["room"] for e in rendered} == {f"shader:{shader['id']}", "feed"}


def _store_unchecked(app, owner_id: int, code: str) -> int:
    """A shader whose code skipped the validator (as if the browser were stricter)."""
    with app.app_context():
        shader = Shader(owner_id=owner_id, title="Raw", license="CC0-1.0", visibility="public")
        db.session.add(shader)
        db.session.flush()
        db.session.add(ShaderVersion(shader_id=shader.id, version=1, common="",
                                     passes=[{"name": "Image", "code": code, "inputs": []}]))
        db.session.commit()
        return shader.id


def test_code_the_browser_refuses_fails_with_its_message_at_the_users_line(app, client,
                                                                           make_user):
    user = make_user()
    shader_id = _store_unchecked(app, user["id"], GRADIENT.replace("uv, 0.5", "uvx, 0.5"))
    assert _render(app, shader_id) == "failed"
    body = client.get(f"/api/v1/shaders/{shader_id}").json
    assert body["render_status"] == "failed"
    assert "Image line 3" in body["render_error"] and "uvx" in body["render_error"]


def test_a_hanging_shader_times_out_and_the_next_one_renders(app, client, make_user):
    user = make_user()
    endless = _store_unchecked(app, user["id"], ENDLESS)
    renderer = None
    with app.app_context():
        renderer = pool.shared_renderer()
    budget, renderer.timeout = renderer.timeout, 6
    try:
        began = time.monotonic()
        assert _render(app, endless) == "failed"
        assert time.monotonic() - began < 30
    finally:
        renderer.timeout = budget
    error = client.get(f"/api/v1/shaders/{endless}").json["render_error"]
    assert "timed out after 6 s" in error
    healthy = published(client, user)
    assert _render(app, healthy["id"]) == "rendered"


def test_a_browser_crash_mid_job_is_retried_by_rq(app, client, make_user, monkeypatch):
    shader = published(client, make_user())  # publishing queued the render job
    from fractafrag.jobs import render as render_jobs

    report = render_jobs.broadcast.render_status
    crashes = []

    def crash_once_mid_render(shader_id, version, status, progress, error=None):
        if status == "rendering" and progress > 0 and not crashes:
            crashes.append(renderer.chromium.pid)
            renderer.chromium.kill_process()  # as if Chromium crashed
        report(shader_id, version, status, progress, error)

    monkeypatch.setattr(render_jobs.broadcast, "render_status", crash_once_mid_render)
    with app.app_context():
        renderer = pool.shared_renderer()
        renderer.chromium.browser()
        victim = renderer.chromium.pid
        worker = AppSimpleWorker(["render"], connection=redis.conn)
        worker.app = app
        worker.work(burst=True, with_scheduler=False)
        queue = Queue("render", connection=redis.conn)
        assert queue.count == 0
    body = client.get(f"/api/v1/shaders/{shader['id']}").json
    assert body["render_status"] == "ready", body["render_error"]
    assert crashes == [victim] and renderer.chromium.pid != victim, "a fresh browser took over"


def test_sweeper_requeues_stuck_renders_then_gives_up(app, client, make_user):
    shader = published(client, make_user())
    long_ago = datetime.now(UTC) - timedelta(hours=1)
    with app.app_context():
        Queue("render", connection=redis.conn).empty()
        row = db.session.get(Shader, shader["id"])
        row.render_status, row.render_started_at, row.render_attempts = "rendering", long_ago, 1
        db.session.commit()
        assert renders.sweep(datetime.now(UTC)) == {"requeued": 1, "failed": 0}
        assert Queue("render", connection=redis.conn).job_ids == [f"render-{shader['id']}-1"]
        row = db.session.get(Shader, shader["id"])
        row.render_status, row.render_started_at, row.render_attempts = "rendering", long_ago, 3
        db.session.commit()
        assert renders.sweep(datetime.now(UTC)) == {"requeued": 0, "failed": 1}
    body = client.get(f"/api/v1/shaders/{shader['id']}").json
    assert body["render_status"] == "failed" and "3 attempts" in body["render_error"]


def test_sweeper_leaves_queued_renders_alone(app, client, make_user):
    shader = published(client, make_user())
    with app.app_context():
        row = db.session.get(Shader, shader["id"])
        row.updated_at = datetime.now(UTC) - timedelta(hours=1)
        db.session.commit()
        assert renders.sweep(datetime.now(UTC)) == {"requeued": 0, "failed": 0}


def test_render_command_requeues_a_shader(app, client, make_user):
    shader = published(client, make_user())
    _render(app, shader["id"])
    result = app.test_cli_runner().invoke(args=["render", "--shader", str(shader["id"])])
    assert result.exit_code == 0 and "queued 1 render" in result.output
    assert client.get(f"/api/v1/shaders/{shader['id']}").json["render_status"] == "pending"
    assert app.test_cli_runner().invoke(args=["render"]).exit_code != 0
