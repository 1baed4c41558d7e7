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
    """A pledge just made, with what Stripe.js needs to confirm the card hold."""

    pledge_id = ma.fields.Integer()
    amount_cents = ma.fields.Integer()
    currency = ma.fields.String()
    status = ma.fields.String(metadata={
        "description": "authorized (the card hold is in place) or pending (confirm the "
                       "PaymentIntent with Stripe.js using client_secret)."})
    client_secret = ma.fields.String(allow_none=True, metadata={
        "description": "The PaymentIntent's client secret, for Stripe.js; keep it private."})


class PledgeSchema(ma.Schema):
    """A pledge as anyone sees it (not who made it, except to themselves)."""

    id = ma.fields.Integer()
    amount_cents = ma.fields.Integer()
    currency = ma.fields.String()
    status = ma.fields.String(metadata={
        "description": "pending, authorized, captured, released, failed, capture_failed or "
                       "release_failed"})
    mine = ma.fields.Boolean(metadata={"description": "Made by the caller."})
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


class WebhookReceiptSchema(ma.Schema):
    """What the webhook did with an event."""

    received = ma.fields.Boolean()
    duplicate = ma.fields.Boolean(metadata={"description": "Already processed: nothing done."})
    handled = ma.fields.Boolean(metadata={"description": "The event type is one acted on."})
