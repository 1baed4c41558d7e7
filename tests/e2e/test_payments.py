"""Payments in the browser, up to Stripe's hosted pages and back (Stripe itself is a loopback
fake; its hosted pages are answered by the test, and its webhooks are delivered signed)."""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from typing import Any

import pytest
import requests
from playwright.sync_api import Browser, Page, expect

from tests.payments.fake_stripe import PRICE, SECRET_KEY, WEBHOOK_SECRET, FakeStripe, event, sign
from tests.processes import WebProcess

STRIPE_PAGES = ("https://checkout.stripe.com/**", "https://connect.stripe.com/**")


def _site(service_urls, monkeypatch, name: str, **extra: str
          ) -> Iterator[tuple[WebProcess, FakeStripe]]:
    fake = FakeStripe(SECRET_KEY)
    for key, value in {"STRIPE_SECRET_KEY": SECRET_KEY, "STRIPE_WEBHOOK_SECRET": WEBHOOK_SECRET,
                       "STRIPE_PRICE_PRO": PRICE, "STRIPE_API_BASE": fake.url, **extra}.items():
        monkeypatch.setenv(key, value)
    web = WebProcess(service_urls, name)
    try:
        yield web.wait_ready(), fake
    finally:
        web.stop()
        fake.close()


@pytest.fixture
def paying_site(service_urls, monkeypatch) -> Iterator[tuple[WebProcess, FakeStripe]]:
    """A web process with payments on, talking to a fake Stripe; pledges held at once with
    the test card (STRIPE_TEST_PAYMENT_METHOD)."""
    yield from _site(service_urls, monkeypatch, "payments",
                     STRIPE_TEST_PAYMENT_METHOD="pm_card_visa")


@pytest.fixture
def checkout_site(service_urls, monkeypatch) -> Iterator[tuple[WebProcess, FakeStripe]]:
    """A web process as in production: pledges are paid on Stripe Checkout."""
    monkeypatch.delenv("STRIPE_TEST_PAYMENT_METHOD", raising=False)
    yield from _site(service_urls, monkeypatch, "checkout")


def signed_in_page(browser: Browser, web: WebProcess, user: dict) -> Page:
    """A page signed in through the real form; Stripe's hosted pages answered by the test."""
    context = browser.new_context(base_url=web.url)
    page = context.new_page()
    page.set_default_timeout(15_000)
    # Stripe's hosted pages are on the internet; answer for them so the redirect can be seen.
    for pattern in STRIPE_PAGES:
        page.route(pattern, lambda route: route.fulfill(
            status=200, content_type="text/html", body="<h1>Stripe</h1>"))
    page.goto("/login")
    page.fill("input[name=username]", user["username"])
    page.fill("input[name=password]", user["password"])
    page.click("form[data-role=login] button[type=submit]")
    page.wait_for_url(lambda url: "/login" not in url)
    return page


def deliver(web: WebProcess, payload: dict[str, Any]) -> dict[str, Any]:
    """POST a Stripe event to the site's webhook, signed as Stripe signs it."""
    body = json.dumps(payload)
    answer = requests.post(f"{web.url}/api/v1/payments/webhook", data=body, timeout=10,
                           headers={"Content-Type": "application/json",
                                    "Stripe-Signature": sign(body, WEBHOOK_SECRET)})
    assert answer.status_code == 200, answer.text
    return answer.json()


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


@pytest.mark.browser
def test_an_author_starts_onboarding_from_settings_and_sees_enabled(browser: Browser, make_user,
                                                                    checkout_site, shot):
    web, fake = checkout_site
    author = make_user()
    page = signed_in_page(browser, web, author)
    page.goto("/settings")
    section = page.locator("[data-role=connect]")
    expect(section.get_by_role("heading", name="Get paid for bounties")).to_be_visible()
    expect(section.locator("[data-role=connect-status]")).to_have_text("not set up")

    section.get_by_role("button", name="Set up payouts with Stripe").click()

    page.wait_for_url(re.compile(r"^https://connect\.stripe\.com/setup/e/acct_"))
    [account_id] = fake.accounts
    assert fake.accounts[account_id]["type"] == "express"
    [link] = fake.calls("POST", "/v1/account_links")
    assert link.params["type"] == "account_onboarding"
    # Stripe finishes onboarding, reports the account, and sends the author back.
    account = fake.update_account(account_id, payouts_enabled=True)
    assert deliver(web, event("account.updated", account))["handled"] is True
    page.goto(link.params["return_url"])
    expect(page.locator("[data-role=connect] [data-role=connect-status]")).to_have_text("enabled")
    expect(page.locator("[data-role=connect-start]")).to_have_count(0)
    shot(page, "settings-payouts-enabled")
    page.context.close()


@pytest.mark.browser
def test_a_pledge_is_paid_on_checkout_and_comes_back_authorised(browser: Browser, make_user,
                                                                checkout_site, shot):
    web, fake = checkout_site
    asker, backer = make_user(), make_user()
    desire = requests.post(f"{web.url}/api/v1/desires", json={"prompt": "a lava lamp at night"},
                           headers={"Authorization": f"Bearer {asker['access_token']}"},
                           timeout=10).json()
    page = signed_in_page(browser, web, backer)
    page.goto(f"/desires/{desire['id']}")
    assert page.locator("script[src*='stripe']").count() == 0, "no Stripe script in our pages"
    page.fill("#pledge-amount", "7.50")
    page.locator("form[data-role=pledge-form] button[type=submit]").click()

    page.wait_for_url(re.compile(r"^https://checkout\.stripe\.com/c/pay/cs_"))
    [session] = fake.sessions.values()
    assert session["mode"] == "payment" and session["amount_total"] == 750
    assert session["payment_intent_data"]["capture_method"] == "manual"
    paid = fake.complete_checkout(session["id"])
    deliver(web, event("checkout.session.completed", paid))
    page.goto(paid["success_url"])

    status = page.locator("[data-role=pledge-status]")
    expect(status).to_contain_text("$7.50")
    expect(status).to_contain_text("authorised: your card is held")
    expect(page.locator(".meta .bounty").first).to_have_text("$7.50 bounty")
    shot(page, "desire-pledge-authorised")
    page.context.close()
