"""The reading pages in a real browser: the live feed, the shader page, the embed, sign-in."""

from __future__ import annotations

import re

import requests
from playwright.sync_api import expect

from tests.api.shader_helpers import published
from tests.helpers import bearer


def test_a_vote_from_another_client_changes_the_open_feed(client, make_user, new_page, live,
                                                         shot):
    artist, voter, watcher = make_user(), make_user(), make_user()
    shader = published(client, artist, title="Vote me")
    page = new_page(watcher)
    page.goto("/?sort=new")
    card = page.locator(f'[data-shader-id="{shader["id"]}"]')
    expect(card.locator("[data-role=score]")).to_have_text("0")
    expect(page.locator("body")).to_have_attribute("data-socket", "connected")
    answer = requests.post(f"{live.url}/api/v1/shaders/{shader['id']}/vote", json={"value": 1},
                           headers=bearer(voter["access_token"]), timeout=10)
    assert answer.status_code == 200, answer.text
    expect(card.locator("[data-role=score]")).to_have_text("1")
    shot(page, "feed-after-remote-vote")


def test_voting_in_the_page_updates_the_score_and_survives_a_reload(client, make_user,
                                                                   new_page):
    artist, fan = make_user(), make_user()
    shader = published(client, artist, title="Lovely")
    page = new_page(fan)
    page.goto("/?sort=new")
    card = page.locator(f'[data-shader-id="{shader["id"]}"]')
    card.get_by_role("button", name="Up-vote Lovely").click()
    expect(card.locator("[data-role=score]")).to_have_text("1")
    expect(card.get_by_role("button", name="Up-vote Lovely")).to_have_attribute(
        "aria-pressed", "true")
    page.reload()
    expect(card.locator("[data-role=score]")).to_have_text("1")
    expect(card.get_by_role("button", name="Up-vote Lovely")).to_have_attribute(
        "aria-pressed", "true")
    card.get_by_role("button", name="Up-vote Lovely").click()  # a second click withdraws it
    expect(card.locator("[data-role=score]")).to_have_text("0")


def test_a_shader_published_elsewhere_appears_on_the_open_feed(client, make_user, new_page,
                                                              live):
    page = new_page()
    page.goto("/")
    expect(page.locator("body")).to_have_attribute("data-socket", "connected")
    artist = make_user()
    answer = requests.post(f"{live.url}/api/v1/shaders", json={
        "title": "Fresh <b>off</b> the press", "code": (
            "void mainImage(out vec4 c, in vec2 p) { c = vec4(p / iResolution.xy, 0.5, 1.0); }")},
        headers=bearer(artist["access_token"]), timeout=10)
    assert answer.status_code == 201, answer.text
    card = page.locator(f'[data-shader-id="{answer.json()["id"]}"]')
    expect(card).to_be_visible()
    expect(card.locator("h3")).to_have_text("Fresh <b>off</b> the press")  # shown, not parsed


def test_the_shader_page_plays_and_counts_viewers(client, make_user, new_page, shot):
    artist = make_user()
    shader = published(client, artist, title="Watch me", tags=["gradient"])
    first = new_page()
    first.goto(f"/shaders/{shader['id']}")
    player = first.locator("[data-role=player-root]")
    expect(player).to_have_attribute("data-state", "playing")
    expect(player).to_have_attribute("data-frames", re.compile(r"^[1-9]\d+$"))
    second = new_page()
    second.goto(f"/shaders/{shader['id']}")
    expect(first.locator("[data-role=viewers]")).to_have_text("2")
    second.close()
    expect(first.locator("[data-role=viewers]")).to_have_text("1", timeout=20_000)
    first.get_by_role("button", name="Pause").click()
    expect(player).to_have_attribute("data-state", "paused")
    assert first.locator("meta[property='og:title']").get_attribute("content") == \
        f"Watch me by {artist['username']}"
    shot(first, "shader-page")


def test_the_embed_plays_and_honours_t_and_paused(client, make_user, new_page, shot):
    shader = published(client, make_user(), title="Embedded")
    page = new_page(width=480, height=270)
    page.goto(f"/embed/{shader['id']}")
    player = page.locator("[data-role=player-root]")
    expect(player).to_have_attribute("data-state", "playing")
    first = int(player.get_attribute("data-frames") or 0)
    page.wait_for_timeout(500)
    assert int(player.get_attribute("data-frames") or 0) > first, "frames keep coming"
    # The picture is the shader's gradient, not a blank canvas.
    corners = page.evaluate("""() => {
        const p = window.fractafragPlayer;
        p.renderFrame(1.0, 0);
        const {width, height, data} = p.readPixels();
        const at = (x, y) => Array.from(data.slice((y * width + x) * 4, (y * width + x) * 4 + 3));
        return [at(0, 0), at(width - 1, height - 1)];
    }""")
    assert corners[0][0] < 20 and corners[1][0] > 230, corners  # red follows x
    shot(page, "embed")
    paused = new_page(width=480, height=270)
    paused.goto(f"/embed/{shader['id']}?t=5&paused=1")
    root = paused.locator("[data-role=player-root]")
    expect(root).to_have_attribute("data-state", "paused")
    expect(root.locator("[data-role=time]")).to_have_text("5.00 s")
    response = paused.request.get(f"/embed/{shader['id']}")
    assert "frame-ancestors *" in response.headers["content-security-policy"]


def test_sign_in_in_the_browser_and_out_again(make_user, new_page):
    user = make_user()
    page = new_page()
    page.goto("/login")
    page.fill("input[name=username]", user["username"])
    page.fill("input[name=password]", "not the password")
    page.click("form[data-role=login] button[type=submit]")
    expect(page.get_by_role("alert")).to_contain_text("Wrong username/email or password")
    page.fill("input[name=password]", user["password"])
    page.click("form[data-role=login] button[type=submit]")
    expect(page.locator("body")).to_have_attribute("data-username", user["username"])
    cookies = {c["name"]: c for c in page.context.cookies()}
    assert cookies["access_token_cookie"]["httpOnly"] is True
    assert cookies["access_token_cookie"]["sameSite"] == "Lax"
    page.get_by_role("button", name="Sign out").click()
    expect(page.get_by_role("link", name="Sign in")).to_be_visible()
    assert "access_token_cookie" not in {c["name"] for c in page.context.cookies()}


def test_the_feed_is_usable_at_390_px(client, make_user, new_page, shot):
    published(client, make_user(), title="Narrow")
    page = new_page(width=390, height=844)
    page.goto("/?sort=new")
    expect(page.locator("[data-shader-id]").first).to_be_visible()
    overflow = page.evaluate("document.documentElement.scrollWidth > window.innerWidth")
    assert not overflow, "nothing sticks out sideways at 390 px"
    shot(page, "feed-390")
