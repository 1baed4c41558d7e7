"""Fixtures of the payment tests: the loopback fake of Stripe, an app pointed at it, and
webhook deliveries signed the way Stripe signs them."""

from __future__ import annotations

import itertools
import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.payments.fake_stripe import FakeStripe, sign

SECRET_KEY = "sk_test_fractafrag0123456789abcdef"
WEBHOOK_SECRET = "whsec_fractafrag0123456789abcdef"
PRICE = "price_pro_test"
EVENT_IDS = itertools.count(1)


@pytest.fixture
def pay_app(make_app, stripe_fake: FakeStripe) -> Flask:
    """An app with payments on, talking to the fake; pledges authorised with pm_card_visa."""
    return make_app(STRIPE_SECRET_KEY=SECRET_KEY, STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
                    STRIPE_PRICE_PRO=PRICE, STRIPE_API_BASE=stripe_fake.url,
                    STRIPE_TEST_PAYMENT_METHOD="pm_card_visa")


@pytest.fixture
def pay_client(pay_app: Flask) -> FlaskClient:
    """A test client of the payments app."""
    return pay_app.test_client()


def event(kind: str, obj: dict[str, Any], created: int | None = None,
          event_id: str | None = None) -> dict[str, Any]:
    """A Stripe event envelope around obj."""
    return {"id": event_id or f"evt_test{next(EVENT_IDS):06d}", "object": "event",
            "api_version": "2025-03-31.basil", "created": created or int(time.time()),
            "livemode": False, "pending_webhooks": 1, "type": kind,
            "request": {"id": None, "idempotency_key": None}, "data": {"object": obj}}


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
