"""Payments with Stripe: the client, the Pro plan (Checkout, billing portal) and webhooks.

Payments are on when STRIPE_SECRET_KEY is set; otherwise every payment action raises
PaymentsOff (503) and pages hide the payment UI. One StripeClient per app talks to Stripe, or
to STRIPE_API_BASE (a proxy, or the loopback fake in tests).

The plan follows the subscription, as Stripe's webhooks report it (each event id is processed
once: its row in stripe_events is inserted in the same transaction as its effects):

- `checkout.session.completed`: the customer and subscription are linked to the user named
  by `client_reference_id` / `metadata.user_id`; the subscription is read back for its state.
- `customer.subscription.created|updated|deleted`: `active` and `trialing` make the user Pro
  until the period ends (`pro_until`); `past_due` keeps Pro while Stripe retries the payment;
  `canceled`, `unpaid`, `incomplete_expired` and `paused` make the user free; `incomplete` (the
  first payment still open) changes nothing. An event older than the last one applied to the
  account is ignored, since Stripe does not promise to deliver events in order.
- `invoice.payment_failed`: the account's status becomes `past_due` and the plan is kept: the
  subscription's own update (to `unpaid` or `canceled` once retries are exhausted) ends Pro.
- `payment_intent.*`: bounty pledges (services/bounties.py).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
import stripe
from flask import current_app
from sqlalchemy.dialects.postgresql import insert as pg_insert

from fractafrag.extensions import db
from fractafrag.models import BillingAccount, StripeEvent, User
from fractafrag.realtime import broadcast
from fractafrag.services import Conflict, NotFound, ServiceError
from fractafrag.services.quota import is_pro

log = logging.getLogger(__name__)

PRO_STATUSES = ("active", "trialing")
KEEP_STATUSES = ("past_due",)
FREE_STATUSES = ("canceled", "unpaid", "incomplete_expired", "paused")
CLIENT_KEY = "fractafrag_stripe"


class PaymentsOff(ServiceError):
    """This instance has no Stripe settings (or lacks the one needed)."""

    status = 503


class PaymentFailed(ServiceError):
    """Stripe refused or could not be reached."""

    status = 502


def enabled() -> bool:
    """True when payments are configured (STRIPE_SECRET_KEY is set)."""
    return bool(current_app.config.get("STRIPE_SECRET_KEY"))


def require(*settings: str) -> None:
    """Raise PaymentsOff naming the first of STRIPE_SECRET_KEY and `settings` that is unset."""
    for setting in ("STRIPE_SECRET_KEY", *settings):
        if not current_app.config.get(setting):
            raise PaymentsOff(f"Payments are not configured on this instance ({setting}).")


def client() -> stripe.StripeClient:
    """The app's StripeClient (made once per key and address)."""
    key = current_app.config["STRIPE_SECRET_KEY"]
    base = current_app.config.get("STRIPE_API_BASE") or ""
    cached = current_app.extensions.get(CLIENT_KEY)
    if cached is None or cached[0] != (key, base):
        options: dict[str, Any] = {"max_network_retries": 2}
        if base:
            options["base_addresses"] = {"api": base.rstrip("/")}
        cached = ((key, base), stripe.StripeClient(key, **options))
        current_app.extensions[CLIENT_KEY] = cached
    return cached[1]


def api() -> Any:
    """Stripe's v1 services (StripeClient.v1 on SDKs that have it, the client itself before)."""
    stripe_client = client()
    return getattr(stripe_client, "v1", stripe_client)


@contextmanager
def stripe_errors(action: str) -> Iterator[None]:
    """Turn Stripe's exceptions into ServiceErrors: a declined card is 402, the rest 502."""
    try:
        yield
    except stripe.CardError as exc:
        raise ServiceError(exc.user_message or "The card was declined.", status=402) from exc
    except stripe.StripeError as exc:
        log.warning("stripe: could not %s: %s", action, exc)
        detail = exc.user_message or str(exc) or type(exc).__name__
        raise PaymentFailed(f"Stripe could not {action}: {detail}") from exc


def _now() -> datetime:
    return datetime.now(UTC)


def _timestamp(value: Any) -> datetime | None:
    return datetime.fromtimestamp(int(value), UTC) if value else None


def account_of(user_id: int) -> BillingAccount | None:
    """The user's billing account, if they have one."""
    return db.session.get(BillingAccount, user_id)


def _locked_account(user_id: int) -> BillingAccount:
    """The user's billing account, created if missing, locked for this transaction."""
    db.session.execute(pg_insert(BillingAccount).values(user_id=user_id)
                       .on_conflict_do_nothing(index_elements=["user_id"]))
    return db.session.scalar(sa.select(BillingAccount).where(BillingAccount.user_id == user_id)
                             .with_for_update().execution_options(populate_existing=True))


def customer_id_for(user: User) -> str:
    """The user's Stripe customer, created (once: the account row is locked) if missing."""
    account = _locked_account(user.id)
    if not account.stripe_customer_id:
        with stripe_errors("create a customer"):
            customer = api().customers.create(params={
                "email": user.email, "name": user.display_name or user.username,
                "metadata": {"user_id": str(user.id), "username": user.username}})
        account.stripe_customer_id = customer.id
    customer_id = account.stripe_customer_id
    db.session.commit()
    return customer_id


def checkout_url(user_id: int, success_url: str, cancel_url: str) -> str:
    """Start a Stripe Checkout for the Pro subscription; return the page to send the user to."""
    require("STRIPE_PRICE_PRO")
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound("The account no longer exists.")
    if is_pro(user, _now()):
        raise Conflict("You are already on Pro; manage your subscription in the billing portal.")
    customer = customer_id_for(user)
    with stripe_errors("start the checkout"):
        session = api().checkout.sessions.create(params={
            "mode": "subscription",
            "line_items": [{"price": current_app.config["STRIPE_PRICE_PRO"], "quantity": 1}],
            "customer": customer,
            "client_reference_id": str(user.id),
            "metadata": {"user_id": str(user.id)},
            "subscription_data": {"metadata": {"user_id": str(user.id)}},
            "success_url": success_url,
            "cancel_url": cancel_url,
        })
    return session.url


def portal_url(user_id: int, return_url: str) -> str:
    """A Stripe billing portal session for the user's customer (Conflict without one)."""
    require()
    account = account_of(user_id)
    if account is None or not account.stripe_customer_id:
        raise Conflict("You have no billing account yet: upgrade to Pro first.")
    with stripe_errors("open the billing portal"):
        session = api().billing_portal.sessions.create(params={
            "customer": account.stripe_customer_id, "return_url": return_url})
    return session.url


def plan_of(user: User) -> dict[str, Any]:
    """What the settings page and the API show of a user's plan."""
    account = account_of(user.id)
    now = _now()
    return {
        "tier": user.tier,
        "pro": is_pro(user, now),
        "pro_until": user.pro_until,
        "status": account.subscription_status if account else None,
        "cancel_at_period_end": bool(account and account.cancel_at_period_end),
        "has_customer": bool(account and account.stripe_customer_id),
        "subscribed": bool(account and account.stripe_subscription_id),
    }


# ----------------------------------------------------------------------------- webhooks

SIGNATURE_PROBLEMS = {
    "matching the expected signature": "it does not match the payload and "
                                       "STRIPE_WEBHOOK_SECRET (forged, altered or signed with "
                                       "another secret)",
    "tolerance zone": "its timestamp is more than 5 minutes old (a replayed or delayed "
                      "delivery)",
    "expected scheme": "it has no v1 signature",
    "extract timestamp": "the header is malformed",
}


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
    from fractafrag.services import bounties

    event = verify(payload, signature)
    new = db.session.scalar(pg_insert(StripeEvent).values(id=event["id"], type=event["type"])
                            .on_conflict_do_nothing(index_elements=["id"])
                            .returning(StripeEvent.id))
    if new is None:
        db.session.rollback()
        return {"received": True, "duplicate": True, "handled": False}
    handler = HANDLERS.get(event["type"])
    if handler is None and event["type"].startswith("payment_intent."):
        handler = bounties.on_payment_intent_event
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


def _user_id_of(obj: dict[str, Any]) -> int | None:
    raw = obj.get("client_reference_id") or (obj.get("metadata") or {}).get("user_id")
    try:
        return int(raw) if raw is not None else None
    except (TypeError, ValueError):
        return None


def _period_end(subscription: dict[str, Any]) -> datetime | None:
    """The subscription's current period end (on its items since API version 2025-03-31)."""
    end = subscription.get("current_period_end")
    if not end:
        items = (subscription.get("items") or {}).get("data") or []
        ends = [item.get("current_period_end") for item in items if item.get("current_period_end")]
        end = max(ends) if ends else None
    return _timestamp(end)


def id_of(value: Any) -> str | None:
    """An id from a field that holds either the id or the expanded object."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, dict):
        return value.get("id")
    return getattr(value, "id", None)


def _account_for(customer: str | None, subscription: str | None,
                 user_id: int | None) -> BillingAccount | None:
    """The billing account a Stripe object belongs to, locked; None when it is not ours."""
    for column, value in ((BillingAccount.stripe_subscription_id, subscription),
                          (BillingAccount.stripe_customer_id, customer)):
        if value:
            found = db.session.scalar(sa.select(BillingAccount).where(column == value)
                                      .with_for_update()
                                      .execution_options(populate_existing=True))
            if found is not None:
                return found
    if user_id is not None and db.session.get(User, user_id) is not None:
        return _locked_account(user_id)
    return None


def apply_subscription(subscription: dict[str, Any], seen_at: datetime) -> None:
    """Bring the account and the user's plan in line with a subscription's state at `seen_at`."""
    account = _account_for(id_of(subscription.get("customer")), subscription.get("id"),
                           _user_id_of(subscription))
    if account is None:
        log.warning("stripe: subscription %s belongs to no account here", subscription.get("id"))
        return
    status = subscription.get("status")
    if account.stripe_subscription_id not in (None, subscription["id"]) and \
            status not in PRO_STATUSES:
        log.info("stripe: ignoring %s of the replaced subscription %s", status,
                 subscription["id"])
        return
    if account.subscription_event_at is not None and seen_at < account.subscription_event_at:
        log.info("stripe: ignoring an older event of subscription %s", subscription["id"])
        return
    customer = id_of(subscription.get("customer"))
    if customer and not account.stripe_customer_id:
        account.stripe_customer_id = customer
    account.stripe_subscription_id = subscription["id"]
    account.subscription_status = status
    account.current_period_end = _period_end(subscription)
    account.cancel_at_period_end = bool(subscription.get("cancel_at_period_end")
                                        or subscription.get("cancel_at"))
    account.subscription_event_at = seen_at
    user = db.session.scalar(sa.select(User).where(User.id == account.user_id).with_for_update())
    if status in PRO_STATUSES or (status in KEEP_STATUSES and user.tier == "pro"):
        user.tier = "pro"
        user.pro_until = account.current_period_end
    elif status in FREE_STATUSES:
        user.tier = "free"
        user.pro_until = None


def _on_checkout_completed(session: dict[str, Any], event: dict[str, Any]) -> None:
    if session.get("mode") != "subscription":
        return
    customer, subscription = id_of(session.get("customer")), id_of(session.get("subscription"))
    user_id = _user_id_of(session)
    account = _account_for(customer, None, user_id)
    if account is None:
        log.warning("stripe: checkout session %s names no account here", session.get("id"))
        return
    if customer and account.stripe_customer_id != customer:
        account.stripe_customer_id = customer
    if not subscription:
        return
    account.stripe_subscription_id = subscription
    db.session.flush()
    # The session does not carry the period: read the subscription itself (if Stripe cannot
    # answer, the webhook fails and Stripe delivers it again later).
    with stripe_errors("read the subscription"):
        state = api().subscriptions.retrieve(subscription)
    apply_subscription(plain(state), _event_time(event))


def plain(obj: Any) -> dict[str, Any]:
    """A StripeObject as plain nested dicts (to_dict is recursive from SDK 11 on)."""
    convert = getattr(obj, "to_dict_recursive", None) or obj.to_dict
    return convert()


def _event_time(event: dict[str, Any]) -> datetime:
    return _timestamp(event.get("created")) or _now()


def _on_subscription(subscription: dict[str, Any], event: dict[str, Any]) -> None:
    if event["type"] == "customer.subscription.deleted":
        subscription = {**subscription, "status": "canceled"}
    apply_subscription(subscription, _event_time(event))


def _on_invoice_failed(invoice: dict[str, Any], event: dict[str, Any]) -> None:
    parent = ((invoice.get("parent") or {}).get("subscription_details") or {})
    subscription = id_of(invoice.get("subscription")) or id_of(parent.get("subscription"))
    account = _account_for(id_of(invoice.get("customer")), subscription, None)
    if account is None:
        return
    if subscription and account.stripe_subscription_id not in (None, subscription):
        return
    if account.subscription_status in (None, *PRO_STATUSES):
        account.subscription_status = "past_due"
    log.info("stripe: invoice %s failed for user %s; Pro kept while Stripe retries",
             invoice.get("id"), account.user_id)


HANDLERS: dict[str, Callable[[dict[str, Any], dict[str, Any]], Any]] = {
    "checkout.session.completed": _on_checkout_completed,
    "customer.subscription.created": _on_subscription,
    "customer.subscription.updated": _on_subscription,
    "customer.subscription.deleted": _on_subscription,
    "invoice.payment_failed": _on_invoice_failed,
}
