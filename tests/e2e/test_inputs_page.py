"""The built-in inputs page in real Chromium: every built-in GET /api/v1/inputs lists is drawn
by the player without errors (CSP included)."""

from __future__ import annotations

from fractafrag.services import inputs


def test_every_builtin_is_drawn(new_page, shot) -> None:
    page = new_page()
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
    page.goto("/inputs")
    page.wait_for_load_state("load")
    drawn = page.evaluate("""() => Array.from(document.querySelectorAll('canvas[data-source]'))
        .map(c => {
            const d = c.getContext('2d').getImageData(0, 0, c.width, c.height).data;
            let lit = 0;
            for (let i = 0; i < d.length; i += 4) lit += (d[i] + d[i + 1] + d[i + 2]) > 0;
            return [c.dataset.source, lit];
        })""")
    shot(page, "inputs")
    assert problems == []
    lit = dict(drawn)
    assert list(lit) == inputs.builtin_sources()
    dark = {"keyboard", "mic", "webcam", "video", "music"}  # black until used
    assert all(lit[s] > 0 for s in lit if s not in dark), lit


def test_webcam_and_mic_play_live_on_the_shader_page_after_a_click(client, make_user, live,
                                                                   browser):
    """Chromium's fake camera and microphone stand in for real ones (and grant permission)."""
    from render_worker.browser import CHROMIUM_FLAGS, find_chromium
    from tests.api.shader_helpers import published

    code = ("void mainImage(out vec4 fragColor, in vec2 fragCoord) {\n"
            "    vec2 uv = fragCoord / iResolution.xy;\n"
            "    vec3 cam = texture(iChannel0, uv).rgb;\n"
            "    float wave = texture(iChannel1, vec2(uv.x, 0.75)).r;\n"
            "    fragColor = vec4(uv.y < 0.5 ? cam : vec3(wave), 1.0);\n}\n")
    shader = published(client, make_user(), title="Live", passes=[
        {"name": "Image", "code": code, "inputs": [
            {"channel": 0, "source": "webcam"}, {"channel": 1, "source": "mic"}]}])
    # A second Chromium of the suite's Playwright, with the fake devices.
    flagged = browser.browser_type.launch(executable_path=find_chromium(), args=[
        *CHROMIUM_FLAGS, "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream"])
    try:
        page = flagged.new_page(base_url=live.url)
        page.goto(f"/embed/{shader['id']}")
        page.wait_for_function("() => !!window.fractafragPlayer")

        def picture() -> tuple[int, int]:
            # One frame drawn and read at once (rows bottom-up: the camera half first).
            return tuple(page.evaluate("""() => {
                const p = window.fractafragPlayer;
                p.pause();
                p.renderFrame(5, 100);
                const {data} = p.readPixels();
                const half = data.length / 2;
                let cam = 0, wave = 0;
                for (let i = 0; i < half; i += 4) {
                    cam += data[i] + data[i + 1] + data[i + 2] > 0;
                }
                for (let i = half; i < data.length; i += 4) wave += data[i] > 60;
                return [cam, wave];
            }"""))

        assert picture() == (0, 0), "nothing live before the visitor asks"
        page.locator("canvas[data-role=player]").click()
        page.wait_for_timeout(2500)
        cam, wave = picture()
        assert cam > 100, "the fake camera's picture reaches the shader"
        assert wave > 100, "the microphone's waveform (silence is 0.5) reaches the shader"
    finally:
        flagged.close()


def test_music_from_an_uploaded_audio_file_plays_after_a_click(client, make_user, live, browser):
    import io
    import math
    import struct
    import wave

    from render_worker.browser import CHROMIUM_FLAGS, find_chromium
    from tests.api.shader_helpers import published

    user = make_user()
    out = io.BytesIO()
    with wave.open(out, "wb") as sound:  # 4 s of a loud 440 Hz tone
        sound.setnchannels(1)
        sound.setsampwidth(2)
        sound.setframerate(22050)
        sound.writeframes(b"".join(struct.pack("<h", int(20000 * math.sin(2 * math.pi * 440 * i
                                                                           / 22050)))
                                   for i in range(22050 * 4)))
    code = ("void mainImage(out vec4 fragColor, in vec2 fragCoord) {\n"
            "    float level = 0.0;\n"
            "    for (int i = 0; i < 64; i++) level = max(level, texelFetch(iChannel0, "
            "ivec2(i, 0), 0).x);\n"
            "    fragColor = vec4(vec3(level), 1.0);\n}\n")
    flagged = browser.browser_type.launch(executable_path=find_chromium(), args=[
        *CHROMIUM_FLAGS, "--autoplay-policy=no-user-gesture-required"])
    try:
        page = flagged.new_page(base_url=live.url)
        # Uploaded through the web process, whose data folder serves /media/.
        answer = page.request.post("/api/v1/media", headers={
            "Authorization": f"Bearer {user['access_token']}"}, multipart={"file": {
                "name": "tone.wav", "mimeType": "audio/wav", "buffer": out.getvalue()}})
        assert answer.status == 201, answer.text()
        medium = answer.json()
        shader = published(client, user, title="Music", passes=[
            {"name": "Image", "code": code, "inputs": [
                {"channel": 0, "source": f"media:{medium['id']}", "filter": "nearest"}]}])
        page.goto(f"/embed/{shader['id']}")
        page.wait_for_function("() => !!window.fractafragPlayer")
        level = """() => {
            const p = window.fractafragPlayer;
            p.pause();
            p.renderFrame(5, 100);
            return p.readPixels().data[0];
        }"""
        assert page.evaluate(level) == 0, "silent until the visitor asks"
        page.locator("canvas[data-role=player]").click()
        page.wait_for_timeout(1500)
        assert page.evaluate(level) > 100, "the tone's spectrum reaches the shader"
    finally:
        flagged.close()


def test_the_editor_offers_every_builtin_and_compiles_a_cubemap_channel(make_user,
                                                                         new_page) -> None:
    from playwright.sync_api import expect

    from tests.e2e.test_editor import set_code

    page = new_page(make_user())
    page.goto("/new")
    errors = page.locator("[data-role=compile-errors]")
    expect(errors).to_have_text("Compiles.")
    page.locator("[data-role=channels] summary").click()
    offered = page.eval_on_selector_all("#ed-ch0-source option", "os => os.map(o => o.value)")
    assert set(inputs.builtin_sources()) <= set(offered)
    page.locator("#ed-ch0-source").select_option("cubemap:sky")
    set_code(page, "void mainImage(out vec4 fragColor, in vec2 fragCoord) {\n"
                   "    fragColor = texture(iChannel0, vec3(0.0, 1.0, 0.0));\n}\n")
    expect(errors).to_have_text("Compiles.")
    page.locator("#ed-ch0-source").select_option("texture:bayer")
    expect(errors).to_contain_text("Image line 2")  # a 2D sampler read with a direction
