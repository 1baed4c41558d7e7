"""Bounties paid on Stripe's hosted Checkout: the session, the signed webhooks that authorise or
abandon the pledge, the returns from Stripe's page, and what fails visibly."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import sqlalchemy as sa

from fractafrag.extensions import db, redis
from fractafrag.models import BountyPledge, Desire, DesireCluster
from fractafrag.services.clustering import heat_now, process_desire
from tests.helpers import ask, bearer, sign_in
from tests.payments.conftest import PUBLIC
from tests.payments.fake_stripe import StripeError, event


def pledge(client, user, desire_id: int, cents: int = 2000):
    return client.post(f"/api/v1/desires/{desire_id}/pledges", json={"amount_cents": cents},
                       headers=bearer(user["access_token"]))


def session_id(answer) -> str:
    return answer.json["checkout_url"].rsplit("/", 1)[1]


def statuses(app, desire_id: int) -> list[str]:
    with app.app_context():
        return list(db.session.scalars(sa.select(BountyPledge.status).where(
            BountyPledge.desire_id == desire_id).order_by(BountyPledge.id)))


def bounty(client, desire_id: int) -> int:
    return client.get(f"/api/v1/desires/{desire_id}").json["bounty_cents"]


def clustered(app, desire_id: int) -> int:
    with app.app_context():
        return process_desire(desire_id).cluster_id


def heat(app, cluster_id: int) -> float:
    with app.app_context():
        return heat_now(db.session.get(DesireCluster, cluster_id), datetime.now(UTC))


def test_a_pledge_answers_a_checkout_url_for_a_manual_capture_payment(
        checkout_app, checkout_client, stripe_fake, make_user):
    asker, backer = make_user(), make_user()
    desire = ask(checkout_client, asker, "a lava lamp in a snowstorm")

    answer = pledge(checkout_client, backer, desire["id"], 2500)

    assert answer.status_code == 201, answer.json
    body = answer.json
    assert body["status"] == "pending" and body["amount_cents"] == 2500
    assert body["checkout_url"].startswith("https://checkout.stripe.com/c/pay/cs_")
    [call] = stripe_fake.calls("POST", "/v1/checkout/sessions")
    params = call.params
    assert params["mode"] == "payment"
    assert params["payment_intent_data"]["capture_method"] == "manual"
    [item] = params["line_items"]
    assert item["quantity"] == "1"
    assert item["price_data"]["unit_amount"] == "2500"
    assert item["price_data"]["currency"] == "usd"
    assert "lava lamp" in item["price_data"]["product_data"]["description"]
    assert params["metadata"]["pledge_id"] == str(body["id"])
    assert params["payment_intent_data"]["metadata"]["pledge_id"] == str(body["id"])
    back = f"{PUBLIC}/desires/{desire['id']}/pledges/{body['id']}/return?outcome="
    assert params["success_url"] == back + "paid"
    assert params["cancel_url"] == back + "cancelled"
    assert call.headers["idempotency-key"] == f"pledge-checkout-{body['id']}"
    assert stripe_fake.calls("POST", "/v1/payment_intents") == [], "Checkout makes it"
    assert bounty(checkout_client, desire["id"]) == 0, "nothing is held before paying"
    listed = checkout_client.get(f"/api/v1/desires/{desire['id']}/pledges",
                                 headers=bearer(backer["access_token"])).json
    assert [(p["status"], p["mine"], p["checkout_url"]) for p in listed] == [
        ("pending", True, body["checkout_url"])]
    anonymous = checkout_client.get(f"/api/v1/desires/{desire['id']}/pledges").json
    assert anonymous[0]["checkout_url"] is None, "only the pledger sees where to pay"


def test_the_signed_checkout_webhook_raises_the_bounty_and_the_heat_live(
        checkout_app, checkout_client, stripe_fake, deliver, make_user):
    asker, backer = make_user(), make_user()
    desire = ask(checkout_client, asker)
    cluster_id = clustered(checkout_app, desire["id"])
    before = heat(checkout_app, cluster_id)
    answer = pledge(checkout_client, backer, desire["id"], 2000)
    paid = stripe_fake.complete_checkout(session_id(answer))

    with checkout_app.app_context():
        pubsub = redis.conn.pubsub()
        pubsub.subscribe("fractafrag")
        pubsub.get_message(timeout=1)
        hook = deliver(event("checkout.session.completed", paid), client=checkout_client)
        events = []
        while (message := pubsub.get_message(timeout=0.5)) is not None:
            if message["type"] == "message":
                events.append(json.loads(message["data"]))
        pubsub.close()

    assert hook.status_code == 200 and hook.json["handled"] is True
    assert statuses(checkout_app, desire["id"]) == ["authorized"]
    assert bounty(checkout_client, desire["id"]) == 2000
    assert heat(checkout_app, cluster_id) - before > 1.99, "$20 counts as two more asks"
    heats = [e["data"][0] for e in events
             if e["event"] == "cluster:heat" and e["room"] == "desires"]
    assert heats and heats[-1]["cluster_id"] == cluster_id
    assert heats[-1]["heat"] > before + 1.9
    with checkout_app.app_context():
        held = db.session.scalar(sa.select(BountyPledge))
        assert held.payment_intent_id == paid["payment_intent"]
    intent = stripe_fake.intents[paid["payment_intent"]]
    assert intent["status"] == "requires_capture" and intent["amount"] == 2000

    again = deliver(event("checkout.session.completed", paid, event_id="evt_again"),
                    client=checkout_client)
    assert again.status_code == 200
    assert bounty(checkout_client, desire["id"]) == 2000, "a second delivery adds nothing"


def test_a_forged_checkout_webhook_changes_nothing(checkout_app, checkout_client, stripe_fake,
                                                   deliver, make_user):
    asker = make_user()
    desire = ask(checkout_client, asker)
    paid = stripe_fake.complete_checkout(session_id(pledge(checkout_client, asker,
                                                           desire["id"])))
    forged = deliver(event("checkout.session.completed", paid), secret="whsec_someone_else",
                     client=checkout_client)
    assert forged.status_code == 400 and "Stripe-Signature" in forged.json["message"]
    assert statuses(checkout_app, desire["id"]) == ["pending"]
    assert bounty(checkout_client, desire["id"]) == 0


def test_the_payment_intent_event_may_arrive_before_the_checkout_event(
        checkout_app, checkout_client, stripe_fake, deliver, make_user):
    asker = make_user()
    desire = ask(checkout_client, asker)
    paid = stripe_fake.complete_checkout(session_id(pledge(checkout_client, asker,
                                                           desire["id"], 1200)))
    intent = stripe_fake.intents[paid["payment_intent"]]
    first = deliver(event("payment_intent.amount_capturable_updated", intent),
                    client=checkout_client)
    assert first.json["handled"] is True
    assert statuses(checkout_app, desire["id"]) == ["authorized"]
    deliver(event("checkout.session.completed", paid), client=checkout_client)
    assert statuses(checkout_app, desire["id"]) == ["authorized"]
    assert bounty(checkout_client, desire["id"]) == 1200, "counted once"

    # Seven days on, Stripe lets the hold go: the pledger sees it ended.
    intent.update(status="canceled")
    deliver(event("payment_intent.canceled", intent), client=checkout_client)
    assert statuses(checkout_app, desire["id"]) == ["failed"]
    assert bounty(checkout_client, desire["id"]) == 0
    page = checkout_client
    sign_in(page, asker)
    html = page.get(f"/desires/{desire['id']}").get_data(as_text=True)
    assert "Stripe keeps card holds for 7 days" in html and "Pledge again" in html


def test_an_expired_checkout_abandons_the_pledge(checkout_app, checkout_client, stripe_fake,
                                                 deliver, make_user):
    asker = make_user()
    desire = ask(checkout_client, asker)
    lapsed = stripe_fake.expire_checkout(session_id(pledge(checkout_client, asker,
                                                           desire["id"])))
    hook = deliver(event("checkout.session.expired", lapsed), client=checkout_client)
    assert hook.status_code == 200 and hook.json["handled"] is True
    assert statuses(checkout_app, desire["id"]) == ["abandoned"]
    # A late, older completion cannot happen for an expired session; a replay changes nothing.
    deliver(event("checkout.session.expired", lapsed), client=checkout_client)
    assert statuses(checkout_app, desire["id"]) == ["abandoned"]
    assert bounty(checkout_client, desire["id"]) == 0


def test_cancelling_on_stripe_comes_back_to_an_abandoned_pledge(
        checkout_app, checkout_client, stripe_fake, make_user):
    asker = make_user()
    desire = ask(checkout_client, asker)
    sign_in(checkout_client, asker)
    made = pledge(checkout_client, asker, desire["id"], 700)
    cancel = stripe_fake.sessions[session_id(made)]["cancel_url"].replace(PUBLIC, "")

    back = checkout_client.get(cancel)

    assert back.status_code == 302
    assert stripe_fake.calls("POST", f"/v1/checkout/sessions/{session_id(made)}/expire")
    assert statuses(checkout_app, desire["id"]) == ["abandoned"]
    html = checkout_client.get(back.headers["Location"]).get_data(as_text=True)
    assert 'data-pledge-status="abandoned"' in html and "nothing was held" in html


def test_returning_from_checkout_shows_the_hold_before_the_webhook(
        checkout_app, checkout_client, stripe_fake, deliver, make_user):
    asker = make_user()
    desire = ask(checkout_client, asker)
    sign_in(checkout_client, asker)
    made = pledge(checkout_client, asker, desire["id"], 900)
    paid = stripe_fake.complete_checkout(session_id(made))

    back = checkout_client.get(paid["success_url"].replace(PUBLIC, ""))
    html = checkout_client.get(back.headers["Location"]).get_data(as_text=True)

    assert 'data-role="pledge-status"' in html and "authorised: your card is held" in html
    assert bounty(checkout_client, desire["id"]) == 900
    deliver(event("checkout.session.completed", paid), client=checkout_client)
    assert bounty(checkout_client, desire["id"]) == 900, "the webhook after it adds nothing"


def test_the_desire_page_form_goes_to_checkout(checkout_app, checkout_client, stripe_fake,
                                               make_user):
    asker = make_user()
    desire = ask(checkout_client, asker)
    token = sign_in(checkout_client, asker)
    page = checkout_client.get(f"/desires/{desire['id']}")
    html = page.get_data(as_text=True)
    assert 'data-role="pledge-form"' in html and "js.stripe.com" not in html
    assert "https://checkout.stripe.com" in page.headers["Content-Security-Policy"]

    sent = checkout_client.post(f"/desires/{desire['id']}/pledges",
                                data={"amount": "12.50", "csrf_token": token})
    assert sent.status_code == 303
    assert sent.headers["Location"].startswith("https://checkout.stripe.com/c/pay/")
    [call] = stripe_fake.calls("POST", "/v1/checkout/sessions")
    assert call.params["line_items"][0]["price_data"]["unit_amount"] == "1250"

    bad = checkout_client.post(f"/desires/{desire['id']}/pledges",
                               data={"amount": "lots", "csrf_token": token},
                               follow_redirects=True)
    assert "Amount: Enter an amount in dollars" in bad.get_data(as_text=True)
    assert len(stripe_fake.calls("POST", "/v1/checkout/sessions")) == 1


def test_stripe_refusing_the_checkout_is_a_502_and_a_failed_pledge_to_retry(
        checkout_app, checkout_client, stripe_fake, make_user):
    asker = make_user()
    desire = ask(checkout_client, asker)
    stripe_fake.fail["checkout"] = StripeError(400, "invalid_request_error",
                                               "Your account cannot currently make charges.")
    refused = pledge(checkout_client, asker, desire["id"])
    assert refused.status_code == 502
    assert "cannot currently make charges" in refused.json["message"]
    assert statuses(checkout_app, desire["id"]) == ["failed"]

    del stripe_fake.fail["checkout"]
    retried = pledge(checkout_client, asker, desire["id"])
    assert retried.status_code == 201 and retried.json["checkout_url"]
    assert statuses(checkout_app, desire["id"]) == ["failed", "pending"]


def test_pledge_input_errors_name_the_field(checkout_client, make_user):
    asker = make_user()
    desire = ask(checkout_client, asker)
    for body in ({}, {"amount_cents": None}, {"amount_cents": 50}):
        answer = checkout_client.post(f"/api/v1/desires/{desire['id']}/pledges", json=body,
                                      headers=bearer(asker["access_token"]))
        assert answer.status_code == 422, body
        assert "amount_cents" in answer.json["errors"]["json"]


def test_a_payment_completed_after_the_desire_closed_is_let_go(
        checkout_app, checkout_client, stripe_fake, deliver, make_user):
    asker = make_user()
    desire = ask(checkout_client, asker)
    made = pledge(checkout_client, asker, desire["id"], 1000)
    with checkout_app.app_context():
        db.session.get(Desire, desire["id"]).status = "closed"
        db.session.commit()
    paid = stripe_fake.complete_checkout(session_id(made))
    deliver(event("checkout.session.completed", paid), client=checkout_client)
    assert statuses(checkout_app, desire["id"]) == ["released"]
    assert stripe_fake.intents[paid["payment_intent"]]["status"] == "canceled"


def test_closing_a_desire_closes_its_unpaid_checkouts(checkout_app, checkout_client, stripe_fake,
                                                      make_user):
    asker = make_user()
    desire = ask(checkout_client, asker)
    made = pledge(checkout_client, asker, desire["id"], 600)
    closed = checkout_client.patch(f"/api/v1/desires/{desire['id']}", json={"status": "closed"},
                                   headers=bearer(asker["access_token"]))
    assert closed.status_code == 200
    assert stripe_fake.sessions[session_id(made)]["status"] == "expired", "no paying it later"
    assert statuses(checkout_app, desire["id"]) == ["released"]


def test_a_payment_that_raced_the_close_is_let_go_when_stripe_reports_it(
        checkout_app, checkout_client, stripe_fake, deliver, make_user):
    asker = make_user()
    desire = ask(checkout_client, asker)
    made = pledge(checkout_client, asker, desire["id"], 600)
    paid = stripe_fake.complete_checkout(session_id(made))  # paid, webhook not delivered yet
    checkout_client.patch(f"/api/v1/desires/{desire['id']}", json={"status": "closed"},
                          headers=bearer(asker["access_token"]))
    assert statuses(checkout_app, desire["id"]) == ["released"]
    assert stripe_fake.intents[paid["payment_intent"]]["status"] == "requires_capture"

    deliver(event("checkout.session.completed", paid), client=checkout_client)

    assert stripe_fake.intents[paid["payment_intent"]]["status"] == "canceled", "hold let go"
    assert statuses(checkout_app, desire["id"]) == ["released"]
    assert bounty(checkout_client, desire["id"]) == 0
