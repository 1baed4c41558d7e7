"""Uploaded media in real Chromium renders: a red PNG read through `media:<id>` makes a red
thumbnail (the render page gets the image inline, as a data URL)."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from fractafrag.jobs.render import render_shader
from render_worker import pool
from tests.api.shader_helpers import published
from tests.api.test_media import png, upload

# Reads the texture's centre and checks iChannelResolution is the image's size (64x32).
CODE = ("void mainImage(out vec4 fragColor, in vec2 fragCoord) {\n"
        "    vec4 t = texture(iChannel0, vec2(0.5));\n"
        "    bool sized = iChannelResolution[0].xy == vec2(64.0, 32.0);\n"
        "    fragColor = sized ? vec4(t.rgb, 1.0) : vec4(0.0, 0.0, 1.0, 1.0);\n}\n")


@pytest.fixture(scope="module", autouse=True)
def _close_browser():
    yield
    pool.shutdown()


def test_a_red_uploaded_png_makes_a_red_thumbnail(app, client, make_user):
    ada = make_user()
    medium = upload(client, ada, png(size=(64, 32))).get_json()
    shader = published(client, ada, passes=[{"name": "Image", "code": CODE, "inputs": [
        {"channel": 0, "source": f"media:{medium['id']}"}]}])
    with app.app_context():
        assert render_shader(shader["id"], 1) == "rendered"
    body = client.get(f"/api/v1/shaders/{shader['id']}").json
    thumbnail = Image.open(io.BytesIO(client.get(body["thumbnail_url"]).data)).convert("RGB")
    r, g, b = thumbnail.getpixel((256, 144))
    assert r > 240 and g < 15 and b < 15, (r, g, b)
