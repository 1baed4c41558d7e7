"""Bounties: pledges held on cards, heating clusters, captured and paid out on fulfilment,
released on closing."""

from __future__ import annotations

import sqlalchemy as sa

from fractafrag.extensions import db
from fractafrag.models import BillingAccount, BountyPledge, Desire, DesireCluster, Payout
from fractafrag.services.billing import bounties
from fractafrag.services.clustering import heat_now, process_desire
from tests.helpers import ask, bearer
from tests.payments.fake_stripe import SECRET_KEY, StripeError
from tests.payments.flows import fulfil


def clustered(app, desire_id: int) -> int:
    with app.app_context():
        return process_desire(desire_id).cluster_id


def heat(app, cluster_id: int) -> float:
    with app.app_context():
        from datetime import UTC, datetime

        return heat_now(db.session.get(DesireCluster, cluster_id), datetime.now(UTC))


def pledge(client, user, desire_id: int, cents: int = 2000):
    return client.post(f"/api/v1/desires/{desire_id}/pledges", json={"amount_cents": cents},
                       headers=bearer(user["access_token"]))


def pledges(app, desire_id: int) -> list[BountyPledge]:
    with app.app_context():
        rows = db.session.scalars(sa.select(BountyPledge).where(
            BountyPledge.desire_id == desire_id).order_by(BountyPledge.id)).all()
        db.session.expunge_all()
        return rows


def test_a_pledge_is_a_held_payment_intent_that_heats_the_cluster(pay_app, pay_client,
                                                                   stripe_fake, make_user):
    asker, backer = make_user(), make_user()
    desire = ask(pay_client, asker)
    cluster_id = clustered(pay_app, desire["id"])
    before = heat(pay_app, cluster_id)

    answer = pledge(pay_client, backer, desire["id"], 2000)
    assert answer.status_code == 201, answer.json
    body = answer.json
    assert body["status"] == "authorized" and body["amount_cents"] == 2000
    [call] = stripe_fake.calls("POST", "/v1/payment_intents")
    [intent] = stripe_fake.intents.values()
    assert intent["status"] == "requires_capture" and body["checkout_url"] is None
    assert call.params["amount"] == "2000" and call.params["currency"] == "usd"
    assert call.params["capture_method"] == "manual"
    assert call.params["payment_method"] == "pm_card_visa" and call.params["confirm"] == "true"
    assert call.params["metadata"] == {"desire_id": str(desire["id"]),
                                       "user_id": str(backer["id"])}

    assert heat(pay_app, cluster_id) - before > 1.99, "$20 counts as two more asks"
    assert pay_client.get(f"/api/v1/desires/{desire['id']}").json["bounty_cents"] == 2000
    listed = pay_client.get(f"/api/v1/desires/{desire['id']}/pledges",
                            headers=bearer(backer["access_token"])).json
    assert [(p["amount_cents"], p["status"], p["mine"]) for p in listed] == [
        (2000, "authorized", True)]
    anonymous = pay_client.get(f"/api/v1/desires/{desire['id']}/pledges").json
    assert anonymous[0]["mine"] is False


def test_pledge_amounts_are_checked(pay_client, make_user):
    user = make_user()
    desire = ask(pay_client, user)
    for cents in (99, 1_000_001, "500"):
        answer = pledge(pay_client, user, desire["id"], cents)
        assert answer.status_code == 422 and "amount_cents" in answer.json["errors"]["json"]
    assert pledge(pay_client, user, 999_999).status_code == 404


def test_a_declined_card_is_402_and_records_nothing(make_app, stripe_fake, make_user):
    app = make_app(STRIPE_SECRET_KEY=SECRET_KEY, STRIPE_API_BASE=stripe_fake.url,
                   STRIPE_TEST_PAYMENT_METHOD="pm_card_chargeDeclined")
    client = app.test_client()
    user = make_user()
    desire = ask(client, user)
    answer = pledge(client, user, desire["id"])
    assert answer.status_code == 402 and answer.json["message"] == "Your card was declined."
    assert pledges(app, desire["id"]) == []


def test_acceptance_captures_pledges_and_owes_the_fulfiller(pay_app, pay_client, stripe_fake,
                                                            make_user):
    asker, backer, artist = make_user(), make_user(), make_user()
    desire = ask(pay_client, asker)
    clustered(pay_app, desire["id"])
    ids = [pledge(pay_client, who, desire["id"], cents).json["pledge_id"]
           for who, cents in ((backer, 2000), (asker, 500))]
    fulfil(pay_client, asker, artist, desire["id"])

    assert [p.status for p in pledges(pay_app, desire["id"])] == ["captured", "captured"]
    captured = {c.path.split("/")[3] for c in stripe_fake.calls("POST", "/v1/payment_intents/")}
    assert captured == {i for i, pi in stripe_fake.intents.items() if pi["status"] == "succeeded"}
    assert len(captured) == 2
    assert stripe_fake.calls("POST", "/v1/transfers") == []
    payouts = pay_client.get("/api/v1/payments/payouts",
                             headers=bearer(artist["access_token"])).json
    assert sorted((p["amount_cents"], p["status"], p["desire_id"]) for p in payouts) == [
        (500, "owed", desire["id"]), (2000, "owed", desire["id"])]
    with pay_app.app_context():
        assert sorted(db.session.scalars(sa.select(Payout.pledge_id))) == sorted(ids)
    assert pay_client.get("/api/v1/payments/payouts",
                          headers=bearer(backer["access_token"])).json == []


def test_acceptance_transfers_to_a_connect_account(pay_app, pay_client, stripe_fake,
                                                   make_user):
    asker, artist = make_user(), make_user()
    with pay_app.app_context():
        db.session.add(BillingAccount(user_id=artist["id"],
                                      stripe_connect_account_id="acct_test_artist",
                                      connect_payouts_enabled=True))
        db.session.commit()
    desire = ask(pay_client, asker)
    pledge(pay_client, asker, desire["id"], 1500)
    fulfil(pay_client, asker, artist, desire["id"])

    [call] = stripe_fake.calls("POST", "/v1/transfers")
    [intent] = stripe_fake.intents.values()
    assert call.params["destination"] == "acct_test_artist"
    assert call.params["amount"] == "1500" and call.params["currency"] == "usd"
    assert call.params["source_transaction"] == intent["latest_charge"]
    assert call.params["transfer_group"] == f"desire-{desire['id']}"
    [payout] = pay_client.get("/api/v1/payments/payouts",
                              headers=bearer(artist["access_token"])).json
    assert payout["status"] == "transferred"
    assert payout["stripe_transfer_id"] == next(iter(stripe_fake.transfers))


def test_a_failed_capture_keeps_the_fulfilment_and_is_recorded(pay_app, pay_client,
                                                               stripe_fake, make_user, caplog):
    asker, artist = make_user(), make_user()
    desire = ask(pay_client, asker)
    pledge(pay_client, asker, desire["id"], 1000)
    stripe_fake.fail["capture"] = StripeError(
        400, "invalid_request_error", "This PaymentIntent's authorization has expired.",
        "charge_expired_for_capture")
    fulfil(pay_client, asker, artist, desire["id"])

    assert pay_client.get(f"/api/v1/desires/{desire['id']}").json["status"] == "fulfilled"
    assert [p.status for p in pledges(pay_app, desire["id"])] == ["capture_failed"]
    assert pay_client.get("/api/v1/payments/payouts",
                          headers=bearer(artist["access_token"])).json == []
    assert "capture of pledge" in caplog.text


def test_closing_a_desire_releases_its_pledges(pay_app, pay_client, stripe_fake, make_user):
    asker, backer = make_user(), make_user()
    desire = ask(pay_client, asker)
    cluster_id = clustered(pay_app, desire["id"])
    pledge(pay_client, backer, desire["id"], 3000)
    closed = pay_client.patch(f"/api/v1/desires/{desire['id']}", json={"status": "closed"},
                              headers=bearer(asker["access_token"]))
    assert closed.status_code == 200 and closed.json["status"] == "closed"

    [intent] = stripe_fake.intents.values()
    assert intent["status"] == "canceled"
    assert stripe_fake.calls("POST", f"/v1/payment_intents/{intent['id']}/cancel")
    assert [p.status for p in pledges(pay_app, desire["id"])] == ["released"]
    assert stripe_fake.calls("POST", f"/v1/payment_intents/{intent['id']}/capture") == []
    assert pay_client.get(f"/api/v1/desires/{desire['id']}").json["bounty_cents"] == 0
    assert heat(pay_app, cluster_id) == 0.0
    late = pledge(pay_client, backer, desire["id"], 500)
    assert late.status_code == 409


def test_a_failed_release_keeps_the_close(pay_app, pay_client, stripe_fake, make_user):
    asker = make_user()
    desire = ask(pay_client, asker)
    pledge(pay_client, asker, desire["id"], 1000)
    stripe_fake.fail["cancel"] = StripeError(400, "invalid_request_error", "Try later.")
    closed = pay_client.patch(f"/api/v1/desires/{desire['id']}", json={"status": "closed"},
                              headers=bearer(asker["access_token"]))
    assert closed.status_code == 200 and closed.json["status"] == "closed"
    assert [p.status for p in pledges(pay_app, desire["id"])] == ["release_failed"]


def test_a_desire_deleted_while_its_hold_is_released_is_no_error(pay_app, pay_client,
                                                                 stripe_fake, make_user,
                                                                 monkeypatch, caplog):
    """The released hold has no bounty left to take back: nothing is re-heated, nothing fails."""
    asker = make_user()
    desire = ask(pay_client, asker)
    clustered(pay_app, desire["id"])
    pledge(pay_client, asker, desire["id"], 1000)
    release = bounties._release

    def release_then_delete_the_desire(held: BountyPledge) -> None:
        release(held)
        db.session.execute(sa.delete(Desire).where(Desire.id == desire["id"]))
        db.session.commit()

    monkeypatch.setattr(bounties, "_release", release_then_delete_the_desire)
    with pay_app.app_context():
        bounties.release_pledges(desire["id"])
    [intent] = stripe_fake.intents.values()
    assert intent["status"] == "canceled"
    assert "bounty:" not in caplog.text


def test_the_desire_page_offers_pledging_only_when_payments_are_on(app, pay_app, make_user):
    from tests.payments.test_pro_plan import sign_in

    user = make_user()
    desire = ask(pay_app.test_client(), user)
    on = pay_app.test_client()
    sign_in(on, user)
    html = on.get(f"/desires/{desire['id']}").get_data(as_text=True)
    assert "Pledge a bounty" in html and 'data-role="pledge-form"' in html
    off = app.test_client()
    sign_in(off, user)
    assert "Pledge a bounty" not in off.get(f"/desires/{desire['id']}").get_data(as_text=True)


def test_api_keys_cannot_pledge(pay_app, pay_client, make_user):
    user = make_user()
    desire = ask(pay_client, user)
    with pay_app.app_context():
        from fractafrag.services import apikeys

        _, secret = apikeys.create_key(user["id"], "agent", ["read", "write"])
    answer = pay_client.post(f"/api/v1/desires/{desire['id']}/pledges",
                             json={"amount_cents": 500}, headers={"X-API-Key": secret})
    assert answer.status_code == 403 and "API keys cannot" in answer.json["message"]
