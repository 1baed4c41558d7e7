"""The desire board in a real browser: live asks, the live heat map, offering and accepting."""

from __future__ import annotations

import requests
from playwright.sync_api import Page, expect

from fractafrag.services.clustering import process_desire
from tests.api.shader_helpers import published
from tests.helpers import bearer


def snap(shot, page: Page, name: str) -> None:
    """A full-page screenshot from the top (the sticky header stays where it belongs)."""
    page.evaluate("window.scrollTo(0, 0)")
    shot(page, name)


def post_desire(live, user: dict, prompt: str, bounty_cents: int = 0) -> dict:
    """Ask through the REST API of the live server, as another client would."""
    answer = requests.post(f"{live.url}/api/v1/desires",
                           json={"prompt": prompt, "bounty_cents": bounty_cents},
                           headers=bearer(user["access_token"]), timeout=10)
    assert answer.status_code == 201, answer.text
    return answer.json()


def cluster(app, desire_id: int) -> int:
    """Run the clustering job (it broadcasts cluster:heat through Redis to the live server)."""
    with app.app_context():
        return process_desire(desire_id).cluster_id


def open_board(page: Page) -> None:
    """Open /desires and wait until the page has joined the `desires` room."""
    page.goto("/desires")
    expect(page.locator("[data-role=board]")).to_have_attribute("data-live", "ready")


def test_a_desire_posted_elsewhere_appears_without_reload(make_user, new_page, live, shot):
    watcher, asker = make_user(), make_user()
    page = new_page(watcher)
    open_board(page)
    expect(page.locator("[data-role=no-desires]")).to_be_visible()
    desire = post_desire(live, asker, "A <b>neon</b> tunnel, endless", bounty_cents=500)
    item = page.locator(f'[data-role=newest] [data-desire-id="{desire["id"]}"]')
    expect(item.locator(".prompt")).to_have_text("A <b>neon</b> tunnel, endless")
    expect(item).to_contain_text("$5 bounty")
    expect(item).to_contain_text(asker["username"])
    expect(item.get_by_role("button", name="Fulfil with a shader")).to_be_visible()
    expect(page.locator("[data-role=no-desires]")).to_have_count(0)

    # Asking from the page: errors beside the field, then one new item (socket + answer).
    page.fill("#prompt", "hi")
    page.click("[data-role=ask-form] button[type=submit]")
    expect(page.locator('[data-error-for="prompt"]')).to_have_text(
        "Length must be between 3 and 500.")
    page.fill("#prompt", "Voronoi cells that breathe")
    page.fill("#bounty", "abc")
    page.click("[data-role=ask-form] button[type=submit]")
    expect(page.locator('[data-error-for="bounty"]')).to_contain_text("Enter an amount")
    page.fill("#bounty", "2.50")
    page.click("[data-role=ask-form] button[type=submit]")
    mine = page.locator("[data-role=newest] [data-desire-id]", has_text="Voronoi cells")
    expect(mine).to_have_count(1)
    expect(mine).to_contain_text("$2.50 bounty")
    expect(page.locator('[data-error-for="prompt"]')).to_have_text("")
    expect(page.locator("#prompt")).to_have_value("")
    page.wait_for_timeout(500)
    expect(mine).to_have_count(1)
    assert page.locator("[data-role=newest] [data-desire-id]").count() == 2
    snap(shot, page, "desires-live-ask")


def settled_width(page, locator, quiet_ms: int = 300, timeout_ms: int = 10_000) -> int:
    """The element's width once it has stopped changing for quiet_ms (transitions done)."""
    width, since, waited = -1, 0, 0
    while waited < timeout_ms:
        now = locator.evaluate("node => node.offsetWidth")
        since = since + 50 if now == width else 0
        if since >= quiet_ms:
            return now
        width = now
        page.wait_for_timeout(50)
        waited += 50
    raise AssertionError(f"the width never settled (last {width})")


def test_clustering_grows_the_heat_map_live(app, make_user, new_page, live, shot, browser):
    asker = make_user()
    page = new_page(asker)
    open_board(page)
    heatmap = page.locator("[data-role=heatmap]")
    expect(heatmap).to_be_visible()
    expect(page.locator("[data-role=map-empty]")).to_be_visible()
    first = post_desire(live, asker, "a raymarched ocean at sunset")
    second = post_desire(live, asker, "sunset over the sea, ray marching please", 1500)
    other = post_desire(live, asker, "pixel art space invaders")

    cluster_id = cluster(app, first["id"])
    bubble = heatmap.locator(f'[data-cluster-id="{cluster_id}"]')
    expect(bubble).to_have_attribute("data-size", "1")
    expect(page.locator("[data-role=map-empty]")).to_be_hidden()
    expect(page.locator("[data-role=panel-title]")).to_have_text("a raymarched ocean at sunset")
    small = settled_width(page, bubble)  # after the entrance and size transitions

    assert cluster(app, second["id"]) == cluster_id
    expect(bubble).to_have_attribute("data-size", "2")
    expect(bubble).to_contain_text("2 asks")
    # A bigger cluster is a bigger bubble (once its size transition has run, however slowly a
    # loaded machine draws it).
    page.wait_for_function("([node, small]) => node.offsetWidth > small",
                           arg=[bubble.element_handle(), small], timeout=10_000)

    other_id = cluster(app, other["id"])
    assert other_id != cluster_id
    other_bubble = heatmap.locator(f'[data-cluster-id="{other_id}"]')
    expect(other_bubble).to_have_attribute("data-size", "1")
    expect(heatmap.locator(".bubble")).to_have_count(2)
    hot = bubble.evaluate("node => getComputedStyle(node).backgroundColor")
    cool = other_bubble.evaluate("node => getComputedStyle(node).backgroundColor")
    assert hot != cool, "the hotter cluster has another colour"

    # The panel follows the chosen bubble, from the keyboard too.
    panel = page.locator("[data-role=cluster-panel]")
    expect(panel.locator(f'[data-desire-id="{second["id"]}"]')).to_be_visible()
    other_bubble.focus()
    page.keyboard.press("Enter")
    expect(other_bubble).to_have_attribute("aria-pressed", "true")
    expect(panel.locator("[data-role=panel-title]")).to_have_text("pixel art space invaders")
    expect(panel.locator(f'[data-desire-id="{other["id"]}"]')).to_be_visible()
    expect(panel.locator("[data-desire-id]")).to_have_count(1)
    bubble.click()
    expect(panel.locator("[data-desire-id]")).to_have_count(2)
    snap(shot, page, "desires-heatmap")

    narrow = new_page(asker, width=390, height=844)
    open_board(narrow)
    expect(narrow.locator("[data-role=heatmap] .bubble")).to_have_count(2)
    narrow.wait_for_timeout(700)  # the bubbles' entrance
    width = narrow.evaluate("document.documentElement.scrollWidth")
    assert width <= 390, f"no sideways scrolling at 390 px (page is {width} px wide)"
    snap(shot, narrow, "desires-390px")

    # Without JavaScript the same clusters are a plain list.
    context = browser.new_context(base_url=live.url, java_script_enabled=False)
    try:
        plain = context.new_page()
        plain.goto("/desires")
        expect(plain.locator("[data-role=heatmap]")).to_be_hidden()
        clusters = plain.locator("[data-role=cluster-list] > [data-cluster-id]")
        expect(clusters).to_have_count(2)
        expect(clusters.first.locator("h3")).to_have_text("a raymarched ocean at sunset")
        expect(plain.get_by_role("link", name="Sign in to ask for a shader")).to_be_visible()
    finally:
        context.close()


def test_offer_accept_and_fulfilled_live(app, client, make_user, new_page, live, shot):
    asker, artist = make_user(), make_user()
    desire = post_desire(live, asker, "a glitchy vhs tape effect")
    cluster(app, desire["id"])
    shader = published(client, artist, title="VHS <dream>")
    published(client, artist, title="Hidden draft", visibility="private")

    artist_page = new_page(artist)
    open_board(artist_page)
    item = artist_page.locator(f'[data-role=newest] [data-desire-id="{desire["id"]}"]')
    item.get_by_role("button", name="Fulfil with a shader").click()
    select = item.locator("[data-role=shader-select]")
    expect(select.locator("option")).to_have_count(1)
    expect(select.locator("option")).to_have_text("VHS <dream>")
    item.get_by_role("button", name="Offer", exact=True).click()
    expect(item.locator("[data-role=offered]")).to_contain_text("Offered “VHS <dream>”")
    snap(shot, artist_page, "desires-offered")
    page = new_page(artist)
    page.goto(f"/desires/{desire['id']}")
    expect(page.locator("[data-offer-id] .status")).to_have_text("offered")
    expect(page.locator("#shader_id option")).to_have_text(["VHS <dream>"])
    snap(shot, page, "desire-detail-open")

    asker_page = new_page(asker)
    open_board(asker_page)
    mine = asker_page.locator(f'[data-role=newest] [data-desire-id="{desire["id"]}"]')
    mine.get_by_role("button", name="Offers").click()
    offer = mine.locator("[data-offer-id]")
    expect(offer).to_have_count(1)
    expect(offer.get_by_role("link", name="VHS <dream>")).to_have_attribute(
        "href", f"/shaders/{shader['id']}")
    offer.get_by_role("button", name="Accept").click()
    expect(mine).to_have_attribute("data-status", "fulfilled")
    expect(mine.locator("[data-role=status]")).to_have_text("fulfilled")
    expect(mine.locator("[data-role=fulfilled-by]")).to_contain_text("VHS <dream>")
    expect(offer.locator(".status")).to_have_text("accepted")
    expect(offer.get_by_role("button", name="Accept")).to_have_count(0)
    snap(shot, asker_page, "desires-accepted")

    # The artist's open page hears desire:fulfilled.
    expect(item).to_have_attribute("data-status", "fulfilled")
    expect(item.get_by_role("button", name="Fulfil with a shader")).to_have_count(0)
    expect(item.locator("[data-role=fulfilled-by] a")).to_have_attribute(
        "href", f"/shaders/{shader['id']}")
    assert requests.get(f"{live.url}/api/v1/desires/{desire['id']}",
                        timeout=10).json()["fulfilled_by"] == shader["id"]

    detail = new_page(asker)
    detail.goto(f"/desires/{desire['id']}")
    expect(detail.locator(".desire-detail")).to_have_attribute("data-status", "fulfilled")
    expect(detail.locator("[data-role=fulfilled-by]")).to_contain_text("VHS <dream>")
    snap(shot, detail, "desire-detail")
