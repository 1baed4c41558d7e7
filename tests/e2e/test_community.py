"""Community in a real browser: comments arrive live on an open shader page, the author is
notified in the header, and script in a comment stays text."""

from __future__ import annotations

import re

import requests
from playwright.sync_api import expect

from tests.api.shader_helpers import published
from tests.helpers import bearer


def test_comments_arrive_live_and_the_author_is_notified(client, make_user, new_page, live,
                                                         shot):
    ann, bob = make_user("ann"), make_user("bob")
    shader = published(client, ann, title="Aurora")
    author_page = new_page(ann)
    author_page.goto(f"/shaders/{shader['id']}")
    expect(author_page.locator("body")).to_have_attribute("data-socket", "connected")
    expect(author_page.locator("[data-role=notif-count]")).to_be_hidden()

    fan_page = new_page(bob)
    fan_page.goto(f"/shaders/{shader['id']}")
    fan_page.locator("#comment-body").fill("So **smooth** <script>window.pwned=1</script>")
    fan_page.get_by_role("button", name="Comment", exact=True).click()
    fan_list = fan_page.locator("[data-role=comment-list]")
    expect(fan_list.locator("strong")).to_have_text("smooth")

    author_list = author_page.locator("[data-role=comment-list]")
    expect(author_list.locator(".comment")).to_have_count(1)
    expect(author_list.locator("[data-role=comment-body]")).to_contain_text(
        "<script>window.pwned=1</script>")
    assert author_page.evaluate("window.pwned") is None
    expect(author_page.locator("[data-role=notif-count]")).to_have_text("1")

    # A reply by the author from the page arrives on the fan's page under the comment.
    author_list.get_by_role("button", name="Reply").click()
    author_page.locator("#comment-body").fill("Thank you!")
    author_page.get_by_role("button", name="Comment", exact=True).click()
    expect(fan_list.locator("[data-role=replies] .comment")).to_have_text(
        re.compile("Thank you!"))
    shot(author_page, "shader-comments-live")

    # An edit and a delete made elsewhere show up live too.
    comment_id = requests.get(f"{live.url}/api/v1/shaders/{shader['id']}/comments",
                              timeout=10).json()[0]["id"]
    edited = requests.patch(f"{live.url}/api/v1/comments/{comment_id}", json={"body": "Edited"},
                            headers=bearer(bob["access_token"]), timeout=10)
    assert edited.status_code == 200
    expect(author_list.locator(f'[data-comment-id="{comment_id}"] > [data-role=comment-body]')
           ).to_have_text("Edited")
    requests.delete(f"{live.url}/api/v1/comments/{comment_id}",
                    headers=bearer(bob["access_token"]), timeout=10)
    expect(author_list.locator(".comment")).to_have_count(0)

    author_page.goto("/notifications")
    expect(author_page.locator("[data-role=notification-list]")).to_contain_text(
        "bob commented on “Aurora”")
