"""Bounties paid through Stripe Checkout, and payouts through Stripe Connect (Express).

- bounty_pledges gains `checkout_session_id` and `checkout_url` (the hosted page the pledger is
  sent to, reused while the session is open) and the status `abandoned` (the pledger left
  Checkout, or the session expired: nothing was held).
- billing_accounts gains the Connect account's state as Stripe last reported it:
  `connect_details_submitted`, `connect_payouts_enabled` and `connect_event_at` (the newest
  account.updated applied, so a late, older event does not undo it).

Revision ID: 0011
Revises: 0010 (0010_exports)
"""

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None

OLD_PLEDGE = ("status IN ('pending', 'authorized', 'captured', 'released', 'failed', "
              "'capture_failed', 'release_failed')")
NEW_PLEDGE = ("status IN ('pending', 'authorized', 'captured', 'released', 'failed', "
              "'capture_failed', 'release_failed', 'abandoned')")


def upgrade():
    op.drop_constraint(op.f("ck_bounty_pledges_status"), "bounty_pledges", type_="check")
    op.create_check_constraint(op.f("ck_bounty_pledges_status"), "bounty_pledges", NEW_PLEDGE)
    op.add_column("bounty_pledges", sa.Column("checkout_session_id", sa.String(255),
                                              nullable=True))
    op.create_unique_constraint(op.f("uq_bounty_pledges_checkout_session_id"), "bounty_pledges",
                                ["checkout_session_id"])
    op.add_column("bounty_pledges", sa.Column("checkout_url", sa.Text(), nullable=True))
    op.add_column("billing_accounts", sa.Column(
        "connect_details_submitted", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column("billing_accounts", sa.Column(
        "connect_payouts_enabled", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column("billing_accounts", sa.Column(
        "connect_event_at", sa.DateTime(timezone=True), nullable=True))
    op.create_index(op.f("ix_billing_accounts_stripe_connect_account_id"), "billing_accounts",
                    ["stripe_connect_account_id"], unique=True)


def downgrade():
    op.drop_index(op.f("ix_billing_accounts_stripe_connect_account_id"), "billing_accounts")
    op.drop_column("billing_accounts", "connect_event_at")
    op.drop_column("billing_accounts", "connect_payouts_enabled")
    op.drop_column("billing_accounts", "connect_details_submitted")
    op.drop_column("bounty_pledges", "checkout_url")
    op.drop_constraint(op.f("uq_bounty_pledges_checkout_session_id"), "bounty_pledges",
                       type_="unique")
    op.drop_column("bounty_pledges", "checkout_session_id")
    op.execute("UPDATE bounty_pledges SET status = 'failed' WHERE status = 'abandoned'")
    op.drop_constraint(op.f("ck_bounty_pledges_status"), "bounty_pledges", type_="check")
    op.create_check_constraint(op.f("ck_bounty_pledges_status"), "bounty_pledges", OLD_PLEDGE)

