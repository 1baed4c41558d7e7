"""The shader editor in a real browser: compile-as-you-type, saving, publishing to the feed."""

from __future__ import annotations

import re

from playwright.sync_api import Page, expect

SHADER = (
    "void mainImage(out vec4 fragColor, in vec2 fragCoord) {\n"
    "    vec2 uv = fragCoord / iResolution.xy;\n"
    "    float v = 0.5 + 0.5 * sin(iTime);\n"
    "    fragColor = vec4(uv, v, 1.0);\n"
    "}\n"
)


def watch_errors(page: Page) -> list[str]:
    """Collect the page's script errors and console errors (CSP refusals show up there)."""
    problems: list[str] = []
    page.on("pageerror", lambda error: problems.append(str(error)))
    page.on("console", lambda message: problems.append(message.text)
            if message.type == "error" else None)
    return problems


def set_code(page: Page, code: str) -> None:
    """Replace the shown tab's code through the CodeMirror instance."""
    page.evaluate("(code) => document.querySelector('.CodeMirror').CodeMirror.setValue(code)",
                  code)


def put_cursor(page: Page, line: int, ch: int) -> None:
    """Focus the editor with the cursor at a 0-based line and column."""
    page.evaluate("([line, ch]) => { const cm = document.querySelector('.CodeMirror').CodeMirror;"
                  " cm.focus(); cm.setCursor({line, ch}); }", [line, ch])


def line_background(page: Page, line: int) -> str:
    """The background classes CodeMirror holds for a 1-based line of the shown tab."""
    return page.evaluate("(n) => document.querySelector('.CodeMirror').CodeMirror"
                         ".lineInfo(n - 1).bgClass || ''", line)


def test_a_compile_error_shows_at_its_line_and_clears_when_fixed(make_user, new_page, shot):
    page = new_page(make_user())
    problems = watch_errors(page)
    page.goto("/new")
    errors = page.locator("[data-role=compile-errors]")
    expect(errors).to_have_text("Compiles.")  # the default shader
    expect(page.locator("[data-role=editor] .CodeMirror")).to_be_visible()
    expect(page.get_by_role("tab", name="Image")).to_have_attribute("aria-selected", "true")

    set_code(page, SHADER)
    expect(errors).to_have_text("Compiles.")
    line3 = page.evaluate("() => document.querySelector('.CodeMirror').CodeMirror.getLine(2)")
    put_cursor(page, 2, len(line3) - 1)  # just before the semicolon of line 3
    page.keyboard.type(" + wobble", delay=20)

    expect(errors).to_contain_text("Image line 3: 'wobble' : undeclared identifier")
    assert "cm-error-line" in line_background(page, 3)
    assert "cm-error-line" not in line_background(page, 2)
    expect(page.locator(".CodeMirror .cm-error-line")).to_have_count(1)
    expect(page.locator(".CodeMirror .cm-error-marker")).to_have_count(1)
    assert "undeclared identifier" in page.locator(".cm-error-marker").get_attribute("title")
    expect(page.get_by_role("tab", name="Image")).to_have_class(re.compile(r"\bed-tab-error\b"))
    shot(page, "editor-compile-error")

    # The listed error leads back to its tab and line.
    page.get_by_role("tab", name="Common").click()
    expect(page.locator(".CodeMirror .cm-error-line")).to_have_count(0)
    errors.get_by_role("button", name=re.compile("Image line 3")).click()
    expect(page.get_by_role("tab", name="Image")).to_have_attribute("aria-selected", "true")
    assert page.evaluate(
        "() => document.querySelector('.CodeMirror').CodeMirror.getCursor().line") == 2

    put_cursor(page, 2, len(line3) - 1 + len(" + wobble"))
    for _ in " + wobble":
        page.keyboard.press("Backspace")
    expect(errors).to_have_text("Compiles.")
    expect(page.locator(".CodeMirror .cm-error-line")).to_have_count(0)
    expect(page.locator(".CodeMirror .cm-error-marker")).to_have_count(0)
    assert problems == []


def test_a_shader_published_from_the_editor_appears_on_another_open_feed(make_user, new_page,
                                                                         shot):
    watcher = new_page(make_user())
    watcher.goto("/")
    expect(watcher.locator("body")).to_have_attribute("data-socket", "connected")

    page = new_page(make_user())
    page.goto("/new")
    expect(page.locator("[data-role=compile-errors]")).to_have_text("Compiles.")
    page.get_by_label("Title").fill("Folded light")
    page.get_by_label("Tags").fill("rings, glow")
    put_cursor(page, 0, 0)
    page.keyboard.type("// published from the editor\n", delay=10)
    expect(page.locator("[data-role=compile-errors]")).to_have_text("Compiles.")
    page.get_by_role("button", name="Publish").click()

    page.wait_for_url(re.compile(r"/shaders/\d+/edit$"))
    shader_id = int(re.search(r"/shaders/(\d+)/edit", page.url).group(1))
    expect(page.locator("[data-role=save-status]")).to_have_text("Published!")
    link = page.locator("[data-role=published] a")
    expect(link).to_have_attribute("href", f"/shaders/{shader_id}")
    expect(page.get_by_role("button", name="Published")).to_be_disabled()
    expect(page.get_by_label("Visibility")).to_have_value("public")
    first_line = page.evaluate(
        "() => document.querySelector('.CodeMirror').CodeMirror.getLine(0)")
    assert first_line == "// published from the editor"
    shot(page, "editor-published")

    card = watcher.locator(f'[data-shader-id="{shader_id}"]')
    expect(card).to_be_visible()
    expect(card.locator("h3")).to_have_text("Folded light")
    shot(watcher, "editor-published-feed")


def test_a_draft_saved_on_a_phone_gets_a_new_version_with_ctrl_s(make_user, new_page, shot):
    page = new_page(make_user(), width=390, height=844)
    page.goto("/new")
    expect(page.locator("[data-role=compile-errors]")).to_have_text("Compiles.")
    # Narrow screens: the preview sits above the code.
    preview = page.locator("[data-role=preview]").bounding_box()
    code = page.locator("[data-role=editor]").bounding_box()
    assert preview["y"] + preview["height"] <= code["y"]
    assert code["x"] + code["width"] <= 390

    page.get_by_role("button", name="Save").click()  # no title yet
    expect(page.locator("[data-error-for=title]")).to_have_text("Give your shader a title.")
    page.get_by_label("Title").fill("Pocket rings")
    page.get_by_role("button", name="Save").click()
    page.wait_for_url(re.compile(r"/shaders/\d+/edit$"))
    expect(page.locator("[data-role=save-status]")).to_have_text("Saved as draft.")
    expect(page.get_by_label("Visibility")).to_have_value("draft")
    expect(page.locator("[data-role=version]")).to_have_text("Version 1")

    put_cursor(page, 0, 0)
    page.keyboard.type("// v2\n", delay=10)
    page.get_by_label("Version note").fill("A comment on top")
    page.locator(".CodeMirror textarea").focus()
    page.keyboard.press("Control+s")
    expect(page.locator("[data-role=save-status]")).to_have_text("Saved version 2.")
    expect(page.locator("[data-role=version]")).to_have_text("Version 2")
    expect(page.get_by_label("Version note")).to_have_value("")
    shot(page, "editor-phone")


def test_buffers_and_common_have_their_own_tabs_inputs_and_errors(new_page, shot):
    page = new_page()  # trying code needs no account
    problems = watch_errors(page)
    page.goto("/new")
    errors = page.locator("[data-role=compile-errors]")
    expect(errors).to_have_text("Compiles.")
    expect(page.get_by_role("link", name="Sign in to save")).to_have_attribute(
        "href", "/login?next=/new")
    expect(page.get_by_role("button", name="Remove Image")).to_be_hidden()

    page.get_by_role("button", name="+ Buffer").click()
    buffer_tab = page.get_by_role("tab", name="Buffer A")
    expect(buffer_tab).to_have_attribute("aria-selected", "true")
    expect(errors).to_have_text("Compiles.")
    expect(page.get_by_role("button", name="Remove Buffer A")).to_be_visible()

    # Image reads Buffer A on iChannel0, through the inputs panel.
    page.get_by_role("tab", name="Image").click()
    page.locator("[data-role=channels] summary").click()
    page.locator("#ed-ch0-source").select_option("Buffer A")
    set_code(page, "void mainImage(out vec4 fragColor, in vec2 fragCoord) {\n"
                   "    fragColor = texture(iChannel0, fragCoord / iResolution.xy) * glow;\n"
                   "}\n")
    expect(errors).to_contain_text("Image line 2: 'glow' : undeclared identifier")

    # Declaring it in Common fixes every pass; a mistake in Common is reported as Common's.
    page.get_by_role("tab", name="Common").click()
    expect(page.locator("[data-role=channels]")).to_be_hidden()
    set_code(page, "const float glow = 1.5;\n")
    expect(errors).to_have_text("Compiles.")
    set_code(page, "const float glow = 1.5;\nfloat broken() { return nope; }\n")
    expect(errors).to_contain_text("Common line 2: 'nope' : undeclared identifier")
    expect(page.get_by_role("tab", name="Common")).to_have_class(re.compile(r"\bed-tab-error\b"))
    set_code(page, "const float glow = 1.5;\n")
    expect(errors).to_have_text("Compiles.")

    code = page.evaluate("() => document.querySelector('.CodeMirror').CodeMirror.getValue()")
    assert code == "const float glow = 1.5;\n"
    page.get_by_role("tab", name="Buffer A").click()
    assert "A buffer keeps its picture" in page.evaluate(
        "() => document.querySelector('.CodeMirror').CodeMirror.getValue()")
    shot(page, "editor-buffers")

    page.once("dialog", lambda dialog: dialog.accept())
    page.get_by_role("button", name="Remove Buffer A").click()
    expect(page.get_by_role("tab", name="Buffer A")).to_have_count(0)
    expect(page.get_by_role("tab", name="Image")).to_have_attribute("aria-selected", "true")
    # Nothing reads the removed buffer any more.
    expect(page.locator("#ed-ch0-source")).to_have_value("")
    expect(errors).to_have_text("Compiles.")
    assert problems == []
