"""Schemas of payments: checkout and portal links, pledges, payouts, webhook receipts."""

import marshmallow as ma
from marshmallow import validate

from fractafrag.services.billing.bounties import MAX_CENTS, MIN_CENTS


class CheckoutSchema(ma.Schema):
    """Which plan to buy."""

    plan = ma.fields.String(required=True, validate=validate.OneOf(["pro"]),
                            metadata={"description": "pro: unlimited new shaders a month."})


class RedirectSchema(ma.Schema):
    """A Stripe page to send the person to."""

    url = ma.fields.String(metadata={"description": "Stripe Checkout or billing portal page."})


class PledgeCreateSchema(ma.Schema):
    """Money promised to whoever fulfils the desire."""

    amount_cents = ma.fields.Integer(required=True, strict=True,
                                     validate=validate.Range(MIN_CENTS, MAX_CENTS), metadata={
                                         "description": "US cents, 100 ($1) to 1,000,000."})


class PledgeCreatedSchema(ma.Schema):
    """A pledge just made, and the Stripe Checkout page where the pledger pays."""

    id = ma.fields.Integer()
    pledge_id = ma.fields.Integer(metadata={"description": "The same as id (older clients)."})
    amount_cents = ma.fields.Integer()
    currency = ma.fields.String()
    status = ma.fields.String(metadata={
        "description": "pending (pay on checkout_url; authorized once Stripe confirms the "
                       "card hold) or, on a test-mode instance, authorized at once."})
    checkout_url = ma.fields.String(allow_none=True, metadata={
        "description": "Stripe's hosted Checkout page for this pledge (null in test mode)."})


class PledgeSchema(ma.Schema):
    """A pledge as anyone sees it (not who made it, except to themselves)."""

    id = ma.fields.Integer()
    amount_cents = ma.fields.Integer()
    currency = ma.fields.String()
    status = ma.fields.String(metadata={
        "description": "pending (not paid on Checkout yet), authorized (the card is held), "
                       "captured, released, abandoned (Checkout left or expired), failed "
                       "(declined, or the hold expired after 7 days), capture_failed or "
                       "release_failed"})
    mine = ma.fields.Boolean(metadata={"description": "Made by the caller."})
    checkout_url = ma.fields.String(allow_none=True, metadata={
        "description": "Your own pending pledge's Stripe Checkout page, to finish paying."})
    created_at = ma.fields.DateTime()


class PayoutSchema(ma.Schema):
    """Money for a fulfilled desire: transferred through Stripe Connect, or owed."""

    id = ma.fields.Integer()
    desire_id = ma.fields.Integer()
    amount_cents = ma.fields.Integer()
    currency = ma.fields.String()
    status = ma.fields.String(metadata={"description": "owed or transferred"})
    stripe_transfer_id = ma.fields.String(allow_none=True)
    created_at = ma.fields.DateTime()


class ConnectStatusSchema(ma.Schema):
    """Your Stripe Connect account for bounty payouts, and the money owed and sent."""

    status = ma.fields.String(metadata={
        "description": "none (not set up), pending (Stripe needs more details) or enabled."})
    payouts_enabled = ma.fields.Boolean()
    details_submitted = ma.fields.Boolean()
    owed_cents = ma.fields.Integer(metadata={"description": "Captured bounties not sent yet."})
    transferred_cents = ma.fields.Integer(metadata={"description": "Sent to your account."})


class WebhookReceiptSchema(ma.Schema):
    """What the webhook did with an event."""

    received = ma.fields.Boolean()
    duplicate = ma.fields.Boolean(metadata={"description": "Already processed: nothing done."})
    handled = ma.fields.Boolean(metadata={"description": "The event type is one acted on."})
