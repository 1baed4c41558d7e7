"""Stripe's webhooks: the signature checked, each event applied once, by the module it concerns.

Each event id is processed once: its row in stripe_events is inserted in the same transaction
as its effects. Checkout, subscription and invoice events change the Pro plan (plans.py);
`payment_intent.*` events are bounty pledges (bounties.py).
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
from fractafrag.services.billing import bounties, plans
from fractafrag.services.billing.stripe_client import client, require

Handler = Callable[[dict[str, Any], dict[str, Any]], Any]

HANDLERS: dict[str, Handler] = {
    "checkout.session.completed": plans.on_checkout_completed,
    "customer.subscription.created": plans.on_subscription_event,
    "customer.subscription.updated": plans.on_subscription_event,
    "customer.subscription.deleted": plans.on_subscription_event,
    "invoice.payment_failed": plans.on_invoice_failed,
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
    try:
        client().construct_event(payload, signature, current_app.config["STRIPE_WEBHOOK_SECRET"])
    except stripe.SignatureVerificationError as exc:
        text = str(exc.user_message or exc)
        reason = next((why for needle, why in SIGNATURE_PROBLEMS.items() if needle in text), text)
        raise ServiceError(f"The Stripe-Signature was refused: {reason}.", status=400) from exc
    except ValueError as exc:
        raise ServiceError("The webhook body is not a JSON event.", status=400) from exc
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
    return {"received": True, "duplicate": False, "handled": handler is not None}
