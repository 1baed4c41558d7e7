"""A Shadertoy document with keyboard, cubemap and volume inputs (and a library texture we do
not have) imports through the API and renders in real Chromium: the keyboard reads zeros, the
cubemap and the volume are our built-ins, the texture is the placeholder."""

from __future__ import annotations

import io

import pytest
from PIL import Image

from fractafrag.jobs.render import render_shader
from render_worker import pool
from tests.helpers import bearer

CODE = """void mainImage(out vec4 fragColor, in vec2 fragCoord) {
    vec2 uv = fragCoord / iResolution.xy;
    float key = texelFetch(iChannel0, ivec2(32, 0), 0).x;
    vec3 env = texture(iChannel1, normalize(vec3(uv.x - 0.5, 1.0, uv.y - 0.5))).rgb;
    float noise = texture(iChannel2, vec3(uv * 4.0, 0.5)).x;
    vec3 tex = texture(iChannel3, uv).rgb;
    vec3 colour = uv.x < 0.25 ? vec3(key) : uv.x < 0.5 ? env : uv.x < 0.75 ? vec3(noise) : tex;
    fragColor = vec4(colour, 1.0);
}
"""
LIBRARY = "/media/a/"
DOCUMENT = {"Shader": {"info": {"name": "Inputs from Shadertoy", "description": "", "tags": []},
                       "renderpass": [{"type": "image", "name": "Image", "code": CODE,
                                       "outputs": [{"id": 37, "channel": 0}], "inputs": [
    {"id": 33, "ctype": "keyboard", "channel": 0, "src": "/presets/tex00.jpg",
     "sampler": {"filter": "nearest", "wrap": "clamp", "vflip": "true", "srgb": "false"}},
    {"id": 22, "ctype": "cubemap", "channel": 1,
     "src": LIBRARY + "585f9546c092f53ded45332b343144396c0b2d70d9965f585ebc172080d8aa58.png",
     "sampler": {"filter": "mipmap", "wrap": "clamp", "vflip": "false", "srgb": "false"}},
    {"id": 39, "ctype": "volume", "channel": 2,
     "src": LIBRARY + "27012b4eadd0c3ce12498b867058e4f717ce79e10a99568cca461682d84a4b04.bin",
     "sampler": {"filter": "nearest", "wrap": "repeat", "vflip": "true", "srgb": "false"}},
    {"id": 16, "ctype": "texture", "channel": 3,
     "src": LIBRARY + "e6e5631ce1237ae4c05b3563eda686400a401df4548d0f9fad40ecac1659c46c.jpg",
     "sampler": {"filter": "nearest", "wrap": "repeat", "vflip": "true", "srgb": "false"}},
]}]}}


@pytest.fixture(scope="module", autouse=True)
def _close_browser():
    yield
    pool.shutdown()


def test_keyboard_cubemap_and_volume_inputs_import_and_render(app, client, make_user):
    user = make_user()
    made = client.post("/api/v1/shaders/import", json=DOCUMENT,
                       headers=bearer(user["access_token"]))
    assert made.status_code == 201, made.json
    sources = [i["source"] for i in made.json["passes"][0]["inputs"]]
    assert sources == ["keyboard", "cubemap:studio", "volume:noise-gray", "texture:placeholder"]
    assert made.json["passes"][0]["inputs"][3]["shadertoy"]["name"] == "Stars"
    with app.app_context():
        assert render_shader(made.json["id"], 1) == "rendered"
    body = client.get(f"/api/v1/shaders/{made.json['id']}").json
    picture = Image.open(io.BytesIO(client.get(body["thumbnail_url"]).data)).convert("RGB")
    assert picture.getpixel((60, 144)) == (0, 0, 0), "no key is held in a render"
    assert min(picture.getpixel((190, 200))) > 20, "the studio cubemap is lit"
    noise = picture.crop((260, 20, 380, 270))
    assert len(set(noise.get_flattened_data())) > 50, "the volume is noise"
    magenta = picture.crop((390, 0, 512, 288)).getcolors(4096)
    assert any(r > 200 and g < 40 and b > 200 for _, (r, g, b) in magenta), "the placeholder"
    exported = client.get(f"/api/v1/shaders/{made.json['id']}/export").json
    kinds = [i["ctype"] for i in exported["renderpass"][0]["inputs"]]
    assert kinds == ["keyboard", "cubemap", "volume", "texture"]
