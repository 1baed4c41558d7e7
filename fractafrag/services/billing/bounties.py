"""Bounties on desires: card holds (PaymentIntents with manual capture), captured when the asker
accepts a fulfilment and paid to the fulfilling shader's author, released when the desire closes.

- **Pledging** creates a PaymentIntent (`capture_method: manual`, card). With
  STRIPE_TEST_PAYMENT_METHOD set (test mode: `pm_card_visa`) it is confirmed with that method at
  once and comes back `requires_capture`: the hold is in place and the pledge is `authorized`.
  Without it the PaymentIntent waits in `requires_payment_method` and the pledge is `pending`:
  its `client_secret` is what Stripe.js (a Payment Element's `confirmPayment`) confirms in the
  browser, and the `payment_intent.amount_capturable_updated` webhook then authorises it.
- **Heat**: an authorised pledge adds its amount to the desire's `bounty_cents`, so the desire
  weighs more in its cluster (clustering.desire_weight); the cluster is re-heated at once with
  clustering.add_bounty. A hold that Stripe cancels (it expired, 7 days for cards) takes it back.
- **Fulfilment**: once accept_offer has committed, every authorised pledge is captured and a
  Payout of its full amount is recorded for the author of the accepted shader: a Connect
  transfer when they have a `stripe_connect_account_id`, else `owed` (paid by hand; listed to
  them). Pending pledges are cancelled. No platform fee is taken.
- **Closing** cancels every pledge's PaymentIntent (the hold is released).
- Stripe failing there never undoes the desire's change, which is already committed: the pledge
  becomes `capture_failed` or `release_failed` and the failure is logged.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
import stripe
from flask import current_app
from sqlalchemy.exc import SQLAlchemyError

from fractafrag.extensions import db
from fractafrag.models import BountyPledge, Desire, DesireCluster, Payout, Shader
from fractafrag.realtime import broadcast
from fractafrag.services import Conflict, NotFound
from fractafrag.services.billing.plans import account_of
from fractafrag.services.billing.stripe_client import (
    PaymentsOff,
    api,
    id_of,
    require,
    stripe_errors,
)
from fractafrag.services.clustering import add_bounty, lock_clustering

log = logging.getLogger(__name__)

MIN_CENTS = 100
MAX_CENTS = 1_000_000
CURRENCY = "usd"
# PaymentIntent status → pledge status.
PLEDGE_STATUS = {
    "requires_capture": "authorized",
    "succeeded": "captured",
    "canceled": "released",
}
OPEN_STATUSES = ("pending", "authorized")


def _pledge_status(intent_status: str) -> str:
    return PLEDGE_STATUS.get(intent_status, "pending")


def _locked_desire(desire_id: int) -> Desire | None:
    """The desire's row, locked after the clustering lock (the order process_desire uses)."""
    lock_clustering()
    return db.session.scalar(sa.select(Desire).where(Desire.id == desire_id).with_for_update()
                             .execution_options(populate_existing=True))


def _announce(cluster: DesireCluster | None) -> None:
    if cluster is not None:
        broadcast.cluster_heat(cluster.id, cluster.heat, cluster.size, cluster.label)


def create_pledge(desire_id: int, user_id: int, amount_cents: int
                  ) -> tuple[BountyPledge, str | None]:
    """Pledge money to an open desire; return the pledge and the PaymentIntent's client_secret."""
    require()
    desire = db.session.get(Desire, desire_id)
    if desire is None:
        raise NotFound(f"No desire {desire_id}.")
    if desire.status != "open":
        raise Conflict(f"This desire is {desire.status}; it takes no more pledges.")
    params: dict[str, Any] = {
        "amount": amount_cents,
        "currency": CURRENCY,
        "capture_method": "manual",
        "payment_method_types": ["card"],
        "description": f"Fractafrag bounty for desire {desire_id}: {desire.prompt[:200]}",
        "metadata": {"desire_id": str(desire_id), "user_id": str(user_id)},
        "transfer_group": f"desire-{desire_id}",
    }
    test_method = current_app.config.get("STRIPE_TEST_PAYMENT_METHOD")
    if test_method:
        params.update(payment_method=test_method, confirm=True)
    with stripe_errors("authorise the pledge"):
        intent = api().payment_intents.create(params=params)
    status = _pledge_status(intent.status)

    try:
        desire = _locked_desire(desire_id)
        if desire is None or desire.status != "open":
            raise Conflict("This desire was closed or fulfilled meanwhile; nothing was charged.")
        pledge = BountyPledge(desire_id=desire_id, user_id=user_id, amount_cents=amount_cents,
                              currency=CURRENCY, payment_intent_id=intent.id, status=status)
        db.session.add(pledge)
        cluster = None
        if status == "authorized":
            cluster = add_bounty(desire, amount_cents, datetime.now(UTC))
        db.session.commit()
    except Exception:
        # Not recorded here, so not held either: let the card go.
        db.session.rollback()
        _cancel_quietly(intent.id)
        raise
    _announce(cluster)
    return pledge, intent.client_secret


def _cancel_quietly(intent_id: str) -> bool:
    """Cancel a PaymentIntent; log (and return False) if Stripe refuses."""
    try:
        api().payment_intents.cancel(
            intent_id, options={"idempotency_key": f"cancel-{intent_id}"})
    except stripe.StripeError:
        log.exception("stripe: could not cancel PaymentIntent %s", intent_id)
        return False
    return True


def pledges_of(desire_id: int) -> list[BountyPledge]:
    """Every pledge made to a desire, oldest first."""
    if db.session.get(Desire, desire_id) is None:
        raise NotFound(f"No desire {desire_id}.")
    return list(db.session.scalars(sa.select(BountyPledge).where(
        BountyPledge.desire_id == desire_id).order_by(BountyPledge.id)))


def payouts_of(user_id: int) -> list[dict[str, Any]]:
    """What the user was paid or is owed for fulfilled desires, newest first."""
    rows = db.session.execute(
        sa.select(Payout, BountyPledge.desire_id, BountyPledge.currency)
        .join(BountyPledge, BountyPledge.id == Payout.pledge_id)
        .where(Payout.user_id == user_id).order_by(Payout.id.desc())).all()
    return [{"id": payout.id, "desire_id": desire_id, "amount_cents": payout.amount_cents,
             "currency": currency, "status": payout.status,
             "stripe_transfer_id": payout.stripe_transfer_id, "created_at": payout.created_at}
            for payout, desire_id, currency in rows]


def _open_pledges(desire_id: int) -> list[BountyPledge]:
    return list(db.session.scalars(sa.select(BountyPledge).where(
        BountyPledge.desire_id == desire_id, BountyPledge.status.in_(OPEN_STATUSES))
        .order_by(BountyPledge.id)))


def settle_fulfilled(desire_id: int) -> None:
    """After a fulfilment is accepted: capture authorised pledges, record payouts to the
    accepted shader's author, cancel pending ones. Never raises for Stripe or the database:
    failures are recorded and logged."""
    pledges = _open_pledges(desire_id)
    if not pledges:
        return
    desire = db.session.get(Desire, desire_id)
    shader = None
    if desire is not None and desire.fulfilled_by_id:
        shader = db.session.get(Shader, desire.fulfilled_by_id)
    for pledge in pledges:
        try:
            if pledge.status == "pending" or shader is None:
                _release(pledge)
            else:
                _capture(pledge, shader.owner_id)
        except SQLAlchemyError:
            db.session.rollback()
            log.exception("bounty: settling pledge %s of desire %s failed", pledge.id, desire_id)


def _capture(pledge: BountyPledge, payee_id: int) -> None:
    intent_id = pledge.payment_intent_id
    try:
        require()
        intent = api().payment_intents.capture(
            intent_id, options={"idempotency_key": f"capture-{intent_id}"})
    except (stripe.StripeError, PaymentsOff) as exc:
        log.error("bounty: capture of pledge %s (%s) failed: %s", pledge.id, intent_id, exc)
        pledge.status = "capture_failed"
        db.session.commit()
        return
    pledge.status = "captured"
    payout = Payout(pledge_id=pledge.id, user_id=payee_id, amount_cents=pledge.amount_cents,
                    status="owed")
    db.session.add(payout)
    db.session.commit()
    account = account_of(payee_id)
    if account is None or not account.stripe_connect_account_id:
        return
    params: dict[str, Any] = {
        "amount": pledge.amount_cents, "currency": pledge.currency,
        "destination": account.stripe_connect_account_id,
        "transfer_group": f"desire-{pledge.desire_id}",
        "metadata": {"pledge_id": str(pledge.id), "desire_id": str(pledge.desire_id)},
    }
    charge = id_of(getattr(intent, "latest_charge", None))
    if charge:
        params["source_transaction"] = charge  # paid out of this charge's funds
    try:
        transfer = api().transfers.create(
            params=params, options={"idempotency_key": f"transfer-{intent_id}"})
    except stripe.StripeError as exc:
        log.error("bounty: transfer for pledge %s failed (payout %s stays owed): %s",
                  pledge.id, payout.id, exc)
        return
    payout.stripe_transfer_id = transfer.id
    payout.status = "transferred"
    db.session.commit()


def _release(pledge: BountyPledge) -> bool:
    """Cancel the pledge's PaymentIntent (the hold is let go); the caller handles heat.
    Return whether it was released (else it is recorded as release_failed)."""
    intent_id = pledge.payment_intent_id
    try:
        require()
        if intent_id:
            api().payment_intents.cancel(
                intent_id, options={"idempotency_key": f"cancel-{intent_id}"})
    except (stripe.StripeError, PaymentsOff) as exc:
        log.error("bounty: release of pledge %s (%s) failed: %s", pledge.id, intent_id, exc)
        released = False
    else:
        released = True
    pledge.status = "released" if released else "release_failed"
    db.session.commit()
    return released


def release_pledges(desire_id: int) -> None:
    """After a desire is closed: release every pledge's hold. Never raises for Stripe or the
    database (the close is already committed): failures are recorded and logged."""
    # Read before the first commit expires them: the desire may be deleted meanwhile.
    held = [(pledge, pledge.id, pledge.amount_cents, pledge.status == "authorized")
            for pledge in _open_pledges(desire_id)]
    for pledge, pledge_id, cents, authorised in held:
        try:
            if _release(pledge) and authorised:
                _take_back_bounty(desire_id, cents)
        except SQLAlchemyError:
            db.session.rollback()
            log.exception("bounty: releasing pledge %s of desire %s failed", pledge_id,
                          desire_id)


def _take_back_bounty(desire_id: int, cents: int) -> None:
    """Take a released hold out of the desire's bounty; a desire deleted meanwhile has none."""
    desire = _locked_desire(desire_id)
    if desire is not None:
        # The closed desire has left its cluster; its bounty shows what is still held.
        add_bounty(desire, -cents, datetime.now(UTC))
    db.session.commit()


def on_payment_intent_event(intent: dict[str, Any], event: dict[str, Any]
                            ) -> list[DesireCluster]:
    """Webhook: a pledge's PaymentIntent was authorised, failed or cancelled by Stripe."""
    pledge = db.session.scalar(sa.select(BountyPledge).where(
        BountyPledge.payment_intent_id == intent.get("id")).with_for_update())
    if pledge is None:
        return []
    kind = event["type"]
    delta = 0
    if kind == "payment_intent.amount_capturable_updated" and pledge.status == "pending" \
            and intent.get("status") == "requires_capture":
        pledge.status = "authorized"
        delta = pledge.amount_cents
    elif kind == "payment_intent.canceled" and pledge.status in (*OPEN_STATUSES,
                                                                 "release_failed"):
        delta = -pledge.amount_cents if pledge.status == "authorized" else 0
        pledge.status = "released" if pledge.status == "release_failed" else "failed"
    elif kind == "payment_intent.payment_failed" and pledge.status == "pending":
        pledge.status = "failed"
    if not delta:
        return []
    desire = _locked_desire(pledge.desire_id)
    if desire is None or (delta > 0 and desire.status != "open"):
        # Authorised after its desire was closed or fulfilled: let the hold go.
        if delta > 0:
            released = _cancel_quietly(pledge.payment_intent_id)
            pledge.status = "released" if released else "release_failed"
        return []
    cluster = add_bounty(desire, delta, datetime.now(UTC))
    return [cluster] if cluster is not None else []
