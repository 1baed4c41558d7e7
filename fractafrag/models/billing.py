"""Billing: Stripe customers and subscriptions, bounty pledges, payouts, processed webhooks."""

from __future__ import annotations

from datetime import datetime

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column

from fractafrag.extensions import Model
from fractafrag.models.types import created_at_column, one_of, updated_at_column

# pending: waiting for the pledger to pay on Stripe Checkout (or, in test mode, for the
# PaymentIntent to be confirmed); abandoned: they left Checkout or it expired (nothing held);
# authorized: the card hold is in place (requires_capture) and counts towards the bounty;
# captured / released: taken on fulfilment / let go on closing; failed: declined or expired;
# capture_failed / release_failed: Stripe refused the capture or cancel (logged, see bounties).
PLEDGE_STATUSES = ("pending", "authorized", "captured", "released", "failed", "capture_failed",
                   "release_failed", "abandoned")
# owed: to be paid by hand (no Connect account); transferred: a Connect transfer was made.
PAYOUT_STATUSES = ("owed", "transferred")


class BillingAccount(Model):
    """A user's Stripe customer, subscription and Connect account."""

    __tablename__ = "billing_accounts"

    user_id: Mapped[int] = mapped_column(
        sa.ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    stripe_customer_id: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    stripe_subscription_id: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    subscription_status: Mapped[str | None] = mapped_column(sa.String(32))
    current_period_end: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    stripe_connect_account_id: Mapped[str | None] = mapped_column(sa.String(64), unique=True,
                                                                  index=True)
    # The Express account's state as Stripe last reported it (account.updated): payouts go to
    # it once payouts_enabled; connect_event_at keeps a late, older event from undoing a newer.
    connect_details_submitted: Mapped[bool] = mapped_column(sa.Boolean,
                                                            server_default=sa.false())
    connect_payouts_enabled: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())
    connect_event_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    # The subscription ends at current_period_end (cancelled in the billing portal).
    cancel_at_period_end: Mapped[bool] = mapped_column(sa.Boolean, server_default=sa.false())
    # When Stripe created the subscription event last applied: older events arriving late
    # (Stripe does not promise order) do not undo newer ones.
    subscription_event_at: Mapped[datetime | None] = mapped_column(sa.DateTime(timezone=True))
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()


class BountyPledge(Model):
    """Money promised to whoever fulfils a desire: a PaymentIntent authorised, captured later."""

    __tablename__ = "bounty_pledges"
    __table_args__ = (
        one_of("status", PLEDGE_STATUSES),
        sa.CheckConstraint("amount_cents > 0", name="amount_positive"),
    )

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    desire_id: Mapped[int] = mapped_column(
        sa.ForeignKey("desires.id", ondelete="CASCADE"), index=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"))
    amount_cents: Mapped[int] = mapped_column(sa.Integer)
    currency: Mapped[str] = mapped_column(sa.String(3), server_default="usd")
    payment_intent_id: Mapped[str | None] = mapped_column(sa.String(64), unique=True)
    # The Stripe Checkout Session the pledger pays on, and its hosted page (reused while open).
    checkout_session_id: Mapped[str | None] = mapped_column(sa.String(255), unique=True)
    checkout_url: Mapped[str | None] = mapped_column(sa.Text)
    status: Mapped[str] = mapped_column(sa.String(16), server_default="authorized")
    created_at: Mapped[datetime] = created_at_column()
    updated_at: Mapped[datetime] = updated_at_column()


class Payout(Model):
    """What a fulfiller is owed or was paid for a captured bounty."""

    __tablename__ = "payouts"
    __table_args__ = (one_of("status", PAYOUT_STATUSES),)

    id: Mapped[int] = mapped_column(sa.BigInteger, sa.Identity(), primary_key=True)
    pledge_id: Mapped[int] = mapped_column(
        sa.ForeignKey("bounty_pledges.id", ondelete="CASCADE"), unique=True
    )
    user_id: Mapped[int] = mapped_column(sa.ForeignKey("users.id", ondelete="CASCADE"), index=True)
    amount_cents: Mapped[int] = mapped_column(sa.Integer)
    stripe_transfer_id: Mapped[str | None] = mapped_column(sa.String(64))
    status: Mapped[str] = mapped_column(sa.String(16), server_default="owed")
    created_at: Mapped[datetime] = created_at_column()


class StripeEvent(Model):
    """A webhook event already processed, so replays are no-ops."""

    __tablename__ = "stripe_events"

    id: Mapped[str] = mapped_column(sa.String(255), primary_key=True)
    type: Mapped[str] = mapped_column(sa.String(100))
    processed_at: Mapped[datetime] = created_at_column()
