"""The Pro plan through Stripe: Checkout, the billing portal, signed webhooks, the quota."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import sqlalchemy as sa

from fractafrag.extensions import db
from fractafrag.models import BillingAccount, StripeEvent, User
from tests.api.shader_helpers import publish, published
from tests.helpers import bearer, sign_in
from tests.payments.fake_stripe import PRICE, event

OFF = "Payments are not configured on this instance (STRIPE_SECRET_KEY)."


def checkout(client, user) -> dict:
    response = client.post("/api/v1/payments/checkout", json={"plan": "pro"},
                           headers=bearer(user["access_token"]))
    assert response.status_code == 200, response.json
    return response.json


def me(client, user) -> dict:
    return client.get("/api/v1/users/me", headers=bearer(user["access_token"])).json


def upgrade(client, fake, deliver, user, period_end: int) -> dict:
    """Checkout, pay in the fake, deliver checkout.session.completed; return the session."""
    url = checkout(client, user)["url"]
    session = fake.complete_checkout(url.rsplit("/", 1)[1], period_end=period_end)
    answer = deliver(event("checkout.session.completed", session))
    assert answer.status_code == 200, answer.json
    assert answer.json == {"received": True, "duplicate": False, "handled": True}
    return session


def iso(ts: int) -> str:
    return datetime.fromtimestamp(ts, UTC).isoformat()


def test_checkout_returns_the_session_url_and_reuses_the_customer(pay_client, stripe_fake,
                                                                  make_user):
    user = make_user()
    first = checkout(pay_client, user)
    [created] = stripe_fake.calls("POST", "/v1/customers")
    assert created.headers["authorization"].startswith("Bearer sk_test_")
    assert created.params["metadata"]["user_id"] == str(user["id"])
    [session] = stripe_fake.calls("POST", "/v1/checkout/sessions")
    [customer] = stripe_fake.customers
    [made] = stripe_fake.sessions.values()
    assert first["url"] == made["url"] and made["url"].startswith("https://checkout.stripe.com/")
    params = session.params
    assert params["mode"] == "subscription"
    assert params["line_items"] == [{"price": PRICE, "quantity": "1"}]
    assert params["client_reference_id"] == str(user["id"])
    assert params["metadata"] == {"user_id": str(user["id"])}
    assert params["subscription_data"]["metadata"] == {"user_id": str(user["id"])}
    assert params["customer"] == customer
    assert params["success_url"].startswith("http://localhost/settings")
    assert params["cancel_url"].startswith("http://localhost/settings")

    checkout(pay_client, user)
    assert len(stripe_fake.calls("POST", "/v1/customers")) == 1, "the customer is reused"
    assert stripe_fake.calls("POST", "/v1/checkout/sessions")[1].params["customer"] == customer


def test_a_completed_checkout_makes_the_user_pro_until_the_period_ends(
        pay_client, stripe_fake, deliver, make_user):
    user = make_user()
    end = int(time.time()) + 30 * 86400
    session = upgrade(pay_client, stripe_fake, deliver, user, end)
    assert stripe_fake.calls("GET", f"/v1/subscriptions/{session['subscription']}")
    body = me(pay_client, user)
    assert body["tier"] == "pro"
    assert body["pro_until"] == iso(end)


def test_a_forged_signature_is_400_and_changes_nothing(pay_app, pay_client, stripe_fake,
                                                       deliver, make_user):
    user = make_user()
    url = checkout(pay_client, user)["url"]
    session = stripe_fake.complete_checkout(url.rsplit("/", 1)[1])
    answer = deliver(event("checkout.session.completed", session), secret="whsec_forged")
    assert answer.status_code == 400
    assert "does not match" in answer.json["message"]
    assert "STRIPE_WEBHOOK_SECRET" in answer.json["message"]
    assert me(pay_client, user)["tier"] == "free"
    with pay_app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(StripeEvent)) == 0


def test_a_stale_signature_is_400(pay_client, stripe_fake, deliver, make_user):
    user = make_user()
    url = checkout(pay_client, user)["url"]
    session = stripe_fake.complete_checkout(url.rsplit("/", 1)[1])
    answer = deliver(event("checkout.session.completed", session),
                     timestamp=int(time.time()) - 6 * 60)
    assert answer.status_code == 400
    assert "more than 5 minutes old" in answer.json["message"]
    assert me(pay_client, user)["tier"] == "free"


def test_missing_signature_or_body_that_is_no_event_is_400(pay_client, deliver):
    answer = pay_client.post("/api/v1/payments/webhook", data="{}",
                             content_type="application/json")
    assert answer.status_code == 400 and "Stripe-Signature" in answer.json["message"]
    assert deliver({"hello": "world"}).status_code == 400


def test_a_replayed_event_is_processed_once(pay_app, pay_client, stripe_fake, deliver,
                                            make_user):
    user = make_user()
    url = checkout(pay_client, user)["url"]
    session = stripe_fake.complete_checkout(url.rsplit("/", 1)[1])
    delivery = event("checkout.session.completed", session)
    assert deliver(delivery).json["duplicate"] is False
    again = deliver(delivery)
    assert again.status_code == 200
    assert again.json == {"received": True, "duplicate": True, "handled": False}
    assert len(stripe_fake.calls("GET", "/v1/subscriptions/")) == 1
    with pay_app.app_context():
        assert db.session.scalars(sa.select(StripeEvent.id)).all() == [delivery["id"]]


def test_cancelling_the_subscription_makes_the_user_free(pay_client, stripe_fake, deliver,
                                                          make_user):
    user = make_user()
    session = upgrade(pay_client, stripe_fake, deliver, user, int(time.time()) + 86400)
    subscription = {**stripe_fake.subscriptions[session["subscription"]], "status": "canceled"}
    assert deliver(event("customer.subscription.deleted", subscription)).status_code == 200
    body = me(pay_client, user)
    assert body["tier"] == "free" and body["pro_until"] is None


def test_subscription_updates_follow_status_and_ignore_older_events(
        pay_app, pay_client, stripe_fake, deliver, make_user):
    user = make_user()
    session = upgrade(pay_client, stripe_fake, deliver, user, int(time.time()) + 86400)
    subscription = stripe_fake.subscriptions[session["subscription"]]
    renewed = int(time.time()) + 40 * 86400
    later = {**subscription, "items": {"object": "list", "data": [
        {**subscription["items"]["data"][0], "current_period_end": renewed}]}}
    now = int(time.time())
    deliver(event("customer.subscription.updated", later, created=now + 5))
    assert me(pay_client, user)["pro_until"] == iso(renewed)

    # A payment fails: Pro is kept while Stripe retries; the account says past_due.
    invoice = {"id": "in_test1", "object": "invoice", "customer": subscription["customer"],
               "subscription": subscription["id"], "status": "open"}
    deliver(event("invoice.payment_failed", invoice, created=now + 6))
    assert me(pay_client, user)["tier"] == "pro"
    with pay_app.app_context():
        assert db.session.get(BillingAccount, user["id"]).subscription_status == "past_due"

    # An older event delivered late does not undo the newer state.
    deliver(event("customer.subscription.updated", {**later, "status": "unpaid"}, created=now))
    assert me(pay_client, user)["tier"] == "pro"
    deliver(event("customer.subscription.updated", {**later, "status": "unpaid"},
                  created=now + 10))
    assert me(pay_client, user)["tier"] == "free"
    deliver(event("customer.subscription.updated", {**later, "status": "active"},
                  created=now + 20))
    assert me(pay_client, user)["tier"] == "pro"


def test_the_quota_follows_the_tier(pay_client, stripe_fake, deliver, make_user):
    free, pro = make_user(), make_user()
    upgrade(pay_client, stripe_fake, deliver, pro, int(time.time()) + 86400)
    for user in (free, pro):
        for i in range(5):
            published(pay_client, user, title=f"n{i}")
    assert publish(pay_client, free, title="sixth").status_code == 429
    assert publish(pay_client, pro, title="sixth").status_code == 201


def test_the_billing_portal_needs_a_customer(pay_client, stripe_fake, make_user):
    user = make_user()
    headers = bearer(user["access_token"])
    refused = pay_client.post("/api/v1/payments/portal", headers=headers)
    assert refused.status_code == 409 and "upgrade to Pro first" in refused.json["message"]
    checkout(pay_client, user)
    answer = pay_client.post("/api/v1/payments/portal", headers=headers)
    assert answer.status_code == 200
    assert answer.json["url"].startswith("https://billing.stripe.com/p/session/bps_")
    [call] = stripe_fake.calls("POST", "/v1/billing_portal/sessions")
    assert call.params["customer"] == next(iter(stripe_fake.customers))
    assert call.params["return_url"] == "http://localhost/settings"


def test_pro_users_cannot_check_out_again(pay_client, stripe_fake, deliver, make_user):
    user = make_user()
    upgrade(pay_client, stripe_fake, deliver, user, int(time.time()) + 86400)
    again = pay_client.post("/api/v1/payments/checkout", json={"plan": "pro"},
                            headers=bearer(user["access_token"]))
    assert again.status_code == 409 and "billing portal" in again.json["message"]


def test_checkout_needs_a_signed_in_person_and_the_pro_plan(pay_client, make_user):
    assert pay_client.post("/api/v1/payments/checkout", json={"plan": "pro"}).status_code == 401
    answer = pay_client.post("/api/v1/payments/checkout", json={"plan": "gold"},
                             headers=bearer(make_user()["access_token"]))
    assert answer.status_code == 422 and "plan" in answer.json["errors"]["json"]


def test_payments_off_answer_503_saying_so(client, make_user):
    headers = bearer(make_user()["access_token"])
    for path, body in (("/api/v1/payments/checkout", {"plan": "pro"}),
                       ("/api/v1/payments/portal", None),
                       ("/api/v1/desires/1/pledges", {"amount_cents": 500})):
        answer = client.post(path, json=body, headers=headers)
        assert answer.status_code == 503, path
        assert answer.json["message"] == OFF
    hook = client.post("/api/v1/payments/webhook", data="{}", content_type="application/json",
                       headers={"Stripe-Signature": "t=1,v1=00"})
    assert hook.status_code == 503 and hook.json["message"] == OFF


def test_a_missing_price_or_webhook_secret_is_named(make_app, stripe_fake, make_user):
    from tests.payments.fake_stripe import SECRET_KEY

    app = make_app(STRIPE_SECRET_KEY=SECRET_KEY, STRIPE_API_BASE=stripe_fake.url)
    client = app.test_client()
    answer = client.post("/api/v1/payments/checkout", json={"plan": "pro"},
                         headers=bearer(make_user()["access_token"]))
    assert answer.status_code == 503 and "(STRIPE_PRICE_PRO)" in answer.json["message"]
    hook = client.post("/api/v1/payments/webhook", data="{}", content_type="application/json",
                       headers={"Stripe-Signature": "t=1,v1=00"})
    assert hook.status_code == 503 and "(STRIPE_WEBHOOK_SECRET)" in hook.json["message"]


# ----------------------------------------------------------------------------- the settings page

def plan_section(html: str) -> str:
    start = html.index('aria-labelledby="plan-h"')
    return html[start:html.index("</section>", start)]


def test_settings_offer_the_upgrade_and_send_to_checkout(pay_app, stripe_fake, make_user):
    client = pay_app.test_client()
    user = make_user()
    token = sign_in(client, user)
    page = client.get("/settings")
    plan = plan_section(page.get_data(as_text=True))
    assert "Upgrade to Pro" in plan and "Manage billing" not in plan
    assert "https://checkout.stripe.com" in page.headers["Content-Security-Policy"]
    answer = client.post("/settings/billing/checkout", data={"csrf_token": token})
    assert answer.status_code == 303
    assert answer.headers["Location"].startswith("https://checkout.stripe.com/c/pay/cs_")
    assert client.post("/settings/billing/checkout", data={}).status_code == 400


def test_settings_show_pro_with_its_period_end_and_the_portal(pay_app, stripe_fake, deliver,
                                                              make_user):
    client = pay_app.test_client()
    user = make_user()
    end = int(time.time()) + 10 * 86400
    upgrade(client, stripe_fake, deliver, user, end)
    token = sign_in(client, user)
    plan = plan_section(client.get("/settings").get_data(as_text=True))
    assert "Manage billing" in plan and "Upgrade to Pro" not in plan
    assert datetime.fromtimestamp(end, UTC).date().isoformat() in plan
    answer = client.post("/settings/billing/portal", data={"csrf_token": token})
    assert answer.status_code == 303
    assert answer.headers["Location"].startswith("https://billing.stripe.com/p/session/")


def test_settings_hide_payments_when_they_are_off(app, make_user):
    client = app.test_client()
    sign_in(client, make_user())
    page = client.get("/settings")
    plan = plan_section(page.get_data(as_text=True))
    assert "Upgrade to Pro" not in plan and "Manage billing" not in plan
    assert "stripe.com" not in page.headers["Content-Security-Policy"]
    with app.app_context():
        assert db.session.scalar(sa.select(sa.func.count()).select_from(User)) == 1
