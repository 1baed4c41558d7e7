"""Getting paid for bounties: the author's Stripe Connect (Express) account and their payouts.

- **Onboarding**: `onboarding_url` creates the user's Express account once (the billing row is
  locked meanwhile; no idempotency key of ours, since Stripe would replay a refusal under it for
  24 hours and the retry must really retry) and returns an Account Link
  (`account_onboarding`) to Stripe's hosted form. Links expire within minutes: Stripe sends the
  person to the refresh URL, which asks for a new one.
- **State**: `account.updated` webhooks keep `connect_details_submitted` and
  `connect_payouts_enabled`; an event older than the last one applied is ignored. The status is
  `none` (no account), `pending` (onboarding unfinished or Stripe wants more) or `enabled`.
- **Payouts**: a captured pledge records a Payout for the author (bounties.py). It is
  transferred at once when their account is enabled, else it stays `owed` and `pay_owed` sends
  it when the account becomes enabled (after the webhook commits) or when the author asks again
  from Settings. A transfer Stripe refuses leaves the payout `owed`, logged, to be retried.
"""

from __future__ import annotations

import logging
import uuid
from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
import stripe

from fractafrag.extensions import db
from fractafrag.models import BillingAccount, BountyPledge, Payout, User
from fractafrag.services import Conflict, NotFound
from fractafrag.services.billing.plans import _locked_account, account_of
from fractafrag.services.billing.stripe_client import (
    PaymentsOff,
    api,
    id_of,
    require,
    stripe_errors,
    stripe_time,
)

log = logging.getLogger(__name__)


def connect_status(account: BillingAccount | None) -> str:
    """none, pending or enabled: how far the user's Connect account is."""
    if account is None or not account.stripe_connect_account_id:
        return "none"
    return "enabled" if account.connect_payouts_enabled else "pending"


def is_enabled(account: BillingAccount | None) -> bool:
    """True when transfers to the account's Connect account can be made."""
    return connect_status(account) == "enabled"


def connect_of(user_id: int) -> dict[str, Any]:
    """What Settings and the API show: the Connect status and the money owed and sent."""
    account = account_of(user_id)
    totals = dict(db.session.execute(
        sa.select(Payout.status, sa.func.coalesce(sa.func.sum(Payout.amount_cents), 0))
        .where(Payout.user_id == user_id).group_by(Payout.status)).all())
    return {"status": connect_status(account),
            "payouts_enabled": bool(account and account.connect_payouts_enabled),
            "details_submitted": bool(account and account.connect_details_submitted),
            "owed_cents": int(totals.get("owed", 0)),
            "transferred_cents": int(totals.get("transferred", 0))}


def onboarding_url(user_id: int, refresh_url: str, return_url: str) -> str:
    """An Account Link onboarding the user's Express account (created on first call)."""
    require()
    user = db.session.get(User, user_id)
    if user is None:
        raise NotFound(f"No user {user_id}.")
    account = _locked_account(user_id)
    if not account.stripe_connect_account_id:
        with stripe_errors("create your payout account"):
            created = api().accounts.create(params={
                "type": "express", "email": user.email,
                "capabilities": {"transfers": {"requested": True}},
                "business_profile": {"product_description": "Shaders written for Fractafrag "
                                                            "bounties"},
                "metadata": {"user_id": str(user.id), "username": user.username},
            })
        account.stripe_connect_account_id = created.id
    account_id = account.stripe_connect_account_id
    db.session.commit()
    with stripe_errors("start the payout setup"):
        link = api().account_links.create(params={
            "account": account_id, "type": "account_onboarding",
            "refresh_url": refresh_url, "return_url": return_url})
    return str(link.url)


def refresh_url_for(user_id: int, refresh_url: str, return_url: str) -> str:
    """A fresh onboarding link for an account that exists (Conflict before onboarding)."""
    if connect_status(account_of(user_id)) == "none":
        raise Conflict("You have no payout account yet: start from Settings.")
    return onboarding_url(user_id, refresh_url, return_url)


def on_account_updated(obj: dict[str, Any], event: dict[str, Any]) -> list[Any]:
    """Webhook: a Connect account changed; keep its state (older events are ignored)."""
    account = db.session.scalar(
        sa.select(BillingAccount).where(BillingAccount.stripe_connect_account_id == obj.get("id"))
        .with_for_update().execution_options(populate_existing=True))
    if account is None:
        log.warning("stripe: Connect account %s belongs to no user here", obj.get("id"))
        return []
    seen_at = stripe_time(event.get("created")) or datetime.now(UTC)
    if account.connect_event_at is not None and seen_at < account.connect_event_at:
        log.info("stripe: ignoring an older account.updated of %s", obj.get("id"))
        return []
    transfers = (obj.get("capabilities") or {}).get("transfers")
    account.connect_details_submitted = bool(obj.get("details_submitted"))
    account.connect_payouts_enabled = bool(obj.get("payouts_enabled")) and transfers in (
        None, "active")
    account.connect_event_at = seen_at
    return []


def pay_owed_for_account(obj: dict[str, Any]) -> None:
    """After an account.updated commits: send what its user is owed, if it is now enabled."""
    user_id = db.session.scalar(sa.select(BillingAccount.user_id).where(
        BillingAccount.stripe_connect_account_id == obj.get("id")))
    if user_id is not None:
        pay_owed(user_id)


def pay_owed(user_id: int) -> int:
    """Transfer every owed payout of the user to their enabled Connect account; return how
    many were sent. Never raises for Stripe: a refused transfer stays owed (logged)."""
    if not is_enabled(account_of(user_id)):
        return 0
    sent = 0
    owed = list(db.session.scalars(sa.select(Payout.id).where(
        Payout.user_id == user_id, Payout.status == "owed").order_by(Payout.id)))
    for payout_id in owed:
        # Locked one at a time (skipping one another worker is sending) so nothing is sent twice.
        payout = db.session.scalar(sa.select(Payout).where(
            Payout.id == payout_id, Payout.status == "owed").with_for_update(skip_locked=True))
        if payout is None:
            db.session.rollback()
            continue
        sent += transfer_payout(payout, retry=True)
    return sent


def _earlier_transfer(pledge: BountyPledge) -> str | None:
    """The id of a transfer already made for this pledge (sent, but not recorded here)."""
    transfers = api().transfers.list(params={"transfer_group": f"desire-{pledge.desire_id}",
                                             "limit": 100})
    for transfer in transfers.data:
        if (transfer.metadata or {}).get("pledge_id") == str(pledge.id):
            return str(transfer.id)
    return None


def transfer_payout(payout: Payout, charge: str | None = None, retry: bool = False) -> bool:
    """Send one owed payout to its user's enabled Connect account and commit; False (still
    owed, logged) when there is no such account or Stripe refuses.

    A retry first looks for a transfer Stripe already made for the pledge, then sends with a
    new idempotency key: Stripe replays a refused request's error for 24 hours under its key."""
    account = account_of(payout.user_id)
    pledge = db.session.get(BountyPledge, payout.pledge_id)
    if account is None or not is_enabled(account) or pledge is None:
        db.session.commit()
        return False
    params: dict[str, Any] = {
        "amount": payout.amount_cents, "currency": pledge.currency,
        "destination": account.stripe_connect_account_id,
        "transfer_group": f"desire-{pledge.desire_id}",
        "metadata": {"pledge_id": str(pledge.id), "desire_id": str(pledge.desire_id),
                     "payout_id": str(payout.id)},
    }
    try:
        require()
        if charge is None and pledge.payment_intent_id:
            intent = api().payment_intents.retrieve(pledge.payment_intent_id)
            charge = id_of(getattr(intent, "latest_charge", None))
        if charge:
            params["source_transaction"] = charge  # paid out of this charge's funds
        key = f"transfer-{pledge.payment_intent_id}"
        earlier = _earlier_transfer(pledge) if retry else None
        if retry:
            key += f"-{uuid.uuid4().hex}"
        transfer_id = earlier or api().transfers.create(
            params=params, options={"idempotency_key": key}).id
    except (stripe.StripeError, PaymentsOff) as exc:
        log.error("bounty: transfer for pledge %s failed (payout %s stays owed): %s",
                  pledge.id, payout.id, exc)
        db.session.commit()
        return False
    payout.stripe_transfer_id = transfer_id
    payout.status = "transferred"
    db.session.commit()
    return True
