"""Bounties on desires: card holds (PaymentIntents with manual capture), captured when the asker
accepts a fulfilment and paid to the fulfilling shader's author, released when the desire closes.

- **Pledging** records a `pending` pledge and creates a Stripe Checkout Session for it
  (`payment` mode, the amount as inline price data, `payment_intent_data[capture_method]=manual`,
  the pledge id in metadata); the pledger pays on Stripe's hosted page, so no card data and no
  Stripe script touch our pages. The `checkout.session.completed` webhook (or the success return,
  which reads the session back) records the PaymentIntent and makes the pledge `authorized`;
  `checkout.session.expired` or the cancel return make it `abandoned` (nothing is held). With
  STRIPE_TEST_PAYMENT_METHOD set (test mode: `pm_card_visa`) the PaymentIntent is instead
  created and confirmed at once with that method: the pledge is `authorized` straight away.
- **Heat**: an authorised pledge adds its amount to the desire's `bounty_cents`, so the desire
  weighs more in its cluster (clustering.desire_weight); the cluster is re-heated at once with
  clustering.add_bounty. A hold that Stripe cancels (it expired, 7 days for cards) takes it back
  and the pledger sees it as `failed` on the desire's page, with a form to pledge again.
- **Fulfilment**: once accept_offer has committed, every authorised pledge is captured and a
  Payout of its full amount is recorded for the author of the accepted shader: transferred at
  once when their Connect account is enabled, else `owed` until it is (connect.py). Pending
  pledges are cancelled. No platform fee is taken.
- **Closing** cancels every pledge's PaymentIntent (the hold is released).
- Stripe failing there never undoes the desire's change, which is already committed: the pledge
  becomes `capture_failed` or `release_failed` and the failure is logged. A Checkout Session
  that Stripe will not create leaves the pledge `failed` (nothing held; pledge again).

One module (~470 lines) because a pledge's life is one state machine (pending, authorized,
captured, released, abandoned, failed …) whose transitions come from the API, the desire's own
changes and Stripe's webhooks in any order; each transition is written once, here. Stripe's
wire format is in stripe_client.py, webhook routing in webhooks.py, Connect in connect.py.
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
from fractafrag.services.billing.connect import transfer_payout
from fractafrag.services.billing.stripe_client import (
    PaymentsOff,
    api,
    id_of,
    plain,
    require,
    stripe_errors,
)
from fractafrag.services.clustering import add_bounty, lock_clustering
from fractafrag.urls import public_url

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
# What a completed Checkout can still turn into a hold: a cancel return that raced the payment
# leaves `abandoned` only when Stripe agreed to expire the session, but Stripe's word wins.
AUTHORISABLE = ("pending", "abandoned")
# Settled before any money was held (Stripe's answer to the session's creation was lost, or the
# desire was fulfilled or closed while the pledger was still on Checkout): if Stripe reports a
# hold after all, it is recorded, and let go at once unless the desire is still open.
SETTLED_UNHELD = ("failed", "released", "release_failed")


def _may_hold(pledge: BountyPledge) -> bool:
    """Whether a hold Stripe reports for this pledge (not linked to a PaymentIntent yet) is
    to be recorded as authorised."""
    return pledge.status in AUTHORISABLE or (pledge.status in SETTLED_UNHELD
                                             and pledge.payment_intent_id is None)


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


def create_pledge(desire_id: int, user_id: int, amount_cents: int) -> BountyPledge:
    """Pledge money to an open desire: a pending pledge with a Checkout page to pay on
    (`checkout_url`), or in test mode a hold authorised at once."""
    require()
    desire = db.session.get(Desire, desire_id)
    if desire is None:
        raise NotFound(f"No desire {desire_id}.")
    if desire.status != "open":
        raise Conflict(f"This desire is {desire.status}; it takes no more pledges.")
    if current_app.config.get("STRIPE_TEST_PAYMENT_METHOD"):
        return _pledge_with_test_card(desire, user_id, amount_cents)
    pledge = BountyPledge(desire_id=desire_id, user_id=user_id, amount_cents=amount_cents,
                          currency=CURRENCY, status="pending")
    db.session.add(pledge)
    db.session.commit()
    try:
        with stripe_errors("start the checkout"):
            session = api().checkout.sessions.create(
                params=_checkout_params(pledge, desire.prompt),
                options={"idempotency_key": f"pledge-checkout-{pledge.id}"})
    except Exception:
        db.session.rollback()
        pledge.status = "failed"  # nothing was held; the pledger may simply pledge again
        db.session.commit()
        raise
    pledge.checkout_session_id = session.id
    pledge.checkout_url = session.url
    db.session.commit()
    return pledge


def _checkout_params(pledge: BountyPledge, prompt: str) -> dict[str, Any]:
    """A Checkout Session holding the pledge's amount on a card (captured on fulfilment)."""
    ids = {"pledge_id": str(pledge.id), "desire_id": str(pledge.desire_id),
           "user_id": str(pledge.user_id)}
    back = {"desire_id": pledge.desire_id, "pledge_id": pledge.id}
    return {
        "mode": "payment",
        "payment_method_types": ["card"],
        "line_items": [{"quantity": 1, "price_data": {
            "currency": pledge.currency, "unit_amount": pledge.amount_cents,
            "product_data": {"name": f"Bounty for desire #{pledge.desire_id}",
                             "description": prompt[:200]}}}],
        "payment_intent_data": {
            "capture_method": "manual",
            "description": f"Fractafrag bounty for desire {pledge.desire_id}: {prompt[:200]}",
            "metadata": ids, "transfer_group": f"desire-{pledge.desire_id}"},
        "client_reference_id": str(pledge.user_id),
        "metadata": ids,
        "success_url": public_url("desire_pages.pledge_return", outcome="paid", **back),
        "cancel_url": public_url("desire_pages.pledge_return", outcome="cancelled", **back),
    }


def _pledge_with_test_card(desire: Desire, user_id: int, amount_cents: int) -> BountyPledge:
    """Test mode: a PaymentIntent confirmed at once with STRIPE_TEST_PAYMENT_METHOD."""
    desire_id = desire.id
    params: dict[str, Any] = {
        "amount": amount_cents,
        "currency": CURRENCY,
        "capture_method": "manual",
        "payment_method_types": ["card"],
        "description": f"Fractafrag bounty for desire {desire_id}: {desire.prompt[:200]}",
        "metadata": {"desire_id": str(desire_id), "user_id": str(user_id)},
        "transfer_group": f"desire-{desire_id}",
        "payment_method": current_app.config["STRIPE_TEST_PAYMENT_METHOD"],
        "confirm": True,
    }
    with stripe_errors("authorise the pledge"):
        intent = api().payment_intents.create(params=params)
    status = _pledge_status(intent.status)

    try:
        locked = _locked_desire(desire_id)
        if locked is None or locked.status != "open":
            raise Conflict("This desire was closed or fulfilled meanwhile; nothing was charged.")
        pledge = BountyPledge(desire_id=desire_id, user_id=user_id, amount_cents=amount_cents,
                              currency=CURRENCY, payment_intent_id=intent.id, status=status)
        db.session.add(pledge)
        cluster = None
        if status == "authorized":
            cluster = add_bounty(locked, amount_cents, datetime.now(UTC))
        db.session.commit()
    except Exception:
        # Not recorded here, so not held either: let the card go.
        db.session.rollback()
        _cancel_quietly(intent.id)
        raise
    _announce(cluster)
    return pledge


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
    transfer_payout(payout, charge=id_of(getattr(intent, "latest_charge", None)))


def _release(pledge: BountyPledge) -> bool:
    """Cancel the pledge's PaymentIntent (the hold is let go); the caller handles heat.
    Return whether it was released (else it is recorded as release_failed)."""
    intent_id = pledge.payment_intent_id
    try:
        require()
        if intent_id:
            api().payment_intents.cancel(
                intent_id, options={"idempotency_key": f"cancel-{intent_id}"})
        elif pledge.checkout_session_id:
            _expire_checkout(pledge.checkout_session_id)
    except (stripe.StripeError, PaymentsOff) as exc:
        log.error("bounty: release of pledge %s (%s) failed: %s", pledge.id, intent_id, exc)
        released = False
    else:
        released = True
    pledge.status = "released" if released else "release_failed"
    db.session.commit()
    return released


def _expire_checkout(session_id: str) -> None:
    """Close a pledge's Checkout so it can no longer be paid; one that is no longer open was
    paid or lapsed meanwhile, and its webhook settles it."""
    try:
        api().checkout.sessions.expire(session_id)
    except stripe.InvalidRequestError as exc:
        log.info("bounty: checkout %s was not open to expire: %s", session_id, exc)


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


def _pledge_of_intent(intent: dict[str, Any]) -> tuple[BountyPledge, bool] | None:
    """The pledge a PaymentIntent holds money for, locked: by its id, or (a Checkout's
    PaymentIntent reported before checkout.session.completed) by the pledge id in metadata;
    and whether a hold of it is to be recorded as authorised (_may_hold, before linking)."""
    pledge: BountyPledge | None = db.session.scalar(sa.select(BountyPledge).where(
        BountyPledge.payment_intent_id == intent.get("id")).with_for_update())
    if pledge is not None:
        return pledge, pledge.status in AUTHORISABLE
    pledge = _locked_pledge((intent.get("metadata") or {}).get("pledge_id"))
    if pledge is None or pledge.payment_intent_id is not None:
        return None
    may_hold = _may_hold(pledge)
    pledge.payment_intent_id = intent.get("id")
    return pledge, may_hold


def _locked_pledge(raw_id: Any) -> BountyPledge | None:
    try:
        pledge_id = int(raw_id)
    except (TypeError, ValueError):
        return None
    pledge: BountyPledge | None = db.session.scalar(
        sa.select(BountyPledge).where(BountyPledge.id == pledge_id).with_for_update()
        .execution_options(populate_existing=True))
    return pledge


def on_payment_intent_event(intent: dict[str, Any], event: dict[str, Any]
                            ) -> list[DesireCluster]:
    """Webhook: a pledge's PaymentIntent was authorised, failed or cancelled by Stripe."""
    found = _pledge_of_intent(intent)
    if found is None:
        return []
    pledge, may_hold = found
    kind = event["type"]
    delta = 0
    if kind == "payment_intent.amount_capturable_updated" and may_hold \
            and intent.get("status") == "requires_capture":
        pledge.status = "authorized"
        delta = pledge.amount_cents
    elif kind == "payment_intent.canceled" and pledge.status in (*OPEN_STATUSES,
                                                                 "release_failed"):
        delta = -pledge.amount_cents if pledge.status == "authorized" else 0
        pledge.status = "released" if pledge.status == "release_failed" else "failed"
    elif kind == "payment_intent.payment_failed" and pledge.status == "pending":
        pledge.status = "failed"
    return _reheat(pledge, delta)


def _reheat(pledge: BountyPledge, delta: int) -> list[DesireCluster]:
    """Move the pledge's desire's bounty by delta; a hold authorised after its desire was
    closed or fulfilled is let go instead. Return the cluster to announce."""
    if not delta:
        return []
    desire = _locked_desire(pledge.desire_id)
    if desire is None or (delta > 0 and desire.status != "open"):
        if delta > 0 and pledge.payment_intent_id:
            released = _cancel_quietly(pledge.payment_intent_id)
            pledge.status = "released" if released else "release_failed"
        return []
    cluster = add_bounty(desire, delta, datetime.now(UTC))
    return [cluster] if cluster is not None else []


def _pledge_of_session(session: dict[str, Any]) -> BountyPledge | None:
    """The pledge a Checkout Session was made for, locked (None: not a pledge of ours)."""
    pledge = db.session.scalar(sa.select(BountyPledge).where(
        BountyPledge.checkout_session_id == session.get("id")).with_for_update()
        .execution_options(populate_existing=True))
    if pledge is None:
        pledge = _locked_pledge((session.get("metadata") or {}).get("pledge_id"))
        if pledge is not None and pledge.checkout_session_id not in (None, session.get("id")):
            return None
    return pledge


def _apply_session(pledge: BountyPledge, session: dict[str, Any]) -> list[DesireCluster]:
    """Bring a pending pledge in line with its Checkout Session: complete → the hold is in
    place (authorized); expired → abandoned. Anything already settled is left alone."""
    status = session.get("status")
    if status == "expired" and pledge.status == "pending":
        pledge.status = "abandoned"
        return []
    intent_id = id_of(session.get("payment_intent"))
    if status != "complete" or not intent_id or not _may_hold(pledge):
        if intent_id and pledge.payment_intent_id is None:
            pledge.payment_intent_id = intent_id
        return []
    pledge.payment_intent_id = intent_id
    pledge.checkout_session_id = pledge.checkout_session_id or session.get("id")
    pledge.status = "authorized"
    return _reheat(pledge, pledge.amount_cents)


def on_checkout_completed(session: dict[str, Any], event: dict[str, Any]
                          ) -> list[DesireCluster]:
    """Webhook: a pledger paid on Checkout; the card hold is in place and heats the desire."""
    if session.get("mode") != "payment":
        return []
    pledge = _pledge_of_session(session)
    return _apply_session(pledge, session) if pledge is not None else []


def on_checkout_expired(session: dict[str, Any], event: dict[str, Any]) -> list[DesireCluster]:
    """Webhook: a Checkout lapsed unpaid; its pending pledge is abandoned."""
    if session.get("mode") != "payment":
        return []
    pledge = _pledge_of_session(session)
    return _apply_session(pledge, session) if pledge is not None else []


def _own_pledge(desire_id: int, pledge_id: int, user_id: int) -> BountyPledge:
    pledge = db.session.get(BountyPledge, pledge_id)
    if pledge is None or pledge.desire_id != desire_id or pledge.user_id != user_id:
        raise NotFound(f"You have no pledge {pledge_id} on desire {desire_id}.")
    return pledge


def return_from_checkout(desire_id: int, pledge_id: int, user_id: int, outcome: str
                         ) -> BountyPledge:
    """The pledger came back from Checkout (`paid` or `cancelled`): read the session back so the
    pledge shows its state without waiting for the webhook; a cancel expires the session (so it
    cannot be paid later) and abandons the pledge. Stripe failing leaves the pledge pending."""
    pledge = _own_pledge(desire_id, pledge_id, user_id)
    if pledge.status != "pending" or not pledge.checkout_session_id:
        return pledge
    session_id = pledge.checkout_session_id
    try:
        require()
        if outcome == "cancelled":
            try:
                state = api().checkout.sessions.expire(session_id)
            except stripe.InvalidRequestError:
                # No longer open: it was paid (or lapsed) meanwhile; Stripe's state wins.
                state = api().checkout.sessions.retrieve(session_id)
        else:
            state = api().checkout.sessions.retrieve(session_id)
    except (stripe.StripeError, PaymentsOff) as exc:
        log.warning("bounty: could not read checkout %s of pledge %s: %s", session_id,
                    pledge_id, exc)
        return pledge
    locked = _locked_pledge(pledge_id)
    if locked is None:  # deleted meanwhile, with its desire
        db.session.rollback()
        return pledge
    changed = _apply_session(locked, plain(state))
    db.session.commit()
    for cluster in changed:
        _announce(cluster)
    return locked
