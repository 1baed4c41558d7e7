"""The channel controls the editor offers for a built-in texture change what the shader reads
(real player, headless Chromium): vflip off turns its rows upside down, sRGB decodes it."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, Page

from tests.render.test_player import browser, open_page  # noqa: F401  (the module's browser)

# Column x of row y of an 8x8 texture, read exactly, drawn on an 8x8 canvas.
FETCH = ("void mainImage(out vec4 fragColor, in vec2 fragCoord) {\n"
         "    fragColor = vec4(texelFetch(iChannel0, ivec2(fragCoord), 0).rgb, 1.0);\n}\n")


@pytest.fixture
def page(browser: Browser) -> Iterator[Page]:  # noqa: F811
    page = open_page(browser)
    page.evaluate("pl.setSize(8, 8)")
    yield page
    page.close()


def rows(page: Page, **flags: bool) -> list[list[int]]:
    """The red channel of the drawn 8x8 Bayer texture, row by row from the bottom."""
    passes = [{"name": "Image", "code": FETCH, "inputs": [
        {"channel": 0, "source": "texture:bayer", "filter": "nearest", "wrap": "clamp"}
        | flags]}]
    assert page.evaluate("v => pl.load(v)", {"common": "", "passes": passes})["ok"]
    page.evaluate("pl.renderFrame(0, 0)")
    red = page.evaluate("bytes()")[0::4]
    return [red[y * 8:(y + 1) * 8] for y in range(8)]


def test_vflip_off_turns_a_builtin_texture_upside_down(page: Page) -> None:
    upright = rows(page)
    assert rows(page, vflip=True) == upright, "vflip on is the default"
    flipped = rows(page, vflip=False)
    assert flipped == upright[::-1] and flipped != upright


def test_srgb_decodes_a_builtin_texture_to_linear(page: Page) -> None:
    plain = [v for row in rows(page) for v in row]
    decoded = [v for row in rows(page, srgb=True) for v in row]

    def linear(v: int) -> float:
        c = v / 255
        return 255 * (c / 12.92 if c <= 0.04045 else ((c + 0.055) / 1.055) ** 2.4)

    assert max(abs(d - linear(p)) for p, d in zip(plain, decoded, strict=True)) <= 2
    assert sum(decoded) < sum(plain) * 0.7, "mid greys come out darker"
