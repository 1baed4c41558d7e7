"""Fixtures of the payment tests: the loopback fake of Stripe, an app pointed at it, and
webhook deliveries signed the way Stripe signs them."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.payments.fake_stripe import PRICE, SECRET_KEY, WEBHOOK_SECRET, FakeStripe, sign


@pytest.fixture
def pay_app(make_app, stripe_fake: FakeStripe) -> Flask:
    """An app with payments on, talking to the fake; pledges authorised with pm_card_visa."""
    return make_app(STRIPE_SECRET_KEY=SECRET_KEY, STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
                    STRIPE_PRICE_PRO=PRICE, STRIPE_API_BASE=stripe_fake.url,
                    STRIPE_TEST_PAYMENT_METHOD="pm_card_visa")


PUBLIC = "https://shaders.example.org"


@pytest.fixture
def checkout_app(make_app, stripe_fake: FakeStripe) -> Flask:
    """An app as in production: pledges are paid on Stripe Checkout (no test payment method),
    the site's public address is FRACTAFRAG_PUBLIC_URL."""
    return make_app(STRIPE_SECRET_KEY=SECRET_KEY, STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
                    STRIPE_PRICE_PRO=PRICE, STRIPE_API_BASE=stripe_fake.url, PUBLIC_URL=PUBLIC)


@pytest.fixture
def checkout_client(checkout_app: Flask) -> FlaskClient:
    """A test client of the Checkout app."""
    return checkout_app.test_client()


@pytest.fixture
def pay_client(pay_app: Flask) -> FlaskClient:
    """A test client of the payments app."""
    return pay_app.test_client()


@pytest.fixture
def deliver(pay_client: FlaskClient) -> Callable[..., Any]:
    """POST an event to the webhook, signed with WEBHOOK_SECRET (or `secret`) at `timestamp`."""

    def post(payload: dict[str, Any], secret: str = WEBHOOK_SECRET,
             timestamp: int | None = None, client: FlaskClient | None = None) -> Any:
        body = json.dumps(payload)
        return (client or pay_client).post(
            "/api/v1/payments/webhook", data=body, content_type="application/json",
            headers={"Stripe-Signature": sign(body, secret, timestamp)})

    return post
