"""Stripe's webhooks: the signature checked, each event applied once, by the module it concerns.

Each event id is processed once: its row in stripe_events is inserted in the same transaction
as its effects. Subscription and invoice events change the Pro plan (plans.py); Checkout events
go by the session's mode: `subscription` to the plan, `payment` to bounty pledges (bounties.py),
like `payment_intent.*` events; `account.updated` is an author's Connect account (connect.py),
and what it enables (sending owed payouts) runs once the event's transaction has committed.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import stripe
from flask import current_app
from sqlalchemy.dialects.postgresql import insert as pg_insert

from fractafrag.extensions import db
from fractafrag.models import StripeEvent
from fractafrag.realtime import broadcast
from fractafrag.services import ServiceError
from fractafrag.services.billing import bounties, connect, plans
from fractafrag.services.billing.stripe_client import client, require

Handler = Callable[[dict[str, Any], dict[str, Any]], Any]


def on_checkout_completed(session: dict[str, Any], event: dict[str, Any]) -> Any:
    """A Checkout finished: a Pro subscription, or a pledge's card hold."""
    if session.get("mode") == "payment":
        return bounties.on_checkout_completed(session, event)
    return plans.on_checkout_completed(session, event)


HANDLERS: dict[str, Handler] = {
    "checkout.session.completed": on_checkout_completed,
    "checkout.session.expired": bounties.on_checkout_expired,
    "account.updated": connect.on_account_updated,
    "customer.subscription.created": plans.on_subscription_event,
    "customer.subscription.updated": plans.on_subscription_event,
    "customer.subscription.deleted": plans.on_subscription_event,
    "invoice.payment_failed": plans.on_invoice_failed,
}

# Run after the event's transaction commits, with the event's object: Stripe calls made there
# must not be undone by a rollback, nor hold the event's locks.
AFTER_COMMIT: dict[str, Callable[[dict[str, Any]], None]] = {
    "account.updated": connect.pay_owed_for_account,
}

SIGNATURE_PROBLEMS = {
    "matching the expected signature": "it does not match the payload and "
                                       "STRIPE_WEBHOOK_SECRET (forged, altered or signed with "
                                       "another secret)",
    "tolerance zone": "its timestamp is more than 5 minutes old (a replayed or delayed "
                      "delivery)",
    "expected scheme": "it has no v1 signature",
    "extract timestamp": "the header is malformed",
}


def handler_for(kind: str) -> Handler | None:
    """The function that applies an event of this type (None: received, not acted on)."""
    if kind.startswith("payment_intent."):
        return bounties.on_payment_intent_event
    return HANDLERS.get(kind)


def verify(payload: bytes, signature: str | None) -> dict[str, Any]:
    """Check the Stripe-Signature of a webhook with the SDK; return the event as plain JSON."""
    require("STRIPE_WEBHOOK_SECRET")
    if not signature:
        raise ServiceError("Missing the Stripe-Signature header: webhooks must come from "
                           "Stripe.", status=400)
    # One secret per endpoint: Connect's events (account.updated) come to an endpoint of their
    # own, with its own secret, at the same address.
    secrets = [part.strip() for part in current_app.config["STRIPE_WEBHOOK_SECRET"].split(",")
               if part.strip()]
    refused: stripe.SignatureVerificationError | None = None
    for secret in secrets:
        try:
            client().construct_event(payload, signature, secret)
        except stripe.SignatureVerificationError as exc:
            refused = exc
        except ValueError as exc:
            raise ServiceError("The webhook body is not a JSON event.", status=400) from exc
        else:
            break
    else:  # no secret (of one or more) verified it
        text = str(refused.user_message or refused) if refused else "no signing secret is set"
        reason = next((why for needle, why in SIGNATURE_PROBLEMS.items() if needle in text), text)
        raise ServiceError(f"The Stripe-Signature was refused: {reason}.", status=400) from refused
    event = json.loads(payload)
    if not isinstance(event, dict) or not event.get("id") or not event.get("type"):
        raise ServiceError("The webhook body is not a Stripe event.", status=400)
    return event


def handle_webhook(payload: bytes, signature: str | None) -> dict[str, Any]:
    """Verify and apply one webhook event, once; replays answer as duplicates and do nothing."""
    event = verify(payload, signature)
    new = db.session.scalar(pg_insert(StripeEvent).values(id=event["id"], type=event["type"])
                            .on_conflict_do_nothing(index_elements=["id"])
                            .returning(StripeEvent.id))
    if new is None:
        db.session.rollback()
        return {"received": True, "duplicate": True, "handled": False}
    handler = handler_for(event["type"])
    changed: list[Any] = []
    try:
        if handler is not None:
            changed = handler(event["data"]["object"], event) or []
        db.session.commit()
    except Exception:
        db.session.rollback()
        raise
    for cluster in changed:
        broadcast.cluster_heat(cluster.id, cluster.heat, cluster.size, cluster.label)
    follow_up = AFTER_COMMIT.get(event["type"])
    if follow_up is not None:
        follow_up(event["data"]["object"])
    return {"received": True, "duplicate": False, "handled": handler is not None}
