"""The app's Stripe client, the settings it needs, and Stripe's errors as ServiceErrors.

One StripeClient per app talks to Stripe, or to STRIPE_API_BASE (a proxy, or the loopback fake
in tests).
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from typing import Any

import stripe
from flask import current_app

from fractafrag.services import ServiceError

log = logging.getLogger(__name__)

CLIENT_KEY = "fractafrag_stripe"


class PaymentsOff(ServiceError):
    """This instance has no Stripe settings (or lacks the one needed)."""

    status = 503


class PaymentFailed(ServiceError):
    """Stripe refused or could not be reached."""

    status = 502


def enabled() -> bool:
    """True when payments are configured (STRIPE_SECRET_KEY is set)."""
    return bool(current_app.config.get("STRIPE_SECRET_KEY"))


def require(*settings: str) -> None:
    """Raise PaymentsOff naming the first of STRIPE_SECRET_KEY and `settings` that is unset."""
    for setting in ("STRIPE_SECRET_KEY", *settings):
        if not current_app.config.get(setting):
            raise PaymentsOff(f"Payments are not configured on this instance ({setting}).")


def client() -> stripe.StripeClient:
    """The app's StripeClient (made once per key and address)."""
    key = current_app.config["STRIPE_SECRET_KEY"]
    base = current_app.config.get("STRIPE_API_BASE") or ""
    cached = current_app.extensions.get(CLIENT_KEY)
    if cached is None or cached[0] != (key, base):
        options: dict[str, Any] = {"max_network_retries": 2}
        if base:
            options["base_addresses"] = {"api": base.rstrip("/")}
        cached = ((key, base), stripe.StripeClient(key, **options))
        current_app.extensions[CLIENT_KEY] = cached
    return cached[1]


def api() -> Any:
    """Stripe's v1 services (StripeClient.v1 on SDKs that have it, the client itself before)."""
    stripe_client = client()
    return getattr(stripe_client, "v1", stripe_client)


@contextmanager
def stripe_errors(action: str) -> Iterator[None]:
    """Turn Stripe's exceptions into ServiceErrors: a declined card is 402, the rest 502."""
    try:
        yield
    except stripe.CardError as exc:
        raise ServiceError(exc.user_message or "The card was declined.", status=402) from exc
    except stripe.StripeError as exc:
        log.warning("stripe: could not %s: %s", action, exc)
        detail = exc.user_message or str(exc) or type(exc).__name__
        raise PaymentFailed(f"Stripe could not {action}: {detail}") from exc


def plain(obj: Any) -> dict[str, Any]:
    """A StripeObject as plain nested dicts (to_dict is recursive from SDK 11 on)."""
    convert = getattr(obj, "to_dict_recursive", None) or obj.to_dict
    converted: dict[str, Any] = convert()
    return converted


def id_of(value: Any) -> str | None:
    """An id from a field that holds either the id or the expanded object."""
    if value is None or isinstance(value, str):
        return value
    if isinstance(value, dict):
        return value.get("id")
    return getattr(value, "id", None)


def stripe_time(value: Any) -> datetime | None:
    """A datetime from one of Stripe's Unix timestamps (None when unset)."""
    return datetime.fromtimestamp(int(value), UTC) if value else None
