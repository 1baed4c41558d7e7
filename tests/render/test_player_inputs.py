"""Every built-in input kind in the real player (headless Chromium): the sampler type follows
the source, each built-in has the documented size and content, the keyboard follows key
events, and the validator, the API and the player agree on the names."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from fractafrag.services import glsl, inputs
from tests.render.test_player import browser, open_page  # noqa: F401  (the module's browser)

LOOK = ("void mainImage(out vec4 fragColor, in vec2 fragCoord) {\n"
        "    vec2 uv = fragCoord / iResolution.xy;\n"
        "    fragColor = vec4(%s, 1.0);\n}\n")


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:  # noqa: F811
    page = open_page(browser)
    yield page
    page.close()


def draw(page: Page, code: str, inputs_: list[dict]) -> dict:
    passes = [{"name": "Image", "code": code, "inputs": inputs_}]
    assert glsl.validate_version("", passes) == []
    result = page.evaluate("v => pl.load(v)", {"common": "", "passes": passes})
    assert result["ok"], result
    page.evaluate("pl.renderFrame(0, 0)")
    return result


def test_the_player_generates_exactly_the_builtins_the_api_lists(page: Page) -> None:
    assert page.evaluate("FractafragPlayer.BUILTINS") == inputs.builtin_sources()
    for source in inputs.builtin_sources():
        assert page.evaluate("s => FractafragPlayer.samplerOf(s)", source) == inputs.sampler_of(
            source)


def test_prelude_declares_each_channels_sampler_type(page: Page) -> None:
    samplers = ["samplerCube", "sampler3D", "sampler2D", "samplerCube"]
    js = page.evaluate("s => FractafragPlayer.fragmentSource('', '', s)", samplers)
    assert js == glsl.fragment_source("", "", tuple(samplers))
    assert "uniform samplerCube iChannel0;" in js and "uniform sampler3D iChannel1;" in js


def test_cubemap_volume_and_textures_render_with_their_resolutions(page: Page) -> None:
    code = LOOK % (
        "vec3(texture(iChannel0, normalize(vec3(uv.x - 0.5, 1.0, uv.y - 0.5))).b,"
        " texture(iChannel1, vec3(uv, 0.5)).r,"
        " (iChannelResolution[0].x == 128.0 && iChannelResolution[1] == vec3(32.0)"
        "  && iChannelResolution[2].xy == vec2(8.0) && iChannelResolution[3].xy == vec2(128.0))"
        " ? 1.0 : 0.0)")
    draw(page, code, [
        {"channel": 0, "source": "cubemap:sky", "filter": "linear", "wrap": "clamp"},
        {"channel": 1, "source": "volume:noise-gray", "filter": "nearest", "wrap": "repeat"},
        {"channel": 2, "source": "texture:bayer", "filter": "nearest", "wrap": "repeat"},
        {"channel": 3, "source": "texture:blue-noise", "filter": "mipmap", "wrap": "repeat"}])
    r, _, b, _ = page.evaluate("pixel(32, 18)")
    assert r > 120, "the sky straight up is blue"
    assert b == 255, "iChannelResolution follows each input"
    assert page.evaluate("distinctColors()") > 20, "the volume is noise"


def test_bayer_is_the_ordered_dither_matrix(page: Page) -> None:
    page.evaluate("pl.setSize(8, 8)")
    draw(page, LOOK % "vec3(texelFetch(iChannel0, ivec2(fragCoord), 0).r)",
         [{"channel": 0, "source": "texture:bayer", "filter": "nearest", "wrap": "clamp"}])
    values = sorted(page.evaluate("bytes()")[0::4])
    assert values == sorted(int((i + 0.5) * 4) for i in range(64))


def test_keyboard_follows_key_events_and_is_zero_until_then(page: Page) -> None:
    page.evaluate("pl.attachKeyboard(), 0")  # (a function result would be called)
    code = LOOK % ("vec3(texelFetch(iChannel0, ivec2(65, 0), 0).r,"
                   " texelFetch(iChannel0, ivec2(65, 1), 0).r,"
                   " texelFetch(iChannel0, ivec2(65, 2), 0).r)")
    keyboard = [{"channel": 0, "source": "keyboard", "filter": "nearest", "wrap": "clamp"}]
    draw(page, code, keyboard)
    assert page.evaluate("pixel(1, 1)")[:3] == [0, 0, 0]
    page.keyboard.down("a")
    page.evaluate("pl.renderFrame(0.1, 1)")
    assert page.evaluate("pixel(1, 1)")[:3] == [255, 255, 255]  # held, pressed now, toggled on
    page.evaluate("pl.renderFrame(0.2, 2)")
    assert page.evaluate("pixel(1, 1)")[:3] == [255, 0, 255]  # pressed lasts one frame
    page.keyboard.up("a")
    page.evaluate("pl.renderFrame(0.3, 3)")
    assert page.evaluate("pixel(1, 1)")[:3] == [0, 0, 255]  # still toggled


@pytest.mark.parametrize("source", ["mic", "webcam", "video"])
def test_live_inputs_are_black_without_the_page_starting_them(page: Page, source: str) -> None:
    draw(page, LOOK % "texture(iChannel0, uv).rgb + 0.5",
         [{"channel": 0, "source": source, "filter": "linear", "wrap": "clamp"}])
    assert page.evaluate("pixel(5, 5)")[:3] == [128, 128, 128]


def test_a_cube_sampled_as_2d_is_a_validation_error_in_both() -> None:
    passes = [{"name": "Image", "code": LOOK % "texture(iChannel0, uv).rgb",
               "inputs": [{"channel": 0, "source": "cubemap:sky", "filter": "linear",
                           "wrap": "clamp"}]}]
    errors = glsl.validate_version("", passes)
    assert errors and errors[0].line == 3


def _data_url(image) -> str:
    import base64
    import io

    out = io.BytesIO()
    image.save(out, "PNG")
    return "data:image/png;base64," + base64.b64encode(out.getvalue()).decode("ascii")


def test_media_images_honour_vflip_and_srgb(page: Page) -> None:
    from PIL import Image

    image = Image.new("RGB", (2, 2), (128, 128, 128))
    image.putpixel((0, 0), (255, 0, 0))  # top-left red (top row of the file)
    image.putpixel((1, 0), (255, 0, 0))
    media = {"media:7": {"id": 7, "kind": "image", "width": 2, "height": 2,
                         "url": _data_url(image)}}
    code = LOOK % "texture(iChannel0, vec2(0.5, 0.99)).rgb"  # the top of the texture

    def top(**options) -> list[int]:
        passes = [{"name": "Image", "code": code, "inputs": [
            {"channel": 0, "source": "media:7", "filter": "nearest", "wrap": "clamp"} | options]}]
        assert page.evaluate("v => pl.load(v).ok", {"common": "", "passes": passes,
                                                   "media": media})
        page.evaluate("pl.ready")
        page.evaluate("pl.renderFrame(0, 0)")
        return page.evaluate("pixel(4, 4)")[:3]

    assert top() == [255, 0, 0], "vflip (the default) puts the file's top row at uv.y = 1"
    assert top(vflip=False) == [128, 128, 128]
    grey = top(vflip=False, srgb=True)[0]
    assert 50 < grey < 60, "sRGB 128 decodes to linear ~0.216"
