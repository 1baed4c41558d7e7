"""The Pro plan: Stripe Checkout and the billing portal, and the plan following the subscription.

The plan follows the subscription, as Stripe's webhooks report it (webhooks.py calls the
`on_*` handlers here inside the transaction that records the event):

- `checkout.session.completed`: the customer and subscription are linked to the user named
  by `client_reference_id` / `metadata.user_id`; the subscription is read back for its state.
- `customer.subscription.created|updated|deleted`: `active` and `trialing` make the user Pro
  until the period ends (`pro_until`); `past_due` keeps Pro while Stripe retries the payment;
  `canceled`, `unpaid`, `incomplete_expired` and `paused` make the user free; `incomplete` (the
  first payment still open) changes nothing. An event older than the last one applied to the
  account is ignored, since Stripe does not promise to deliver events in order.
- `invoice.payment_failed`: the account's status becomes `past_due` and the plan is kept: the
  subscription's own update (to `unpaid` or `canceled` once retries are exhausted) ends Pro.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from flask import current_app
from sqlalchemy.dialects.postgresql import insert as pg_insert

from fractafrag.extensions import db
from fractafrag.models import BillingAccount, User
from fractafrag.services import Conflict, NotFound
from fractafrag.services.billing.stripe_client import (
    api,
    id_of,
    plain,
    require,
    stripe_errors,
    stripe_time,
)
from fractafrag.services.quota import is_pro

log = logging.getLogger(__name__)

PRO_STATUSES = ("active", "trialing")
KEEP_STATUSES = ("past_due",)
FREE_STATUSES = ("canceled", "unpaid", "incomplete_expired", "paused")


def _now() -> datetime:
    return datetime.now(UTC)


def account_of(user_id: int) -> BillingAccount | None:
    """The user's billing account, if they have one."""
    return db.session.get(BillingAccount, user_id)


def _locked_account(user_id: int) -> BillingAccount:
    """The user's billing account, created if missing, locked for this transaction."""
    db.session.execute(pg_insert(BillingAccount).values(user_id=user_id)
                       .on_conflict_do_nothing(index_elements=["user_id"]))
    return db.session.scalars(sa.select(BillingAccount).where(BillingAccount.user_id == user_id)
                              .with_for_update().execution_options(populate_existing=True)).one()


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
    url: str = session.url
    return url


def portal_url(user_id: int, return_url: str) -> str:
    """A Stripe billing portal session for the user's customer (Conflict without one)."""
    require()
    account = account_of(user_id)
    if account is None or not account.stripe_customer_id:
        raise Conflict("You have no billing account yet: upgrade to Pro first.")
    with stripe_errors("open the billing portal"):
        session = api().billing_portal.sessions.create(params={
            "customer": account.stripe_customer_id, "return_url": return_url})
    url: str = session.url
    return url


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
    return stripe_time(end)


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
    user = db.session.scalars(sa.select(User).where(User.id == account.user_id)
                              .with_for_update()).one()
    if status in PRO_STATUSES or (status in KEEP_STATUSES and user.tier == "pro"):
        user.tier = "pro"
        user.pro_until = account.current_period_end
    elif status in FREE_STATUSES:
        user.tier = "free"
        user.pro_until = None


def on_checkout_completed(session: dict[str, Any], event: dict[str, Any]) -> None:
    """Webhook: a Checkout finished; link its customer and subscription to the user."""
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


def _event_time(event: dict[str, Any]) -> datetime:
    """When Stripe made the event (now, if it does not say)."""
    return stripe_time(event.get("created")) or _now()


def on_subscription_event(subscription: dict[str, Any], event: dict[str, Any]) -> None:
    """Webhook: a subscription was created, updated or deleted; the plan follows it."""
    if event["type"] == "customer.subscription.deleted":
        subscription = {**subscription, "status": "canceled"}
    apply_subscription(subscription, _event_time(event))


def on_invoice_failed(invoice: dict[str, Any], event: dict[str, Any]) -> None:
    """Webhook: a renewal failed; mark the account past_due and keep Pro while Stripe retries."""
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
