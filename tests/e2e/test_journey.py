"""A new person does everything in the browser: join, write, fix, publish, fork, vote, ask."""

from __future__ import annotations

import re

from playwright.sync_api import expect

from tests.api.shader_helpers import published

BROKEN = ("void mainImage(out vec4 fragColor, in vec2 fragCoord) {\n"
          "    vec2 uv = fragCoord / iResolution.xy;\n"
          "    fragColor = vec4(uv, glow, 1.0);\n"
          "}\n")


def test_a_new_person_joins_writes_fixes_publishes_forks_votes_and_asks(client, make_user,
                                                                       new_page, shot):
    other = published(client, make_user("elder"), title="Elder's plasma")
    page = new_page()
    page.goto("/")
    page.get_by_role("link", name="Join").click()
    page.fill("input[name=username]", "newcomer")
    page.fill("input[name=email]", "newcomer@example.org")
    page.fill("input[name=password]", "a long enough secret")
    page.get_by_role("button", name="Create account").click()
    page.wait_for_url(re.compile(r"/new$"))
    expect(page.locator("body")).to_have_attribute("data-username", "newcomer")

    # Write code with a mistake: the error shows at its line; fix it.
    page.fill("#ed-title", "My first glow")
    page.evaluate("code => document.querySelector('.CodeMirror').CodeMirror.setValue(code)",
                  BROKEN)
    errors = page.locator("[data-role=compile-errors]")
    expect(errors).to_contain_text("Image line 3")
    page.evaluate("code => document.querySelector('.CodeMirror').CodeMirror.setValue(code)",
                  BROKEN.replace("glow", "0.8"))
    expect(errors).to_contain_text("Compiles.")
    page.locator("[data-action=publish]").click()
    page.wait_for_url(re.compile(r"/shaders/\d+/edit$"))
    published_link = page.locator("[data-role=published] a")
    expect(published_link).to_be_visible()
    published_link.click()
    expect(page.get_by_role("heading", name="My first glow")).to_be_visible()
    expect(page.locator("[data-role=player-root]")).to_have_attribute("data-state", "playing")
    shot(page, "journey-published")

    # Fork someone else's shader into a draft of one's own, opened in the editor.
    page.goto(f"/shaders/{other['id']}")
    page.locator("[data-action=fork]").click()
    page.wait_for_url(re.compile(r"/shaders/\d+/edit$"))
    expect(page.locator("#ed-title")).to_have_value(re.compile("Elder's plasma"))

    # Vote on it from its page.
    page.goto(f"/shaders/{other['id']}")
    page.get_by_role("button", name="Up-vote").click()
    expect(page.locator(".shader-page [data-role=score]")).to_have_text("1")

    # Ask for a shader on the desire board.
    page.goto("/desires")
    page.fill("textarea[name=prompt]", "a glowing jellyfish drifting in the deep sea")
    page.locator("form[data-role=ask-form] button[type=submit]").click()
    expect(page.locator("[data-role=newest]")).to_contain_text(
        "a glowing jellyfish drifting in the deep sea")
    shot(page, "journey-desire")
    answer = client.get("/api/v1/desires").json
    assert [d["prompt"] for d in answer] == ["a glowing jellyfish drifting in the deep sea"]
    assert answer[0]["author"]["username"] == "newcomer"
