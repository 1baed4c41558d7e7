"""Exports with real Chromium and real ffmpeg, probed and decoded with PyAV: the video's size,
frame count and length, its frames against the player's still frames, a 1080p PNG, an H.264
yuv420p MP4, a palette GIF, and the job end to end (status, url, live events)."""

from __future__ import annotations

import io
import json
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from fractafrag.extensions import db
from fractafrag.jobs.export import export_shader
from fractafrag.models import Export
from render_worker import pool
from render_worker.export import ExportSpec, render_export
from tests.api.shader_helpers import published
from tests.helpers import bearer

ROOT = Path(__file__).resolve().parents[2]
DEMOS = {d["slug"]: d for d in json.loads(
    (ROOT / "fractafrag" / "demo" / "shaders.json").read_text(encoding="utf-8"))}
PLASMA = DEMOS["plasma"]["version"]
TRAILS = DEMOS["fading-trails"]["version"]


@pytest.fixture(scope="module", autouse=True)
def _close_browser():
    yield
    pool.shutdown()


def _renderer(app):
    with app.app_context():
        return pool.shared_renderer()


def _rgb(png: bytes) -> np.ndarray:
    return np.asarray(Image.open(io.BytesIO(png)).convert("RGB"), dtype=np.int16)


def _frame(frame) -> np.ndarray:
    return np.asarray(frame.to_image().convert("RGB"), dtype=np.int16)


def _blocks(rgb: np.ndarray, side: int = 8) -> np.ndarray:
    h, w, _ = rgb.shape
    return rgb[: h - h % side, : w - w % side].reshape(
        h // side, side, w // side, side, 3).mean(axis=(1, 3))


def _frames(path: Path) -> tuple[av.container.InputContainer, list]:
    container = av.open(str(path))
    return container, list(container.decode(video=0))


def test_a_webm_has_the_size_frames_and_length_asked_for(app, tmp_path):
    renderer = _renderer(app)
    out = tmp_path / "plasma.webm"
    size = render_export(renderer, PLASMA, ExportSpec("webm", 640, 360, 2.0, 30), out,
                         timeout=300)
    assert size == out.stat().st_size > 0
    container, frames = _frames(out)
    stream = container.streams.video[0]
    assert stream.codec_context.name == "vp9"
    assert (stream.codec_context.width, stream.codec_context.height) == (640, 360)
    assert len(frames) == 60
    duration = float(container.duration / av.time_base)
    assert abs(duration - 2.0) <= 1 / 30 + 1e-6, duration
    # Frame 30 is the player's frame at t = 1 s. yuv420p halves the colour resolution, which
    # costs a colourful plasma several levels per pixel, so frames are compared as 8×8 block
    # means (what subsampling and VP9 keep), and frame 30 must be nearer than its neighbours.
    with app.app_context():
        still = _blocks(_rgb(renderer.still(PLASMA, 1.0, 640, 360)))
    distance = {n: np.abs(_blocks(_frame(frames[n])) - still).mean() for n in (29, 30, 31)}
    assert distance[30] < 2.5, distance
    assert distance[30] < distance[29] and distance[30] < distance[31], distance
    container.close()


def test_a_multipass_export_replays_its_buffers_from_frame_0(app, tmp_path):
    renderer = _renderer(app)
    out = tmp_path / "trails.webm"
    render_export(renderer, TRAILS, ExportSpec("webm", 320, 180, 0.5, 30, start=0.5), out,
                  timeout=300)
    container, frames = _frames(out)
    assert len(frames) == 15
    # Frame 14 is at t = 0.5 + 14/30 = 29/30 s: the still at that time replays frames 0..29.
    with app.app_context():
        still = _rgb(renderer.still(TRAILS, 29 / 30, 320, 180))
    assert np.abs(_blocks(_frame(frames[14])) - _blocks(still)).mean() < 2.5
    container.close()


def test_a_1080p_png_is_that_size(app, tmp_path):
    out = tmp_path / "still.png"
    render_export(_renderer(app), PLASMA, ExportSpec("png", 1920, 1080, 0, 30, start=1.0), out,
                  timeout=300)
    image = Image.open(out)
    assert image.format == "PNG" and image.size == (1920, 1080)
    with app.app_context():
        small = _rgb(_renderer(app).still(PLASMA, 1.0, 1920, 1080))
    assert np.abs(_rgb(out.read_bytes()) - small).max() <= 1


def test_an_mp4_is_h264_yuv420p_and_the_same_inputs_give_the_same_bytes(app, tmp_path):
    spec = ExportSpec("mp4", 320, 180, 1.0, 30)
    first, second = tmp_path / "a.mp4", tmp_path / "b.mp4"
    render_export(_renderer(app), PLASMA, spec, first, timeout=300)
    render_export(_renderer(app), PLASMA, spec, second, timeout=300)
    container, frames = _frames(first)
    stream = container.streams.video[0]
    assert stream.codec_context.name == "h264"
    assert stream.codec_context.pix_fmt == "yuv420p"
    assert len(frames) == 30
    container.close()
    assert first.read_bytes() == second.read_bytes()


def test_a_gif_loops_with_a_palette(app, tmp_path):
    out = tmp_path / "loop.gif"
    render_export(_renderer(app), PLASMA, ExportSpec("gif", 160, 90, 1.0, 10), out, timeout=300)
    image = Image.open(out)
    assert image.format == "GIF" and image.size == (160, 90)
    assert image.n_frames == 10 and image.info.get("loop") == 0


def test_the_export_job_makes_the_file_and_says_so(app, client, make_user):
    user = make_user()
    shader = published(client, user, passes=[{**PLASMA["passes"][0]}], common="")
    response = client.post(f"/api/v1/shaders/{shader['id']}/exports", json={
        "format": "webm", "width": 320, "height": 180, "seconds": 1, "fps": 20},
        headers=bearer(user["access_token"]))
    assert response.status_code == 202
    export_id = response.json["id"]
    with app.app_context():
        assert export_shader(export_id) == "ready"
        assert export_shader(export_id) == "already ready"
    shown = client.get(f"/api/v1/exports/{export_id}", headers=bearer(user["access_token"])).json
    assert shown["status"] == "ready" and shown["progress"] == 1.0
    assert shown["url"].startswith("/exports/") and shown["url"].endswith(".webm")
    body = client.get(shown["url"]).data
    assert len(body) == shown["bytes"] > 0
    container = av.open(io.BytesIO(body))
    assert len(list(container.decode(video=0))) == 20
    container.close()


def test_a_shader_that_does_not_compile_fails_the_export(app, client, make_user):
    user = make_user()
    shader = published(client, user)
    with app.app_context():
        export = Export(user_id=user["id"], shader_id=shader["id"], version=1, format="webm",
                        width=64, height=64, seconds=1, fps=10, start=0)
        db.session.add(export)
        db.session.commit()
        broken = {"common": "", "passes": [{"name": "Image", "inputs": [], "code": (
            "void mainImage(out vec4 c, in vec2 p) { c = vec4(undefinedThing); }")}]}
        from render_worker.capture import ShaderRenderError
        with pytest.raises(ShaderRenderError):
            render_export(pool.shared_renderer(), broken, ExportSpec("webm", 64, 64, 1, 10),
                          Path(app.config["DATA_DIR"]) / "x.webm", timeout=60)


def test_the_export_command_writes_the_file(app, client, make_user, tmp_path):
    from fractafrag.cli import export

    shader = published(client, make_user())
    out = tmp_path / "cli.webm"
    result = app.test_cli_runner().invoke(export, [
        "--shader", str(shader["id"]), "--format", "webm", "--width", "160", "--height", "90",
        "--seconds", "1", "--fps", "10", "--out", str(out)])
    assert result.exit_code == 0, result.output
    assert "wrote" in result.output
    container, frames = _frames(out)
    assert len(frames) == 10 and frames[0].width == 160
    container.close()
    refused = app.test_cli_runner().invoke(export, [
        "--shader", str(shader["id"]), "--format", "mp4", "--width", "161", "--out",
        str(tmp_path / "odd.mp4")])
    assert refused.exit_code != 0 and "even" in refused.output


def test_the_render_worker_takes_renders_before_exports_and_sends_live_events(
        app, client, make_user, monkeypatch):
    from fractafrag.extensions import redis
    from fractafrag.realtime import broadcast
    from render_worker.fair import RenderWorker

    sent: list[tuple[str, dict, str]] = []
    real_emit = broadcast.emit
    monkeypatch.setattr(broadcast, "emit", lambda event, data, room: (
        sent.append((event, data, room)), real_emit(event, data, room)))
    user = make_user()
    first = published(client, user)
    export_id = client.post(f"/api/v1/shaders/{first['id']}/exports", json={
        "format": "mp4", "width": 320, "height": 180, "seconds": 1, "fps": 30},
        headers=bearer(user["access_token"])).json["id"]
    published(client, make_user(), title="Later")  # queued after the export: renders first
    with app.app_context():
        worker = RenderWorker(["render", "export"], connection=redis.conn)
        worker.app = app
        worker.work(burst=True, with_scheduler=False)
    mine = [(event, data) for event, data, room in sent if room == f"user:{user['id']}"
            and event.startswith("export:")]
    assert mine[-1][0] == "export:ready" and mine[-1][1]["url"].endswith(".mp4")
    assert any(e == "export:progress" and 0 < d["progress"] < 1 for e, d in mine), mine
    renders = [i for i, (event, _, _) in enumerate(sent) if event == "render:status"]
    assert max(renders) < sent.index(next(s for s in sent if s[0] == "export:progress"))
    shown = client.get(f"/api/v1/exports/{export_id}", headers=bearer(user["access_token"])).json
    assert shown["status"] == "ready"


def test_an_mp4_plays_in_chromiums_video_element(app, tmp_path):
    renderer = _renderer(app)
    render_export(renderer, PLASMA, ExportSpec("mp4", 320, 180, 1.0, 30), tmp_path / "v.mp4",
                  timeout=300)
    (tmp_path / "v.html").write_text("<video id=v src='v.mp4' muted></video>")
    with app.app_context():
        page = renderer.chromium.browser().contexts[0].new_page()
    try:
        page.goto((tmp_path / "v.html").as_uri())
        page.wait_for_function("() => document.getElementById('v').readyState >= 2",
                               timeout=20000)
        assert page.evaluate("() => [v.videoWidth, v.videoHeight, v.error]") == [320, 180, None]
        page.evaluate("() => v.play()")
        page.wait_for_function("() => v.currentTime > 0.2", timeout=20000)
    finally:
        page.close()


# Samples its channel at the centre; blue when iChannelResolution is not the image's size.
SAMPLES = ("void mainImage(out vec4 fragColor, in vec2 fragCoord) {\n"
           "    vec4 t = texture(iChannel0, vec2(0.5));\n"
           "    bool sized = iChannelResolution[0].xy == vec2(32.0, 16.0);\n"
           "    fragColor = sized ? vec4(t.rgb, 1.0) : vec4(0.0, 0.0, 1.0, 1.0);\n}\n")


def test_an_uploaded_red_png_is_red_from_the_exports_first_frame(app, client, make_user):
    from tests.api.test_media import png, upload

    user = make_user()
    medium = upload(client, user, png(size=(32, 16))).get_json()
    shader = published(client, user, passes=[{"name": "Image", "code": SAMPLES, "inputs": [
        {"channel": 0, "source": medium["source"]}]}])
    export_id = client.post(f"/api/v1/shaders/{shader['id']}/exports", json={
        "format": "webm", "width": 64, "height": 64, "seconds": 1, "fps": 10},
        headers=bearer(user["access_token"])).json["id"]
    with app.app_context():
        assert export_shader(export_id) == "ready"
    shown = client.get(f"/api/v1/exports/{export_id}", headers=bearer(user["access_token"])).json
    container = av.open(io.BytesIO(client.get(shown["url"]).data))
    frames = [_frame(f) for f in container.decode(video=0)]
    container.close()
    assert len(frames) == 10
    for n, rgb in enumerate(frames):  # frame 0 too: the image is a texture before it is drawn
        r, g, b = rgb[32, 32]
        assert r > 230 and g < 25 and b < 25, (n, (r, g, b))


# Writes the clock into its colour: red = iTimeDelta·5 (0.5 at 10 fps), green = iTime/4,
# blue = iFrame/20.
CLOCK = {"common": "", "passes": [{"name": "Image", "inputs": [], "code": (
    "void mainImage(out vec4 fragColor, in vec2 fragCoord) {\n"
    "    fragColor = vec4(iTimeDelta * 5.0, iTime / 4.0, float(iFrame) / 20.0, 1.0);\n}\n")}]}


def test_every_exported_frame_has_the_fixed_step_clock_frame_0_included(app, tmp_path):
    renderer = _renderer(app)
    out = tmp_path / "clock.webm"
    render_export(renderer, CLOCK, ExportSpec("webm", 64, 64, 1.0, 10, start=0.5), out,
                  timeout=300)
    container, frames = _frames(out)
    assert len(frames) == 10
    for n, frame in enumerate(frames):
        expected = np.array([0.5, (0.5 + n / 10) / 4, n / 20]) * 255
        got = _frame(frame)[32, 32]
        assert np.abs(got - expected).max() <= 6, (n, got, expected.round())
    container.close()
    still = tmp_path / "clock.png"
    render_export(renderer, CLOCK, ExportSpec("png", 64, 64, 0, 10, start=1.0), still,
                  timeout=300)
    assert np.abs(_rgb(still.read_bytes())[32, 32] - (128, 64, 0)).max() <= 1


def test_the_thumbnail_and_preview_keep_the_same_fixed_step_clock(app):
    with app.app_context():
        captured = _renderer(app).capture(CLOCK)
    # The thumbnail is frame 15 at 1.5 s, drawn alone (one pass), and still gets 1/10 s.
    thumbnail = _rgb(captured.thumbnail)[144, 256]
    assert np.abs(thumbnail - (128, 96, 191)).max() <= 1, thumbnail
    first = _rgb(captured.preview[0])[90, 160]  # frame 0 of the preview (a JPEG)
    assert abs(first[0] - 128) <= 4 and first[1] <= 4 and first[2] <= 4, first


def test_the_render_pages_fresh_player_resolves_with_its_media_already_textures(app):
    import base64

    from tests.api.test_media import png

    media = {"media:7": {"id": 7, "kind": "image", "width": 32, "height": 16,
                         "url": "data:image/png;base64," + base64.b64encode(
                             png(size=(32, 16))).decode("ascii")}}
    version = {"common": "", "media": media, "passes": [{"name": "Image", "code": SAMPLES,
               "inputs": [{"channel": 0, "source": "media:7"}]}]}
    with app.app_context():
        page = _renderer(app)._warm_page()
    # Frame 0 drawn in the same task the player resolves in: no later chance to decode.
    pixel = page.evaluate("""async v => {
        const got = await window.__fractafragFreshPlayer(v);
        got.player.setSize(8, 8);
        got.player.renderFrame(0, 0);
        return Array.from(got.player.readPixels().data.slice(0, 4));
    }""", version)
    assert pixel == [255, 0, 0, 255]
    refused = page.evaluate("v => window.__fractafragFreshPlayer(v)", {
        "common": "", "passes": [{"name": "Image", "code": "void mainImage() {}"}]})
    assert refused["errors"][0]["pass"] == "Image"


def test_the_frame_sink_takes_only_its_own_whole_frames_in_order(tmp_path):
    import requests

    from render_worker.export import _Encoder, _FrameSink

    spec = ExportSpec("webm", 16, 16, 2.0, 1)
    encoder = _Encoder(spec, tmp_path / "two.webm")
    sink = _FrameSink(encoder, 16 * 16 * 4)
    try:
        red = bytes([255, 0, 0, 255]) * 256
        other = sink.url.replace(sink.token, "not-the-token")
        assert requests.post(other + "0", data=red, timeout=10).status_code == 404
        assert requests.post(sink.url + "0", data=red[:-4], timeout=10).status_code == 400
        answer = requests.post(sink.url + "0", data=red, timeout=10)
        assert answer.status_code == 204
        assert answer.headers["Access-Control-Allow-Origin"] == "*"
        assert requests.post(sink.url + "0", data=red, timeout=10).status_code == 409
        assert requests.post(sink.url + "1", data=red, timeout=10).status_code == 204
    finally:
        sink.close()
    encoder.finish()
    container, frames = _frames(tmp_path / "two.webm")
    assert len(frames) == 2
    assert tuple(_frame(frames[1])[8, 8]) == pytest.approx((254, 0, 0), abs=3)
    container.close()


def test_an_encoder_that_dies_fails_the_export_with_its_exit_code(app, tmp_path,
                                                                  monkeypatch):
    from render_worker.export import ExportError

    monkeypatch.setenv("FRACTAFRAG_FFMPEG", "/bin/false")
    with pytest.raises(ExportError, match="ffmpeg exit 1"):
        render_export(_renderer(app), PLASMA, ExportSpec("webm", 64, 64, 1.0, 10),
                      tmp_path / "never.webm", timeout=120)
    monkeypatch.delenv("FRACTAFRAG_FFMPEG")
    out = tmp_path / "after.webm"  # the browser and page still work afterwards
    render_export(_renderer(app), PLASMA, ExportSpec("webm", 64, 64, 0.5, 10), out,
                  timeout=120)
    assert len(_frames(out)[1]) == 5
