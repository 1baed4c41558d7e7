"""Payments with Stripe: pledge states for PaymentIntents, payout states, subscription details.

- bounty_pledges.status also takes `pending` (the PaymentIntent awaits confirmation by
  Stripe.js), `capture_failed` and `release_failed` (Stripe refused; the desire's own change
  stands).
- payouts.status is `owed` or `transferred`.
- billing_accounts gains `cancel_at_period_end` (cancelled in the billing portal, Pro until the
  period ends) and `subscription_event_at` (the newest subscription event applied, so a late,
  older event does not undo it).

Revision ID: 0005
Revises: 0004
"""

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None

OLD_PLEDGE = "status IN ('authorized', 'captured', 'released', 'failed')"
NEW_PLEDGE = ("status IN ('pending', 'authorized', 'captured', 'released', 'failed', "
              "'capture_failed', 'release_failed')")


def upgrade():
    op.drop_constraint(op.f("ck_bounty_pledges_status"), "bounty_pledges", type_="check")
    op.create_check_constraint(op.f("ck_bounty_pledges_status"), "bounty_pledges", NEW_PLEDGE)
    op.create_check_constraint(op.f("ck_payouts_status"), "payouts",
                               "status IN ('owed', 'transferred')")
    op.add_column("billing_accounts", sa.Column(
        "cancel_at_period_end", sa.Boolean(), server_default=sa.false(), nullable=False))
    op.add_column("billing_accounts", sa.Column(
        "subscription_event_at", sa.DateTime(timezone=True), nullable=True))


def downgrade():
    op.drop_column("billing_accounts", "subscription_event_at")
    op.drop_column("billing_accounts", "cancel_at_period_end")
    op.drop_constraint(op.f("ck_payouts_status"), "payouts", type_="check")
    op.execute("UPDATE bounty_pledges SET status = 'failed' WHERE status IN "
               "('pending', 'capture_failed', 'release_failed')")
    op.drop_constraint(op.f("ck_bounty_pledges_status"), "bounty_pledges", type_="check")
    op.create_check_constraint(op.f("ck_bounty_pledges_status"), "bounty_pledges", OLD_PLEDGE)
