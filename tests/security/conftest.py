"""Fixtures of the security tests: two people, their content, keys and page sessions."""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from flask import Flask

# form_token, signed_in, World, AUTHOR and STRANGER are imported here for tests that still import
# them from this conftest; they live in tests/helpers.py and tests/security/world.py.
from tests.helpers import fake_stripe, form_token, make_config, signed_in  # noqa: F401
from tests.payments.fake_stripe import PRICE, SECRET_KEY, WEBHOOK_SECRET, FakeStripe
from tests.security.world import AUTHOR, STRANGER, World  # noqa: F401


@pytest.fixture(scope="module")
def stripe_fake() -> Iterator[FakeStripe]:
    """The loopback fake of Stripe's API (tests/payments/fake_stripe.py), one per module (as
    secure_app is)."""
    yield from fake_stripe()


@pytest.fixture(scope="module")
def secure_app(service_urls: dict[str, str], app: Flask, stripe_fake: FakeStripe) -> Flask:
    """The app as deployed (rate limits on), with payments on against the fake of Stripe and
    test renders that give up at once (no render worker runs here: 504). One per module: the
    tables and Redis are emptied after every test anyway."""
    from fractafrag import create_app

    return create_app(make_config(
        service_urls, STRIPE_SECRET_KEY=SECRET_KEY, STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
        STRIPE_PRICE_PRO=PRICE, STRIPE_API_BASE=stripe_fake.url,
        STRIPE_TEST_PAYMENT_METHOD="pm_card_visa", RENDER_PREVIEW_TIMEOUT=0.05))


@pytest.fixture
def world(secure_app: Flask, make_user) -> World:
    """The author, a stranger and (on first use) their content."""
    return World(secure_app, make_user)
