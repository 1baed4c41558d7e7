"""The editor's channel picker in a real browser: your own uploads as inputs, upload errors
next to the picker, vflip honoured by the preview and saved with the version."""

from __future__ import annotations

import io
import re

from PIL import Image
from playwright.sync_api import Page, expect

from tests.e2e.test_editor import set_code, watch_errors

SAMPLE = ("void mainImage(out vec4 fragColor, in vec2 fragCoord) {\n"
          "    fragColor = vec4(texture(iChannel0, fragCoord / iResolution.xy).rgb, 1.0);\n"
          "}\n")


def png(size: tuple[int, int], top: tuple[int, int, int], bottom: tuple[int, int, int]) -> bytes:
    """An image whose top half is one colour and bottom half another."""
    image = Image.new("RGB", size, bottom)
    image.paste(top, (0, 0, size[0], size[1] // 2))
    out = io.BytesIO()
    image.save(out, "PNG")
    return out.getvalue()


def preview(page: Page) -> Image.Image:
    """The preview canvas as the person sees it (a screenshot of the element)."""
    shot = page.locator("canvas[data-role=preview]").screenshot()
    return Image.open(io.BytesIO(shot)).convert("RGB")


def colour_at(page: Page, fx: float, fy: float) -> tuple[int, int, int]:
    """The preview's colour at a fraction of its width and height (from the top left)."""
    image = preview(page)
    return image.getpixel((int(image.width * fx), int(image.height * fy)))


def is_(colour: tuple[int, int, int], want: str) -> bool:
    red, green, blue = colour
    return {"red": red > 200 and green < 60 and blue < 60,
            "blue": blue > 200 and red < 60 and green < 60,
            "green": green > 200 and red < 60 and blue < 60,
            "black": max(colour) < 30}[want]


def wait_for(page: Page, fx: float, fy: float, want: str, timeout_ms: int = 10_000) -> None:
    """Wait until the preview shows the colour there (it draws continuously)."""
    seen = None
    for _ in range(timeout_ms // 250):
        seen = colour_at(page, fx, fy)
        if is_(seen, want):
            return
        page.wait_for_timeout(250)
    raise AssertionError(f"the preview at ({fx}, {fy}) is {seen}, not {want}")


def open_editor(page: Page) -> None:
    page.goto("/new")
    expect(page.locator("[data-role=compile-errors]")).to_have_text("Compiles.")
    page.locator("[data-role=channels] summary").click()
    set_code(page, SAMPLE)
    expect(page.locator("[data-role=compile-errors]")).to_have_text("Compiles.")


def test_an_uploaded_red_png_picked_for_ichannel0_turns_the_preview_red(make_user, new_page,
                                                                       tmp_path, shot):
    page = new_page(make_user())
    problems = watch_errors(page)
    open_editor(page)
    wait_for(page, 0.5, 0.5, "black")  # nothing on iChannel0 yet

    # A file that is not an image: refused, and the reason is shown by the channel.
    text = tmp_path / "notes.png"
    text.write_text("not really a picture\n" * 20)
    page.locator("#ed-ch0-file").set_input_files(str(text))
    status = page.locator("#ed-ch0-status")
    expect(status).to_contain_text("not a PNG, JPEG or WebP image")
    expect(status).to_have_attribute("role", "alert")
    expect(page.locator("#ed-ch0-source")).to_have_value("")

    red = tmp_path / "red.png"
    red.write_bytes(png((16, 16), (255, 0, 0), (255, 0, 0)))
    page.locator("#ed-ch0-file").set_input_files(str(red))
    expect(page.locator("#ed-ch0-source")).to_have_value(re.compile(r"^media:\d+$"))
    expect(status).to_have_text("")
    # The new upload is listed under "Your images" for every channel.
    offered = page.locator("#ed-ch1-source optgroup[label='Your images'] option")
    expect(offered).to_have_count(1)
    expect(offered).to_contain_text("red.png (image 16×16)")
    wait_for(page, 0.5, 0.5, "red")
    shot(page, "editor-channel-picker-red")
    # Only the refused upload's 415, which the browser logs for any failed request.
    assert [p for p in problems if "status of 415" not in p] == []


def test_vflip_flips_the_preview_and_saves_with_the_version(make_user, new_page, tmp_path,
                                                           client):
    user = make_user()
    page = new_page(user)
    open_editor(page)
    two = tmp_path / "red-over-blue.png"
    two.write_bytes(png((8, 8), top=(255, 0, 0), bottom=(0, 0, 255)))
    page.locator("#ed-ch0-file").set_input_files(str(two))
    expect(page.locator("#ed-ch0-source")).to_have_value(re.compile(r"^media:\d+$"))
    vflip = page.locator("#ed-ch0-vflip")
    expect(vflip).to_be_checked()  # Shadertoy's default: the image stands upright
    wait_for(page, 0.5, 0.2, "red")
    wait_for(page, 0.5, 0.8, "blue")

    vflip.uncheck()
    wait_for(page, 0.5, 0.2, "blue")
    wait_for(page, 0.5, 0.8, "red")

    page.get_by_label("Title").fill("Upside down")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/shaders/\d+/edit$"))
    expect(page.locator("[data-role=save-status]")).to_have_text("Saved as draft.")
    # After the reload the picker shows what was saved, and so does the preview.
    page.locator("[data-role=channels] summary").click()
    expect(page.locator("#ed-ch0-vflip")).not_to_be_checked()
    wait_for(page, 0.5, 0.2, "blue")
    shader_id = int(re.search(r"/shaders/(\d+)/edit", page.url).group(1))
    saved = page.evaluate("(id) => fetch('/api/v1/shaders/' + id).then((r) => r.json())",
                          shader_id)
    channel = saved["passes"][0]["inputs"][0]
    assert channel["vflip"] is False and channel["source"].startswith("media:")
    assert (channel["filter"], channel["wrap"]) == ("mipmap", "repeat")


def test_an_uploaded_video_plays_in_the_preview(make_user, new_page, tmp_path):
    from tests.api.test_media_video import video

    page = new_page(make_user())
    open_editor(page)
    clip = tmp_path / "green.webm"
    clip.write_bytes(video(seconds=2.0, colour=(0, 255, 0)))
    page.locator("#ed-ch2-file").set_input_files(str(clip))
    expect(page.locator("#ed-ch2-source")).to_have_value(re.compile(r"^media:\d+$"))
    expect(page.locator("#ed-ch2-source option:checked")).to_contain_text("(video 64×48)")
    wait_for(page, 0.5, 0.5, "black")  # the shader reads iChannel0, not the video's channel
    set_code(page, SAMPLE.replace("iChannel0", "iChannel2"))
    wait_for(page, 0.5, 0.5, "green")
    # iChannelTime of a video is where it is playing (it loops every 2 s), not the clock.
    set_code(page, "void mainImage(out vec4 fragColor, in vec2 fragCoord) {\n"
                   "    bool looping = iTime > 2.5 && iChannelTime[2] <= 2.05;\n"
                   "    fragColor = looping ? vec4(0, 0, 1, 1) : vec4(1, 0, 0, 1);\n"
                   "}\n")
    wait_for(page, 0.5, 0.5, "blue")
