"""Payments in the browser, up to Stripe's hosted page (Stripe itself is a loopback fake)."""

from __future__ import annotations

import re
from collections.abc import Iterator

import pytest
from playwright.sync_api import Browser, expect

from tests.payments.fake_stripe import PRICE, SECRET_KEY, WEBHOOK_SECRET, FakeStripe
from tests.processes import WebProcess


@pytest.fixture
def paying_site(service_urls, monkeypatch) -> Iterator[tuple[WebProcess, FakeStripe]]:
    """A web process with payments on, talking to a fake Stripe."""
    fake = FakeStripe(SECRET_KEY)
    for name, value in {"STRIPE_SECRET_KEY": SECRET_KEY, "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
                        "STRIPE_PRICE_PRO": PRICE, "STRIPE_API_BASE": fake.url,
                        "STRIPE_TEST_PAYMENT_METHOD": "pm_card_visa"}.items():
        monkeypatch.setenv(name, value)
    web = WebProcess(service_urls, "payments")
    try:
        yield web.wait_ready(), fake
    finally:
        web.stop()
        fake.close()


def test_upgrade_to_pro_reaches_stripes_hosted_checkout(browser: Browser, make_user,
                                                       paying_site, shot):
    web, fake = paying_site
    user = make_user()
    context = browser.new_context(base_url=web.url)
    page = context.new_page()
    # Stripe's hosted page is on the internet; answer for it so the redirect can be seen.
    page.route("https://checkout.stripe.com/**", lambda route: route.fulfill(
        status=200, content_type="text/html", body="<h1>Stripe Checkout</h1>"))
    page.goto("/login")
    page.fill("input[name=username]", user["username"])
    page.fill("input[name=password]", user["password"])
    page.click("form[data-role=login] button[type=submit]")
    page.goto("/settings")
    shot(page, "settings-plan")
    page.locator("[data-role=upgrade]").click()
    page.wait_for_url(re.compile(r"^https://checkout\.stripe\.com/c/pay/"))
    expect(page.get_by_role("heading", name="Stripe Checkout")).to_be_visible()
    session = next(iter(fake.sessions.values()))
    assert session["mode"] == "subscription"
    assert session["client_reference_id"] == str(user["id"])
    context.close()


def test_a_bounty_is_pledged_from_the_desire_page(browser: Browser, make_user, paying_site,
                                                  shot):
    import requests

    web, fake = paying_site
    asker, backer = make_user(), make_user()
    desire = requests.post(f"{web.url}/api/v1/desires", json={"prompt": "an aurora over ice"},
                           headers={"Authorization": f"Bearer {asker['access_token']}"},
                           timeout=10).json()
    context = browser.new_context(base_url=web.url)
    page = context.new_page()
    page.goto("/login")
    page.fill("input[name=username]", backer["username"])
    page.fill("input[name=password]", backer["password"])
    page.click("form[data-role=login] button[type=submit]")
    page.goto(f"/desires/{desire['id']}")
    page.fill("#pledge-amount", "5")
    page.locator("form[data-role=pledge-form] button[type=submit]").click()
    expect(page.locator("[data-role=pledge-status]")).to_contain_text(re.compile("authori", re.I))
    shot(page, "desire-pledged")
    intent = next(iter(fake.intents.values()))
    assert intent["amount"] == 500 and intent["capture_method"] == "manual"
    answer = requests.get(f"{web.url}/api/v1/desires/{desire['id']}", timeout=10).json()
    assert answer["bounty_cents"] == 500
    context.close()
