"""Test renders of unsaved code through the real render worker and Chromium."""

from __future__ import annotations

import io
import threading

from tests.api.shader_helpers import GRADIENT
from tests.helpers import bearer


def while_rendering(app, request) -> object:
    """Run `request()` in a thread while the real render worker (RenderWorker + Chromium) takes
    the one job it queues, in this thread (RQ needs the main thread for its signal handlers).

    One blocking work() call rather than a loop of burst runs: each run's pub/sub teardown can
    stall for seconds on a busy machine, longer than a test render may wait."""
    from fractafrag.extensions import redis
    from render_worker import pool
    from render_worker.fair import RenderWorker

    answer: dict = {}
    thread = threading.Thread(target=lambda: answer.update(response=request()), daemon=True)
    thread.start()
    with app.app_context():
        worker = RenderWorker(["render"], connection=redis.conn)
        worker.app = app
        try:
            worker.work(max_jobs=1, max_idle_time=60, with_scheduler=False)
            thread.join(60)
        finally:
            pool.shutdown()
    return answer["response"]


def test_a_preview_is_a_png_of_the_requested_size(app, client, make_user):
    from PIL import Image

    user = make_user()
    response = while_rendering(app, lambda: client.post("/api/v1/render-preview", json={
        "code": GRADIENT, "time": 0.5, "width": 64, "height": 32},
        headers=bearer(user["access_token"])))
    assert response.status_code == 200, response.get_data(as_text=True)[:500]
    assert response.mimetype == "image/png"
    image = Image.open(io.BytesIO(response.data)).convert("RGB")
    assert image.size == (64, 32)
    left, right = image.getpixel((0, 16)), image.getpixel((63, 16))
    assert right[0] > left[0] + 150, (left, right)  # red follows x in the gradient


def test_code_that_does_not_compile_is_422_with_the_line(client, make_user):
    user = make_user()
    response = client.post("/api/v1/render-preview", json={
        "code": "void mainImage(out vec4 c, in vec2 p) {\n  c = vec4(nope);\n}"},
        headers=bearer(user["access_token"]))
    assert response.status_code == 422
    assert response.json["errors"][0]["line"] == 2


def test_previews_need_an_account(client):
    assert client.post("/api/v1/render-preview", json={"code": GRADIENT}).status_code == 401
