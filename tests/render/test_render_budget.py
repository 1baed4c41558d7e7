"""The render budget with real Chromium: the thumbnail first, then what fits of the preview.

The slow shader burns a calibrated number of loop iterations per pixel so that, on this machine
and right now, one thumbnail frame takes about SLOW_FRAME seconds: inside a budget of BUDGET
seconds the thumbnail fits easily but the 30 preview frames (each ~40 % of a thumbnail frame)
need about twice the time left.
"""

from __future__ import annotations

import io
import time

import pytest
from PIL import Image

from fractafrag.extensions import db
from fractafrag.jobs.render import render_shader
from fractafrag.models import Shader, ShaderVersion
from render_worker import capture, pool
from render_worker.capture import Captured
from render_worker.encode import encode_preview
from tests.api.shader_helpers import published

SLOW = (
    "#define N {n}\n"
    "void mainImage(out vec4 fragColor, in vec2 fragCoord) {{\n"
    "    vec2 uv = fragCoord / iResolution.xy;\n"
    "    float v = uv.x + uv.y;\n"
    "    for (int i = 0; i < N; i++) {{ v = fract(sin(v * 12.9898 + float(i)) * 43758.5453); }}\n"
    "    fragColor = vec4(uv, v, 1.0) * (0.5 + 0.5 * sin(iTime));\n"
    "}}\n"
)
SLOW_FRAME = 1.2  # seconds for one 512x288 frame of the calibrated slow shader
BUDGET = 8.0      # the render budget (RENDER_TIMEOUT) these tests give the renderer


def _version(code: str) -> dict:
    return {"common": "", "passes": [{"name": "Image", "code": code, "inputs": []}]}


@pytest.fixture(scope="module", autouse=True)
def _close_browser():
    yield
    pool.shutdown()


@pytest.fixture(scope="module")
def renderer(app):
    with app.app_context():
        shared = pool.shared_renderer()
    budget, shared.timeout = shared.timeout, BUDGET
    yield shared
    shared.timeout = budget


def _seconds(renderer, code: str) -> float:
    """The quickest of two single-frame renders of code at the thumbnail's size."""
    best = float("inf")
    for _ in range(2):
        began = time.monotonic()
        renderer.still(_version(code), 1.5, 512, 288, timeout=60)
        best = min(best, time.monotonic() - began)
    return best


@pytest.fixture(scope="module")
def slow_iterations(renderer) -> int:
    """Loop iterations per pixel for a ~SLOW_FRAME s thumbnail frame on this machine now."""
    renderer.chromium.browser()  # the launch is not part of any frame
    base = _seconds(renderer, SLOW.format(n=1))
    probe = 300
    per_iteration = max(_seconds(renderer, SLOW.format(n=probe)) - base, 0.05) / probe
    return max(probe, round((SLOW_FRAME - base) / per_iteration))


def _store_unchecked(app, owner_id: int, code: str) -> int:
    with app.app_context():
        shader = Shader(owner_id=owner_id, title="Slow", license="CC0-1.0", visibility="public")
        db.session.add(shader)
        db.session.flush()
        db.session.add(ShaderVersion(shader_id=shader.id, version=1, common="",
                                     passes=[{"name": "Image", "code": code, "inputs": []}]))
        db.session.commit()
        return shader.id


def _render(app, shader_id: int) -> str:
    with app.app_context():
        return render_shader(shader_id, 1)


def _image(client, url: str) -> Image.Image:
    response = client.get(url)
    assert response.status_code == 200
    return Image.open(io.BytesIO(response.data))


def test_a_normal_shader_gets_the_full_preview_and_its_frame_time(app, client, make_user,
                                                                 renderer):
    shader = published(client, make_user())
    assert _render(app, shader["id"]) == "rendered"
    body = client.get(f"/api/v1/shaders/{shader['id']}").json
    assert body["render_status"] == "ready"
    assert body["preview_frames"] == 30 and body["preview_fps"] == 10
    assert 0 < body["render_frame_ms"] < BUDGET * 1000
    assert _image(client, body["thumbnail_url"]).size == (512, 288)


def test_a_slow_shader_gets_its_thumbnail_and_a_shorter_preview(app, client, make_user,
                                                                renderer, slow_iterations):
    shader_id = _store_unchecked(app, make_user()["id"], SLOW.format(n=slow_iterations))
    began = time.monotonic()
    assert _render(app, shader_id) == "rendered"
    assert time.monotonic() - began < BUDGET + 10
    body = client.get(f"/api/v1/shaders/{shader_id}").json
    assert body["render_status"] == "ready" and body["render_error"] is None
    # The answer says what was made: fewer frames, spread over the same seconds.
    assert 1 <= body["preview_frames"] < 30, body
    assert body["preview_fps"] < 10
    assert body["render_frame_ms"] > SLOW_FRAME * 1000 / 3, body
    thumbnail = _image(client, body["thumbnail_url"])
    assert thumbnail.size == (512, 288)
    low, high = zip(*thumbnail.convert("RGB").getextrema(), strict=True)
    assert max(high) - min(low) > 100, "the thumbnail is not blank"
    preview = _image(client, body["preview_url"])
    assert preview.size == (320, 180)
    assert preview.n_frames <= body["preview_frames"]
    preview.seek(0)
    preview.load()
    assert preview.info["duration"] == pytest.approx(1000 / body["preview_fps"], rel=0.01)


def test_the_thumbnail_is_the_same_frame_whatever_the_budget(renderer, slow_iterations):
    version = _version(SLOW.format(n=slow_iterations))
    captured = renderer.capture(version)
    assert captured.cut_short and captured.thumbnail
    assert captured.thumbnail == renderer.still(version, 1.5, 512, 288, timeout=60)


def test_the_thumbnail_is_stored_before_the_preview_is_done(app, client, make_user, renderer,
                                                           slow_iterations, monkeypatch):
    shader_id = _store_unchecked(app, make_user()["id"], SLOW.format(n=slow_iterations))
    from fractafrag.services import renders

    seen = []
    mark_ready = renders.mark_ready

    def ready(*args, **kwargs):
        seen.append(client.get(f"/api/v1/shaders/{shader_id}").json)
        return mark_ready(*args, **kwargs)

    monkeypatch.setattr(renders, "mark_ready", ready)
    assert _render(app, shader_id) == "rendered"
    before = seen[0]  # just before the preview was attached
    assert before["render_status"] == "rendering" and before["thumbnail_url"]
    assert before["preview_url"] is None and before["render_frame_ms"] > 0
    after = client.get(f"/api/v1/shaders/{shader_id}").json
    assert after["thumbnail_url"] == before["thumbnail_url"]


def test_a_preview_the_watchdog_ends_still_leaves_the_thumbnail(app, client, make_user,
                                                               renderer, slow_iterations,
                                                               monkeypatch):
    # The page believes it has far more time than the watchdog gives: the browser is killed
    # mid-preview, and the frames collected so far (maybe none) make the preview.
    monkeypatch.setattr(capture, "PREVIEW_MARGIN", -60.0)
    shader_id = _store_unchecked(app, make_user()["id"], SLOW.format(n=slow_iterations))
    launches = renderer.chromium.launches
    assert _render(app, shader_id) == "rendered"
    body = client.get(f"/api/v1/shaders/{shader_id}").json
    assert body["render_status"] == "ready" and body["thumbnail_url"]
    assert 0 <= body["preview_frames"] < 30
    assert _image(client, body["preview_url"]).size == (320, 180)
    renderer.chromium.browser()
    assert renderer.chromium.launches == launches + 1, "the killed browser was replaced"


def test_a_shader_whose_one_frame_exceeds_the_budget_fails_clearly(app, client, make_user,
                                                                  renderer, slow_iterations):
    shader_id = _store_unchecked(app, make_user()["id"], SLOW.format(n=slow_iterations * 4))
    budget, renderer.timeout = renderer.timeout, SLOW_FRAME * 2
    try:
        began = time.monotonic()
        assert _render(app, shader_id) == "failed"
        assert time.monotonic() - began < SLOW_FRAME * 2 + 10
    finally:
        renderer.timeout = budget
    body = client.get(f"/api/v1/shaders/{shader_id}").json
    assert body["render_status"] == "failed" and body["thumbnail_url"] is None
    assert "before even the thumbnail frame was drawn" in body["render_error"]
    assert body["preview_frames"] is None


def test_no_preview_frame_makes_the_preview_the_thumbnail_still():
    out = io.BytesIO()
    Image.new("RGB", (512, 288), (200, 30, 30)).save(out, format="PNG")
    preview = Image.open(io.BytesIO(encode_preview(
        Captured(thumbnail=out.getvalue(), preview_fps=10.0, cut_short=True))))
    assert preview.format == "WEBP" and preview.size == (320, 180)
    assert preview.n_frames == 1
    red, green, blue = preview.convert("RGB").getpixel((160, 90))
    assert red > 150 and green < 80 and blue < 80
