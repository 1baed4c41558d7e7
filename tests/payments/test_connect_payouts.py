"""Getting paid for bounties: Stripe Connect (Express) onboarding, its state kept by signed
account.updated webhooks, and payouts captured on acceptance transferred to enabled accounts."""

from __future__ import annotations

import time

import sqlalchemy as sa

from fractafrag.extensions import db
from fractafrag.models import Payout
from tests.helpers import ask, bearer, sign_in
from tests.payments.conftest import PUBLIC
from tests.payments.fake_stripe import StripeError, event
from tests.payments.flows import fulfil


def connect(client, user):
    return client.post("/api/v1/payments/connect", headers=bearer(user["access_token"]))


def status(client, user) -> dict:
    answer = client.get("/api/v1/payments/connect", headers=bearer(user["access_token"]))
    assert answer.status_code == 200, answer.json
    return answer.json


def onboard(client, fake, deliver, user, created: int | None = None) -> str:
    """The author goes through Stripe's onboarding; Stripe reports the account enabled."""
    assert connect(client, user).status_code == 201
    account_id = fake.calls("POST", "/v1/account_links")[-1].params["account"]
    account = fake.update_account(account_id, payouts_enabled=True)
    hook = deliver(event("account.updated", account, created=created), client=client)
    assert hook.status_code == 200 and hook.json["handled"] is True
    return account_id


def paid_pledge(client, fake, deliver, backer, desire_id: int, cents: int) -> str:
    """Pledge through Checkout, pay it in the fake, deliver the signed webhook; the intent id."""
    made = client.post(f"/api/v1/desires/{desire_id}/pledges", json={"amount_cents": cents},
                       headers=bearer(backer["access_token"]))
    assert made.status_code == 201, made.json
    paid = fake.complete_checkout(made.json["checkout_url"].rsplit("/", 1)[1])
    assert deliver(event("checkout.session.completed", paid), client=client).status_code == 200
    return paid["payment_intent"]


def payouts(client, user) -> list[dict]:
    return client.get("/api/v1/payments/payouts", headers=bearer(user["access_token"])).json


def test_onboarding_creates_one_express_account_and_links_to_stripe(
        checkout_client, stripe_fake, make_user):
    artist = make_user()
    assert status(checkout_client, artist)["status"] == "none"

    first = connect(checkout_client, artist)
    again = connect(checkout_client, artist)

    assert first.status_code == 201 and again.status_code == 201
    assert first.json["url"].startswith("https://connect.stripe.com/setup/e/acct_")
    [created] = stripe_fake.calls("POST", "/v1/accounts")
    assert created.params["type"] == "express"
    assert created.params["capabilities"]["transfers"]["requested"] == "true"
    assert created.params["metadata"]["user_id"] == str(artist["id"])
    links = stripe_fake.calls("POST", "/v1/account_links")
    assert len(links) == 2, "a fresh link each time, for the one account"
    [account_id] = stripe_fake.accounts
    for link in links:
        assert link.params["account"] == account_id
        assert link.params["type"] == "account_onboarding"
        assert link.params["return_url"] == f"{PUBLIC}/settings?payouts=return"
        assert link.params["refresh_url"] == f"{PUBLIC}/settings/payouts/refresh"
    assert status(checkout_client, artist) == {
        "status": "pending", "payouts_enabled": False, "details_submitted": False,
        "owed_cents": 0, "transferred_cents": 0}


def test_account_updated_enables_payouts_and_an_older_event_does_not_undo_it(
        checkout_client, stripe_fake, deliver, make_user):
    artist = make_user()
    now = int(time.time())
    account_id = onboard(checkout_client, stripe_fake, deliver, artist, created=now)
    assert status(checkout_client, artist)["status"] == "enabled"

    stale = dict(stripe_fake.accounts[account_id], payouts_enabled=False,
                 details_submitted=False)
    late = deliver(event("account.updated", stale, created=now - 60), client=checkout_client)
    assert late.status_code == 200
    assert status(checkout_client, artist)["status"] == "enabled", "the late event is older"

    restricted = dict(stale, capabilities={"transfers": "inactive"})
    deliver(event("account.updated", restricted, created=now + 60), client=checkout_client)
    assert status(checkout_client, artist)["status"] == "pending"


def test_acceptance_captures_the_checkout_hold_and_transfers_to_the_enabled_account(
        checkout_app, checkout_client, stripe_fake, deliver, make_user):
    asker, backer, artist = make_user(), make_user(), make_user()
    account_id = onboard(checkout_client, stripe_fake, deliver, artist)
    desire = ask(checkout_client, asker, "lava under snow")
    intent_id = paid_pledge(checkout_client, stripe_fake, deliver, backer, desire["id"], 3000)
    assert checkout_client.get(f"/api/v1/desires/{desire['id']}").json["bounty_cents"] == 3000

    fulfil(checkout_client, asker, artist, desire["id"], title="Lava under snow")

    intent = stripe_fake.intents[intent_id]
    assert intent["status"] == "succeeded" and intent["amount_received"] == 3000
    [transfer] = stripe_fake.calls("POST", "/v1/transfers")
    assert transfer.params["destination"] == account_id
    assert transfer.params["amount"] == "3000" and transfer.params["currency"] == "usd"
    assert transfer.params["source_transaction"] == intent["latest_charge"]
    [payout] = payouts(checkout_client, artist)
    assert payout["status"] == "transferred" and payout["amount_cents"] == 3000
    assert status(checkout_client, artist)["transferred_cents"] == 3000


def test_owed_payouts_are_sent_when_the_account_becomes_enabled(
        checkout_app, checkout_client, stripe_fake, deliver, make_user):
    asker, artist = make_user(), make_user()
    desire = ask(checkout_client, asker)
    intent_id = paid_pledge(checkout_client, stripe_fake, deliver, asker, desire["id"], 1500)
    fulfil(checkout_client, asker, artist, desire["id"], title="Lava under snow")
    assert [p["status"] for p in payouts(checkout_client, artist)] == ["owed"]
    assert stripe_fake.calls("POST", "/v1/transfers") == []
    assert status(checkout_client, artist)["owed_cents"] == 1500

    account_id = onboard(checkout_client, stripe_fake, deliver, artist)

    [transfer] = stripe_fake.calls("POST", "/v1/transfers")
    assert transfer.params["destination"] == account_id
    assert transfer.params["source_transaction"] == stripe_fake.intents[intent_id]["latest_charge"]
    assert [p["status"] for p in payouts(checkout_client, artist)] == ["transferred"]
    assert status(checkout_client, artist)["owed_cents"] == 0
    # Stripe sends account.updated again for unrelated changes: nothing is paid twice.
    deliver(event("account.updated", stripe_fake.accounts[account_id]), client=checkout_client)
    assert len(stripe_fake.calls("POST", "/v1/transfers")) == 1


def test_a_refused_transfer_stays_owed_and_is_sent_again_from_settings(
        checkout_app, checkout_client, stripe_fake, deliver, make_user):
    asker, artist = make_user(), make_user()
    desire = ask(checkout_client, asker)
    paid_pledge(checkout_client, stripe_fake, deliver, asker, desire["id"], 800)
    fulfil(checkout_client, asker, artist, desire["id"], title="Lava under snow")
    stripe_fake.fail["transfer"] = StripeError(
        400, "invalid_request_error", "Insufficient funds in Stripe account.",
        "balance_insufficient")
    onboard(checkout_client, stripe_fake, deliver, artist)
    assert [p["status"] for p in payouts(checkout_client, artist)] == ["owed"]

    token = sign_in(checkout_client, artist)
    html = checkout_client.get("/settings").get_data(as_text=True)
    assert 'data-role="send-owed"' in html and "Stripe refused the transfer" in html
    del stripe_fake.fail["transfer"]
    sent = checkout_client.post("/settings/payouts/send", data={"csrf_token": token},
                                follow_redirects=True)
    assert "Sent 1 payout(s) to your Stripe account." in sent.get_data(as_text=True)
    assert [p["status"] for p in payouts(checkout_client, artist)] == ["transferred"]
    with checkout_app.app_context():
        assert db.session.scalar(sa.select(Payout.stripe_transfer_id)) in stripe_fake.transfers


def test_settings_starts_onboarding_and_shows_the_status(checkout_client, stripe_fake, deliver,
                                                         make_user):
    artist = make_user()
    token = sign_in(checkout_client, artist)
    page = checkout_client.get("/settings")
    html = page.get_data(as_text=True)
    assert "Get paid for bounties" in html and 'data-status="none"' in html
    assert "https://connect.stripe.com" in page.headers["Content-Security-Policy"]

    started = checkout_client.post("/settings/payouts/connect", data={"csrf_token": token})
    assert started.status_code == 303
    assert started.headers["Location"].startswith("https://connect.stripe.com/setup/e/")
    assert 'data-status="pending"' in checkout_client.get("/settings").get_data(as_text=True)

    # The link expired before the author used it: Stripe sends them to the refresh URL.
    refreshed = checkout_client.get("/settings/payouts/refresh")
    assert refreshed.status_code == 303
    assert refreshed.headers["Location"].startswith("https://connect.stripe.com/setup/e/")
    assert len(stripe_fake.calls("POST", "/v1/accounts")) == 1


def test_stripe_refusing_the_account_is_a_502_and_nothing_is_recorded(
        checkout_client, stripe_fake, make_user):
    artist = make_user()
    stripe_fake.fail["account"] = StripeError(400, "invalid_request_error",
                                              "Connect is not enabled on this platform.")
    refused = connect(checkout_client, artist)
    assert refused.status_code == 502 and "Connect is not enabled" in refused.json["message"]
    assert status(checkout_client, artist)["status"] == "none"
    del stripe_fake.fail["account"]
    assert connect(checkout_client, artist).status_code == 201


def test_api_keys_cannot_start_onboarding(checkout_app, checkout_client, make_user):
    artist = make_user()
    with checkout_app.app_context():
        from fractafrag.services import apikeys

        _, secret = apikeys.create_key(artist["id"], "agent", ["read", "write"])
    answer = checkout_client.post("/api/v1/payments/connect", headers={"X-API-Key": secret})
    assert answer.status_code == 403 and "API keys cannot" in answer.json["message"]


def test_the_connect_endpoints_own_secret_is_accepted_too(make_app, stripe_fake, make_user):
    """Stripe sends connected accounts' events to a second endpoint with its own secret."""
    import json

    from tests.payments.fake_stripe import SECRET_KEY, WEBHOOK_SECRET, sign

    app = make_app(STRIPE_SECRET_KEY=SECRET_KEY, STRIPE_API_BASE=stripe_fake.url,
                   STRIPE_WEBHOOK_SECRET=f"{WEBHOOK_SECRET}, whsec_connect_endpoint")
    client = app.test_client()
    artist = make_user()
    assert connect(client, artist).status_code == 201
    [account_id] = stripe_fake.accounts
    body = json.dumps(event("account.updated", stripe_fake.update_account(
        account_id, payouts_enabled=True)))

    def post(secret: str):
        return client.post("/api/v1/payments/webhook", data=body,
                           content_type="application/json",
                           headers={"Stripe-Signature": sign(body, secret)})

    forged = post("whsec_someone_else")
    assert forged.status_code == 400 and "does not match" in forged.json["message"]
    assert status(client, artist)["status"] == "pending"
    assert post("whsec_connect_endpoint").status_code == 200
    assert status(client, artist)["status"] == "enabled"
