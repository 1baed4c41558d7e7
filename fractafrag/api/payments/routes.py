"""Payments with Stripe: Pro checkout, billing portal, webhook, Connect onboarding, payouts;
bounty pledges.

Money moves only for people signed in with a JWT (an API key gets 403). Without
STRIPE_SECRET_KEY every write here answers 503 naming the missing setting.
"""

from flask import request
from flask.views import MethodView
from flask_smorest import Blueprint

from fractafrag.api import PERSON_ONLY, SIGNED_IN
from fractafrag.api.payments import schemas as s
from fractafrag.auth import API_KEY_HEADER, login_required, session_user, viewer_id
from fractafrag.models import User
from fractafrag.services import ServiceError
from fractafrag.services.billing import bounties, connect, plans, stripe_client, webhooks
from fractafrag.urls import public_url

blp = Blueprint("payments", __name__, url_prefix="/api/v1/payments",
                description="Payments with Stripe: the Pro plan, webhooks and payouts")
pledges_blp = Blueprint("bounties", __name__, url_prefix="/api/v1/desires",
                        description="Bounties: money pledged to whoever fulfils a desire")


def _person() -> User:
    """The caller signed in with a JWT: API keys (agents, scripts) do not move money."""
    if API_KEY_HEADER in request.headers:
        raise ServiceError("Payments need a signed-in person (Bearer JWT); API keys cannot "
                           "make them.", status=403)
    return session_user()


def _settings_url(outcome: str) -> str:
    return public_url("account.settings") + f"?billing={outcome}"


@blp.route("/checkout")
class Checkout(MethodView):
    """Buying Pro."""

    @blp.arguments(s.CheckoutSchema)
    @blp.response(200, s.RedirectSchema)
    @blp.alt_response(409, description="Already on Pro.")
    @blp.doc(security=PERSON_ONLY)
    def post(self, body):
        """Start a Stripe Checkout for the Pro plan; send the person to the returned url"""
        stripe_client.require("STRIPE_PRICE_PRO")
        url = plans.checkout_url(_person().id, _settings_url("success"),
                                 _settings_url("cancelled"))
        return {"url": url}


@blp.route("/portal")
class Portal(MethodView):
    """Managing the subscription."""

    @blp.response(200, s.RedirectSchema)
    @blp.alt_response(409, description="No billing account yet: check out first.")
    @blp.doc(security=PERSON_ONLY)
    def post(self):
        """Open Stripe's billing portal (card, invoices, cancel); 409 before any checkout"""
        stripe_client.require()
        return {"url": plans.portal_url(_person().id, public_url("account.settings"))}


@blp.route("/webhook")
class Webhook(MethodView):
    """Stripe's event deliveries."""

    @blp.response(200, s.WebhookReceiptSchema)
    @blp.alt_response(400, description="A missing, forged or stale Stripe-Signature, or a body "
                                       "that is not a Stripe event.")
    def post(self):
        """Receive a Stripe event (signature checked; each event id is processed once)"""
        return webhooks.handle_webhook(request.get_data(),
                                       request.headers.get("Stripe-Signature"))


@blp.route("/connect")
class Connect(MethodView):
    """Getting paid for bounties: your Stripe Connect (Express) account."""

    @blp.response(201, s.RedirectSchema)
    @blp.alt_response(502, description="Stripe could not create the account or the link; "
                                       "nothing changed that a retry would not fix.")
    @blp.doc(security=PERSON_ONLY)
    def post(self):
        """Start (or continue) payout onboarding: send the person to the returned Stripe url"""
        stripe_client.require()
        user_id = _person().id
        url = connect.onboarding_url(user_id, public_url("account.payouts_refresh"),
                                     public_url("account.settings", payouts="return"))
        return {"url": url}

    @login_required
    @blp.response(200, s.ConnectStatusSchema)
    @blp.doc(security=SIGNED_IN)
    def get(self):
        """Your payout account's status and the bounty money owed to you and sent"""
        return connect.connect_of(viewer_id())


@blp.route("/payouts")
class Payouts(MethodView):
    """Bounty money for the desires you fulfilled."""

    @login_required
    @blp.response(200, s.PayoutSchema(many=True))
    @blp.doc(security=SIGNED_IN)
    def get(self):
        """Your payouts: transferred to your Stripe Connect account, or owed to you"""
        return bounties.payouts_of(viewer_id())


@pledges_blp.route("/<int:desire_id>/pledges")
class Pledges(MethodView):
    """Money pledged to a desire."""

    @pledges_blp.arguments(s.PledgeCreateSchema)
    @pledges_blp.response(201, s.PledgeCreatedSchema)
    @pledges_blp.alt_response(402, description="The test card was declined (test mode).")
    @pledges_blp.alt_response(502, description="Stripe could not start the checkout; the "
                                               "pledge is recorded as failed, pledge again.")
    @pledges_blp.alt_response(409, description="The desire is not open.")
    @pledges_blp.doc(security=PERSON_ONLY)
    def post(self, body, desire_id):
        """Pledge a bounty: pay on the returned Stripe Checkout url; the card is only held,
        and charged when the asker accepts an answer"""
        stripe_client.require()
        pledge = bounties.create_pledge(desire_id, _person().id, body["amount_cents"])
        return {"id": pledge.id, "pledge_id": pledge.id, "amount_cents": pledge.amount_cents,
                "currency": pledge.currency, "status": pledge.status,
                "checkout_url": pledge.checkout_url}

    @pledges_blp.response(200, s.PledgeSchema(many=True))
    def get(self, desire_id):
        """List a desire's pledges, oldest first (yours unpaid with their Checkout url)"""
        me = viewer_id()
        listed = []
        for p in bounties.pledges_of(desire_id):
            mine = me is not None and p.user_id == me
            listed.append({"id": p.id, "amount_cents": p.amount_cents, "currency": p.currency,
                           "status": p.status, "mine": mine, "created_at": p.created_at,
                           "checkout_url": p.checkout_url if mine and p.status == "pending"
                           else None})
        return listed
