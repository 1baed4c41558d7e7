"""static/js/player.js in real headless Chromium: passes, uniforms, textures, errors, demos."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from fractafrag.services import glsl
from render_worker.browser import CHROMIUM_FLAGS, find_chromium

ROOT = Path(__file__).resolve().parents[2]
PLAYER_JS = ROOT / "static" / "js" / "player.js"
DEMOS = json.loads((ROOT / "fractafrag" / "demo" / "shaders.json").read_text(encoding="utf-8"))
CHROMIUM_ARGS = CHROMIUM_FLAGS  # the render worker's own flags
CHROMIUM = find_chromium(os.environ.get("FRACTAFRAG_CHROMIUM", ""))
TOLERANCE = 2  # in 1/255 steps

# Test helpers added to each page: a player `pl` on canvas #c, and pixel readers.
HELPERS = """
window.pl = new FractafragPlayer(document.getElementById("c"), {preserveDrawingBuffer: true});
window.image = (code, inputs, common) => ({
    common: common || "", passes: [{name: "Image", code: code, inputs: inputs || []}]});
window.pixel = (x, y) => {  // (x, y) from the bottom-left, like fragCoord
    const {width, data} = pl.readPixels();
    const i = (y * width + x) * 4;
    return [data[i], data[i + 1], data[i + 2], data[i + 3]];
};
window.bytes = () => Array.from(pl.readPixels().data);
window.distinctColors = () => {
    const {data} = pl.readPixels();
    const seen = new Set();
    for (let i = 0; i < data.length; i += 4) {
        seen.add(data[i] << 16 | data[i + 1] << 8 | data[i + 2]);
    }
    return seen.size;
};
"""


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


def open_page(browser: Browser) -> Page:
    page = browser.new_page()
    page.set_content("<style>body{margin:0}</style><canvas id=c width=64 height=36></canvas>")
    page.add_script_tag(path=str(PLAYER_JS))
    page.evaluate(HELPERS)
    return page


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:
    page = open_page(browser)
    yield page
    page.close()


def load(page: Page, version: dict) -> dict:
    return page.evaluate("(v) => pl.load(v)", version)


def load_image(page: Page, code: str, inputs: list | None = None, common: str = "") -> None:
    result = page.evaluate("([c, i, k]) => pl.load(image(c, i, k))", [code, inputs or [], common])
    assert result == {"ok": True, "errors": []}


def render(page: Page, time: float, frame: int, mouse: list | None = None) -> None:
    opts = {"mouse": mouse} if mouse else {}
    assert page.evaluate("([t, f, o]) => pl.renderFrame(t, f, o)", [time, frame, opts])


def pixel(page: Page, x: int, y: int) -> list[int]:
    return page.evaluate("([x, y]) => pixel(x, y)", [x, y])


def assert_close(actual: list[int], expected: list[float]) -> None:
    """RGB of actual within TOLERANCE of expected, given in 0-1 floats."""
    want = [round(v * 255) for v in expected]
    assert all(abs(a - w) <= TOLERANCE for a, w in zip(actual[:3], want, strict=True)), (
        f"{actual[:3]} != {want}"
    )


def channel(source: str, number: int = 0, filter: str = "nearest", wrap: str = "clamp") -> dict:
    return {"channel": number, "source": source, "filter": filter, "wrap": wrap}


GRADIENT = """void mainImage(out vec4 fragColor, in vec2 fragCoord)
{
    fragColor = vec4(fragCoord / iResolution.xy, 0.0, 1.0);
}"""


def test_shader_source_is_the_validators(page: Page) -> None:
    common, code = "float k() { return 1.0; }", GRADIENT
    source = page.evaluate("([c, p]) => FractafragPlayer.fragmentSource(c, p)", [common, code])
    assert source == glsl.fragment_source(common, code)
    assert page.evaluate("FractafragPlayer.PRELUDE") == glsl.prelude()


def test_gradient_matches_fragcoord_over_resolution(page: Page) -> None:
    load_image(page, GRADIENT)
    render(page, 0.0, 0)
    for x, y in [(0, 0), (63, 0), (0, 35), (63, 35), (32, 18)]:
        assert_close(pixel(page, x, y), [(x + 0.5) / 64, (y + 0.5) / 36, 0.0])


def test_itime_drives_the_picture_and_frames_are_reproducible(page: Page) -> None:
    code = """void mainImage(out vec4 fragColor, in vec2 fragCoord)
{
    vec2 uv = fragCoord / iResolution.xy;
    fragColor = vec4(fract(0.25 * iTime), 0.5 + 0.5 * sin(10.0 * uv.x + iTime), 0.0, 1.0);
}"""
    load_image(page, code)
    render(page, 0.0, 0)
    assert_close(pixel(page, 0, 0), [0.0, 0.5 + 0.5 * 0.0781, 0.0])  # sin(10 * 0.5 / 64)
    render(page, 1.0, 1)
    assert pixel(page, 0, 0)[0] == pytest.approx(0.25 * 255, abs=TOLERANCE)

    def run() -> list[list[int]]:
        load_image(page, code)
        frames = []
        for index in range(4):
            render(page, 0.1 * index, index)
            frames.append(page.evaluate("bytes()"))
        return frames

    assert run() == run()


FEEDBACK = {
    "common": "",
    "passes": [
        {
            "name": "Image",
            "code": """void mainImage(out vec4 fragColor, in vec2 fragCoord)
{
    fragColor = vec4(0.25 * texture(iChannel0, fragCoord / iResolution.xy).rgb, 1.0);
}""",
            "inputs": [channel("Buffer A")],
        },
        {
            "name": "Buffer A",
            "code": """void mainImage(out vec4 fragColor, in vec2 fragCoord)
{
    // The previous frame of this very buffer, plus 0.1.
    fragColor = texelFetch(iChannel0, ivec2(fragCoord), 0) + vec4(0.1);
}""",
            "inputs": [channel("Buffer A")],
        },
    ],
}


def test_buffer_feedback_accumulates_in_float(page: Page) -> None:
    assert load(page, FEEDBACK)["ok"]
    assert page.evaluate("pl.bufferFormat") in ("RGBA32F", "RGBA16F")
    for index in range(5):
        render(page, index / 60, index)
    assert_close(pixel(page, 10, 10), [0.125] * 3)  # 0.5, shown at a quarter
    for index in range(5, 12):
        render(page, index / 60, index)
    # 1.2 is past what an RGBA8 buffer could hold.
    assert_close(pixel(page, 10, 10), [0.3] * 3)
    # Frame 0 again starts from cleared buffers.
    render(page, 0.0, 0)
    assert_close(pixel(page, 10, 10), [0.025] * 3)


def test_resizing_clears_the_buffers(page: Page) -> None:
    assert load(page, FEEDBACK)["ok"]
    for index in range(4):
        render(page, index / 60, index)
    page.evaluate("pl.setSize(32, 18)")
    render(page, 4 / 60, 4)
    assert page.evaluate("[pl.canvas.width, pl.canvas.height]") == [32, 18]
    assert_close(pixel(page, 31, 17), [0.025] * 3)


def test_buffers_see_this_frame_from_earlier_passes_and_last_frame_from_later_ones(
    page: Page,
) -> None:
    version = {
        "common": "",
        "passes": [
            {
                "name": "Buffer B",
                "code": """void mainImage(out vec4 fragColor, in vec2 fragCoord)
{
    fragColor = texelFetch(iChannel0, ivec2(fragCoord), 0);  // Buffer A, drawn before B
}""",
                "inputs": [channel("Buffer A")],
            },
            {
                "name": "Image",
                "code": """void mainImage(out vec4 fragColor, in vec2 fragCoord)
{
    vec4 a = texelFetch(iChannel0, ivec2(fragCoord), 0);
    vec4 b = texelFetch(iChannel1, ivec2(fragCoord), 0);
    fragColor = vec4(a.x, a.y, b.x, 1.0) / 10.0;
}""",
                "inputs": [channel("Buffer A", 0), channel("Buffer B", 1)],
            },
            {
                "name": "Buffer A",
                "code": """void mainImage(out vec4 fragColor, in vec2 fragCoord)
{
    float b = texelFetch(iChannel1, ivec2(fragCoord), 0).x;  // Buffer B, drawn after A
    fragColor = vec4(float(iFrame), b, 0.0, 1.0);
}""",
                "inputs": [channel("Buffer B", 1)],
            },
        ],
    }
    assert load(page, version)["ok"]
    for index in range(4):
        render(page, index / 60, index)
    # Frame 3: A = 3 now; A saw B's previous frame (2); B copied A's current frame (3).
    assert_close(pixel(page, 5, 5), [0.3, 0.2, 0.3])


def test_common_code_is_visible_in_every_pass(page: Page) -> None:
    common = "const float HALF = 0.5;\nvec3 tint() { return vec3(HALF, 0.25, 0.0); }\n"
    version = {
        "common": common,
        "passes": [
            {
                "name": "Buffer A",
                "code": "void mainImage(out vec4 c, in vec2 p) { c = vec4(tint(), 1.0); }",
                "inputs": [],
            },
            {
                "name": "Image",
                "code": """void mainImage(out vec4 c, in vec2 p)
{
    c = vec4(texelFetch(iChannel0, ivec2(p), 0).rg, HALF * 0.5, 1.0);
}""",
                "inputs": [channel("Buffer A")],
            },
        ],
    }
    assert load(page, version)["ok"]
    render(page, 0.0, 0)
    assert_close(pixel(page, 1, 1), [0.5, 0.25, 0.25])


def test_compile_errors_name_the_pass_and_the_users_line(page: Page) -> None:
    load_image(page, GRADIENT)
    broken = """// a comment
void mainImage(out vec4 fragColor, in vec2 fragCoord)
{
    fragColor = vec4(undefinedThing);
}"""
    result = page.evaluate("(c) => pl.load(image(c))", broken)
    assert result["ok"] is False
    assert [(e["pass"], e["line"]) for e in result["errors"]] == [("Image", 4)]
    assert "undefinedThing" in result["errors"][0]["message"]

    result = page.evaluate("(c) => pl.load(image(c, [], 'float f() { return 1.0 }'))", GRADIENT)
    assert [(e["pass"], e["line"]) for e in result["errors"]] == [("Common", 1)]

    buffer_error = {
        "common": "",
        "passes": [
            {"name": "Image", "code": GRADIENT, "inputs": []},
            {"name": "Buffer B", "code": "void mainImage(out vec4 c, in vec2 p)\n{ c = 1; }"},
        ],
    }
    result = load(page, buffer_error)
    assert [(e["pass"], e["line"]) for e in result["errors"]] == [("Buffer B", 2)]

    # The gradient loaded first is still the one drawn.
    render(page, 0.0, 0)
    assert_close(pixel(page, 63, 35), [63.5 / 64, 35.5 / 36, 0.0])


def test_wrapper_and_link_problems_point_at_the_pass(page: Page) -> None:
    result = page.evaluate("(c) => pl.load(image(c))", "void mainImage(out vec3 c, in vec2 p) {}")
    assert result["errors"][0]["pass"] == "Image"
    assert "wrong signature" in result["errors"][0]["message"]
    never_defined = "float h();\nvoid unused() { h(); }\n" + GRADIENT
    result = page.evaluate("(c) => pl.load(image(c))", never_defined)
    assert [(e["pass"], e["line"]) for e in result["errors"]] == [("Image", 1)]
    assert "never defined" in result["errors"][0]["message"]


TEXTURES = ["checker", "noise-rgba", "noise-gray"]
TEXTURE_VIEW = """void mainImage(out vec4 fragColor, in vec2 fragCoord)
{
    fragColor = vec4(texelFetch(iChannel0, ivec2(fragCoord), 0).rgb, 1.0);
}"""


def texture_bytes(browser: Browser) -> dict[str, list[int]]:
    """Each built-in texture drawn texel for texel, in a fresh page."""
    page = open_page(browser)
    try:
        page.evaluate("pl.setSize(64, 64)")
        drawn = {}
        for name in TEXTURES:
            load_image(page, TEXTURE_VIEW, [channel(f"texture:{name}")])
            render(page, 0.0, 0)
            drawn[name] = page.evaluate("bytes()")
        return drawn
    finally:
        page.close()


@pytest.fixture(scope="module")
def two_page_loads(browser: Browser) -> tuple[dict, dict]:
    return texture_bytes(browser), texture_bytes(browser)


@pytest.mark.parametrize("name", TEXTURES)
def test_builtin_textures_are_deterministic(two_page_loads: tuple, name: str) -> None:
    first, second = (drawn[name] for drawn in two_page_loads)
    assert first == second
    pixels = [first[i : i + 3] for i in range(0, len(first), 4)]
    if name == "checker":
        for y in range(64):
            for x in range(64):
                value = 255 if ((x >> 3) + (y >> 3)) & 1 else 0
                assert pixels[y * 64 + x] == [value] * 3
    elif name == "noise-gray":
        assert all(r == g == b for r, g, b in pixels)
        assert len({p[0] for p in pixels}) > 200
    else:
        assert sum(1 for r, g, b in pixels if r != g or g != b) > 0.9 * len(pixels)
        mean = sum(first[i] for i in range(0, len(first), 4)) / len(pixels)
        assert 110 < mean < 145


def test_texture_filter_wrap_and_channel_resolution(page: Page) -> None:
    # Repeat wraps uv 1.25 to 0.25; clamp holds it at the edge; checker is 64 x 64.
    code = """void mainImage(out vec4 fragColor, in vec2 fragCoord)
{
    vec2 uv = vec2(1.0 + 4.5 / 64.0, 4.5 / 64.0);
    fragColor = vec4(texture(iChannel0, uv).r, texture(iChannel1, uv).r,
                     iChannelResolution[0].x / 255.0, 1.0);
}"""
    inputs = [
        channel("texture:checker", 0, "nearest", "repeat"),
        channel("texture:checker", 1, "nearest", "clamp"),
    ]
    load_image(page, code, inputs)
    render(page, 0.0, 0)
    # Repeat: texel (4, 4) is black; clamp: texel (63, 4) is white.
    assert_close(pixel(page, 0, 0), [0.0, 1.0, 64 / 255])


def test_mipmapped_buffer_averages_down(page: Page) -> None:
    version = {
        "common": "",
        "passes": [
            {
                "name": "Buffer A",
                "code": """void mainImage(out vec4 c, in vec2 p)
{
    ivec2 i = ivec2(p);
    c = vec4(float((i.x + i.y) & 1));  // a one-pixel checkerboard
}""",
            },
            {
                "name": "Image",
                "code": """void mainImage(out vec4 c, in vec2 p)
{
    vec2 uv = p / iResolution.xy;
    c = vec4(textureLod(iChannel0, uv, 3.0).r, textureLod(iChannel1, uv, 3.0).r, 0.0, 1.0);
}""",
                "inputs": [
                    channel("Buffer A", 0, "mipmap"),
                    channel("Buffer A", 1, "nearest"),
                ],
            },
        ],
    }
    page.evaluate("pl.setSize(64, 64)")
    assert load(page, version)["ok"]
    render(page, 0.0, 0)
    red, green, _, _ = pixel(page, 20, 20)
    assert red == pytest.approx(127.5, abs=3)  # the average of black and white
    assert green in (0, 255)  # no mipmaps: level 0 is sampled
    assert page.evaluate("pl.gl.getError()") == 0


def test_uniforms_reach_the_shader(page: Page) -> None:
    load_image(
        page,
        """void mainImage(out vec4 fragColor, in vec2 fragCoord)
{
    if (fragCoord.x < 1.0) {
        fragColor = vec4(iMouse.x, iMouse.y, -iMouse.z, 255.0) / 255.0;
    } else if (fragCoord.x < 2.0) {
        fragColor = vec4(float(iFrame), iResolution.x, iResolution.y, 255.0) / 255.0;
    } else if (fragCoord.x < 3.0) {
        fragColor = vec4(iDate.x - 2000.0, iDate.y + 1.0, iDate.z, 255.0) / 255.0;
    } else if (fragCoord.x < 4.0) {
        fragColor = vec4(iDate.w / 60.0, 100.0 * iTimeDelta, iFrameRate, 255.0) / 255.0;
    } else {
        fragColor = vec4(iSampleRate / 1000.0, iChannelTime[2], iResolution.z, 255.0) / 255.0;
    }
}""",
    )
    page.evaluate("pl.setSize(100, 50)")
    render(page, 0.0, 0)
    render(page, 7200.5, 7, mouse=[10, 20, -30, -40])
    assert pixel(page, 0, 0)[:3] == [10, 20, 30]
    assert pixel(page, 1, 0)[:3] == [7, 100, 50]
    assert pixel(page, 2, 0)[:3] == [25, 1, 1]  # 2025-01-01, from the fixed epoch
    # 02:00:00.5 is 120 minutes after midnight; delta 7200.5 s saturates; rate 1/7200.5.
    assert pixel(page, 3, 0)[:3] == [120, 255, 0]
    assert pixel(page, 4, 0)[:3] == [44, 255, 1]
    render(page, 7200.75, 8)
    assert pixel(page, 3, 0)[1:3] == [25, 4]  # delta 0.25 s, 4 frames per second
    assert pixel(page, 0, 0)[:3] == [0, 0, 0]  # no mouse given: zeros


def test_clock_plays_pauses_seeks_and_follows_the_mouse(page: Page) -> None:
    load_image(
        page,
        """void mainImage(out vec4 fragColor, in vec2 fragCoord)
{
    fragColor = vec4(iMouse.x, iMouse.y, iTime * 10.0, 255.0) / 255.0;
}""",
    )
    page.evaluate("() => { pl.attachMouse(); window.seen = []; pl.onFrame = (f) => seen.push(f); }")
    page.evaluate("pl.play()")
    page.wait_for_function("seen.length >= 5")
    page.evaluate("pl.pause()")
    seen = page.evaluate("() => seen")
    assert [f["frame"] for f in seen[:5]] == [0, 1, 2, 3, 4]
    assert seen[4]["time"] > seen[0]["time"] and seen[4]["fps"] > 0
    assert page.evaluate("pl.isPlaying") is False
    count = page.evaluate("seen.length")
    page.wait_for_timeout(100)
    assert page.evaluate("seen.length") == count

    page.evaluate("pl.setTime(2.0)")  # a seek while paused draws at once
    assert page.evaluate("pl.time") == 2.0
    assert pixel(page, 5, 5)[2] == 20
    page.mouse.move(10, 30)
    page.mouse.down()
    page.mouse.move(20, 26)
    page.evaluate("pl.setTime(2.0)")
    # 36 rows: CSS y 26 (pixel centre 26.5 after rounding) is GL y 36 - 26 = 10.
    red, green, _, _ = pixel(page, 5, 5)
    assert (red, green) == (20, 10)
    page.mouse.up()
    page.evaluate("pl.restart()")
    assert page.evaluate("[pl.time, pl.frame]") == [0, 1]
    assert pixel(page, 5, 5)[:3] == [20, 10, 0]


def test_fit_to_display_uses_css_size_times_pixel_ratio(page: Page) -> None:
    size = page.evaluate(
        """() => {
            const canvas = document.createElement("canvas");
            canvas.style.cssText = "width: 100px; height: 50px";
            document.body.appendChild(canvas);
            const player = new FractafragPlayer(canvas, {pixelRatio: 2});
            player.fitToDisplay();
            return [canvas.width, canvas.height];
        }"""
    )
    assert size == [200, 100]


def test_missing_webgl2_is_a_clear_error(page: Page) -> None:
    message = page.evaluate(
        """() => {
            const canvas = document.createElement("canvas");
            canvas.getContext("2d");  // a canvas with a 2D context cannot also have WebGL2
            try { new FractafragPlayer(canvas); } catch (error) { return error.message; }
        }"""
    )
    assert "WebGL2 is not available" in message


def test_context_loss_is_reported_not_thrown(page: Page) -> None:
    load_image(page, GRADIENT)
    page.evaluate(
        """() => {
            window.errors = [];
            window.restored = 0;
            pl.onError = (e) => errors.push(e);
            pl.onContextRestored = () => restored++;
            pl.play();
            window.lose = pl.gl.getExtension("WEBGL_lose_context");
            lose.loseContext();
        }"""
    )
    page.wait_for_function("errors.length > 0")
    assert page.evaluate("errors[0].type") == "contextlost"
    assert page.evaluate("pl.isPlaying") is False
    assert page.evaluate("pl.renderFrame(0, 0)") is False
    page.evaluate("lose.restoreContext()")
    page.wait_for_function("restored > 0")
    render(page, 0.0, 0)
    assert_close(pixel(page, 0, 0), [0.5 / 64, 0.5 / 36, 0.0])


def test_destroy_frees_everything(page: Page) -> None:
    assert load(page, FEEDBACK)["ok"]
    render(page, 0.0, 0)
    page.evaluate("pl.play(); pl.destroy()")
    assert page.evaluate("pl.isPlaying") is False
    assert page.evaluate("pl.gl.getError()") == 0


@pytest.fixture(scope="module")
def demo_page(browser: Browser) -> Iterator[Page]:
    page = open_page(browser)
    page.evaluate("pl.setSize(160, 90)")
    yield page
    page.close()


@pytest.mark.parametrize("demo", DEMOS, ids=[d["slug"] for d in DEMOS])
def test_demo_renders(demo_page: Page, demo: dict) -> None:
    result = load(demo_page, demo["version"])
    assert result == {"ok": True, "errors": []}
    render(demo_page, 1.0, 0)
    assert demo_page.evaluate("distinctColors()") > 1


def test_multipass_demo_renders_the_same_frames_every_run(demo_page: Page) -> None:
    demo = next(d for d in DEMOS if d["slug"] == "reaction-diffusion")

    def run() -> list[int]:
        assert load(demo_page, demo["version"])["ok"]
        for index in range(6):
            render(demo_page, index / 30, index)
        return demo_page.evaluate("bytes()")

    first = run()
    assert run() == first
    # Starting again at frame 0 without a new load() clears the buffers too.
    for index in range(6):
        render(demo_page, index / 30, index)
    assert demo_page.evaluate("bytes()") == first
