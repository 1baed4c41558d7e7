"""A loopback fake of Stripe's API that speaks its wire format, and Stripe's webhook signatures.

Requests are form-encoded with bracket notation (`metadata[user_id]=7`,
`line_items[0][price]=price_…`) and authenticated with `Authorization: Bearer sk_test_…`;
answers are JSON objects with `id` and `object`, errors `{"error": {"type", "code",
"message"}}` with Stripe's statuses (400, 401, 402, 404). `Idempotency-Key` replays the first
answer. Only what Fractafrag calls is implemented: customers, checkout sessions (create in
subscription or payment mode, retrieve, expire), billing portal sessions, subscriptions (read),
payment intents (create, retrieve, capture, cancel), Connect accounts (create Express,
retrieve), account links and transfers. Every request is recorded with its decoded parameters.
Helpers play the part of the person on Stripe's pages: `complete_checkout` pays a session,
`expire_checkout` lets it lapse, `update_account` finishes (or undoes) Connect onboarding.
"""

from __future__ import annotations

import hashlib
import hmac
import itertools
import json
import re
import threading
import time
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qsl, urlsplit

DECLINED_METHODS = {"pm_card_chargeDeclined", "pm_card_visa_chargeDeclined"}

# What the tests configure the app with against the fake.
SECRET_KEY = "sk_test_fractafrag0123456789abcdef"
WEBHOOK_SECRET = "whsec_fractafrag0123456789abcdef"
PRICE = "price_pro_test"
EVENT_IDS = itertools.count(1)


def event(kind: str, obj: dict[str, Any], created: int | None = None,
          event_id: str | None = None) -> dict[str, Any]:
    """A Stripe event envelope around obj."""
    return {"id": event_id or f"evt_test{next(EVENT_IDS):06d}", "object": "event",
            "api_version": "2025-03-31.basil", "created": created or int(time.time()),
            "livemode": False, "pending_webhooks": 1, "type": kind,
            "request": {"id": None, "idempotency_key": None}, "data": {"object": obj}}


def decode_form(body: str) -> dict[str, Any]:
    """Stripe's form encoding back into nested dicts and lists (`a[b][0][c]=v`)."""
    root: dict[str, Any] = {}
    for key, value in parse_qsl(body, keep_blank_values=True):
        parts = re.findall(r"[^\[\]]+", key)
        node = root
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = value

    def listify(node: Any) -> Any:
        if not isinstance(node, dict):
            return node
        items = {k: listify(v) for k, v in node.items()}
        if items and all(k.isdigit() for k in items):
            return [items[k] for k in sorted(items, key=int)]
        return items

    return listify(root)


def sign(payload: str, secret: str, timestamp: int | None = None) -> str:
    """A Stripe-Signature header: t=…,v1=HMAC-SHA256(secret, f"{t}.{payload}")."""
    t = int(time.time()) if timestamp is None else timestamp
    mac = hmac.new(secret.encode(), f"{t}.{payload}".encode(), hashlib.sha256).hexdigest()
    return f"t={t},v1={mac}"


@dataclass
class Recorded:
    """One request the fake received."""

    method: str
    path: str
    params: dict[str, Any]
    headers: dict[str, str]


class StripeError(Exception):
    """An error answer: HTTP status and Stripe's error object."""

    def __init__(self, status: int, kind: str, message: str, code: str | None = None,
                 **extra: Any) -> None:
        super().__init__(message)
        self.status = status
        self.body = {"error": {"type": kind, "message": message, **(
            {"code": code} if code else {}), **extra}}


class FakeStripe:
    """A ThreadingHTTPServer on 127.0.0.1 pretending to be api.stripe.com."""

    def __init__(self, api_key: str) -> None:
        self.api_key = api_key
        self.requests: list[Recorded] = []
        self.customers: dict[str, dict[str, Any]] = {}
        self.sessions: dict[str, dict[str, Any]] = {}
        self.subscriptions: dict[str, dict[str, Any]] = {}
        self.intents: dict[str, dict[str, Any]] = {}
        self.transfers: dict[str, dict[str, Any]] = {}
        self.accounts: dict[str, dict[str, Any]] = {}
        # "capture" / "cancel" / "transfer" / "checkout" / "expire" / "account" /
        # "account_link" → the error that request answers with
        self.fail: dict[str, StripeError] = {}
        self.idempotent: dict[str, tuple[int, bytes]] = {}
        self.ids = itertools.count(1)
        self.lock = threading.Lock()
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *_args: Any) -> None:
                pass

            def do_GET(self) -> None:  # noqa: N802 (http.server's naming)
                fake._handle(self, "GET")

            def do_POST(self) -> None:  # noqa: N802
                fake._handle(self, "POST")

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        """Stop serving."""
        self.server.shutdown()
        self.server.server_close()

    # ---------------------------------------------------------------- test helpers

    def calls(self, method: str, path: str) -> list[Recorded]:
        """The recorded requests to a path (a prefix ending in / matches sub-paths)."""
        return [r for r in self.requests if r.method == method and (
            r.path == path or (path.endswith("/") and r.path.startswith(path)))]

    def new_id(self, prefix: str) -> str:
        """A fresh Stripe-looking id."""
        return f"{prefix}_test{next(self.ids):06d}"

    def add_subscription(self, customer: str, status: str = "active",
                         period_end: int | None = None, user_id: int | None = None,
                         cancel_at_period_end: bool = False) -> dict[str, Any]:
        """A subscription as Stripe keeps it (period end on its item, API 2025-03-31+)."""
        now = int(time.time())
        end = period_end or now + 30 * 86400
        sub_id = self.new_id("sub")
        subscription = {
            "id": sub_id, "object": "subscription", "customer": customer, "status": status,
            "cancel_at_period_end": cancel_at_period_end, "cancel_at": None, "created": now,
            "metadata": {"user_id": str(user_id)} if user_id is not None else {},
            "items": {"object": "list", "data": [{
                "id": self.new_id("si"), "object": "subscription_item",
                "current_period_start": now, "current_period_end": end,
                "price": {"id": "price_pro_test", "object": "price"}}]},
        }
        self.subscriptions[sub_id] = subscription
        return subscription

    def complete_checkout(self, session_id: str, period_end: int | None = None
                          ) -> dict[str, Any]:
        """Pay a checkout session: its subscription exists, or (payment mode) its card is
        charged or held by a new PaymentIntent; return the completed session."""
        session = self.sessions[session_id]
        if session["mode"] == "payment":
            return self._pay_session(session)
        user = session.get("metadata", {}).get("user_id")
        subscription = self.add_subscription(session["customer"], period_end=period_end,
                                             user_id=int(user) if user else None)
        session.update(status="complete", payment_status="paid",
                       subscription=subscription["id"])
        return session

    def _pay_session(self, session: dict[str, Any]) -> dict[str, Any]:
        data = session.get("payment_intent_data") or {}
        ident = self.new_id("pi")
        amount = session["amount_total"]
        manual = data.get("capture_method") == "manual"
        self.intents[ident] = {
            "id": ident, "object": "payment_intent", "amount": amount,
            "amount_capturable": amount if manual else 0,
            "amount_received": 0 if manual else amount, "currency": session["currency"],
            "capture_method": data.get("capture_method", "automatic_async"),
            "client_secret": f"{ident}_secret_fake", "metadata": data.get("metadata", {}),
            "payment_method": self.new_id("pm"), "latest_charge": self.new_id("ch"),
            "transfer_group": data.get("transfer_group"),
            "status": "requires_capture" if manual else "succeeded"}
        # A held (uncaptured) payment leaves the session unpaid, as Stripe reports it.
        session.update(status="complete", payment_intent=ident,
                       payment_status="unpaid" if manual else "paid")
        return self._public_session(session)

    def expire_checkout(self, session_id: str) -> dict[str, Any]:
        """Let an open session lapse (Stripe does so after 24 hours); return it."""
        session = self.sessions[session_id]
        session.update(status="expired", url=None)
        return self._public_session(session)

    def update_account(self, account_id: str, **fields: Any) -> dict[str, Any]:
        """Change a Connect account as onboarding would (e.g. payouts_enabled=True)."""
        account = self.accounts[account_id]
        account.update(fields)
        if fields.get("payouts_enabled"):
            account.update(details_submitted=True, charges_enabled=True,
                           capabilities={"transfers": "active"},
                           requirements={"currently_due": [], "disabled_reason": None})
        return account

    # ---------------------------------------------------------------- the wire

    def _handle(self, handler: BaseHTTPRequestHandler, method: str) -> None:
        parts = urlsplit(handler.path)
        length = int(handler.headers.get("Content-Length") or 0)
        raw = handler.rfile.read(length).decode() if length else ""
        params = decode_form(raw if method == "POST" else parts.query)
        headers = {k.lower(): v for k, v in handler.headers.items()}
        key = headers.get("idempotency-key")
        with self.lock:
            self.requests.append(Recorded(method, parts.path, params, headers))
            if method == "POST" and key and key in self.idempotent:
                status, out = self.idempotent[key]
            else:
                try:
                    if headers.get("authorization") != f"Bearer {self.api_key}":
                        raise StripeError(401, "invalid_request_error",
                                          "Invalid API Key provided.")
                    status, payload = 200, self._route(method, parts.path, params)
                except StripeError as error:
                    status, payload = error.status, error.body
                out = json.dumps(payload).encode()
                if method == "POST" and key and status < 500:
                    self.idempotent[key] = (status, out)
        handler.send_response(status)
        handler.send_header("Content-Type", "application/json")
        handler.send_header("Content-Length", str(len(out)))
        handler.send_header("Request-Id", f"req_fake{len(self.requests)}")
        handler.end_headers()
        handler.wfile.write(out)

    def _missing(self, kind: str, ident: str) -> StripeError:
        return StripeError(404, "invalid_request_error", f"No such {kind}: '{ident}'",
                           "resource_missing")

    def _route(self, method: str, path: str, p: dict[str, Any]) -> dict[str, Any]:
        segments = path.strip("/").split("/")
        if segments[0] != "v1":
            raise StripeError(404, "invalid_request_error", f"Unrecognized request URL {path}")
        route = (method, *segments[1:])
        if route == ("POST", "customers"):
            customer = {"id": self.new_id("cus"), "object": "customer",
                        "email": p.get("email"), "name": p.get("name"),
                        "metadata": p.get("metadata", {}), "created": int(time.time())}
            self.customers[customer["id"]] = customer
            return customer
        if route == ("POST", "checkout", "sessions"):
            if "checkout" in self.fail:
                raise self.fail["checkout"]
            return self._checkout(p)
        if segments[1:3] == ["checkout", "sessions"] and len(segments) in (4, 5):
            return self._session_action(method, segments[3], (segments[4:] or [""])[0])
        if route == ("POST", "accounts"):
            return self._create_account(p)
        if method == "GET" and segments[1:2] == ["accounts"] and len(segments) == 3:
            if segments[2] not in self.accounts:
                raise self._missing("account", segments[2])
            return self.accounts[segments[2]]
        if route == ("POST", "account_links"):
            return self._account_link(p)
        if route == ("POST", "billing_portal", "sessions"):
            if p.get("customer") not in self.customers:
                raise self._missing("customer", p.get("customer", ""))
            ident = self.new_id("bps")
            return {"id": ident, "object": "billing_portal.session",
                    "customer": p["customer"], "return_url": p.get("return_url"),
                    "url": f"https://billing.stripe.com/p/session/{ident}"}
        if method == "GET" and segments[1:2] == ["subscriptions"] and len(segments) == 3:
            if segments[2] not in self.subscriptions:
                raise self._missing("subscription", segments[2])
            return self.subscriptions[segments[2]]
        if route == ("POST", "payment_intents"):
            return self._create_intent(p)
        if method == "GET" and segments[1:2] == ["payment_intents"] and len(segments) == 3:
            if segments[2] not in self.intents:
                raise self._missing("payment_intent", segments[2])
            return self.intents[segments[2]]
        if method == "POST" and segments[1:2] == ["payment_intents"] and len(segments) == 4:
            return self._intent_action(segments[2], segments[3])
        if route == ("GET", "transfers"):
            data = [t for t in self.transfers.values() if p.get("transfer_group") in (
                None, t["transfer_group"])]
            return {"object": "list", "url": "/v1/transfers", "has_more": False,
                    "data": data[::-1]}
        if route == ("POST", "transfers"):
            if "transfer" in self.fail:
                raise self.fail["transfer"]
            for field in ("amount", "currency", "destination"):
                if field not in p:
                    raise StripeError(400, "invalid_request_error",
                                      f"Missing required param: {field}.", "parameter_missing",
                                      param=field)
            transfer = {"id": self.new_id("tr"), "object": "transfer",
                        "amount": int(p["amount"]), "currency": p["currency"],
                        "destination": p["destination"],
                        "source_transaction": p.get("source_transaction"),
                        "transfer_group": p.get("transfer_group"),
                        "metadata": p.get("metadata", {})}
            self.transfers[transfer["id"]] = transfer
            return transfer
        raise StripeError(404, "invalid_request_error", f"Unrecognized request URL ({method}: "
                          f"{path}).")

    def _required(self, p: dict[str, Any], *fields: str) -> None:
        for field in fields:
            if field not in p:
                raise StripeError(400, "invalid_request_error", f"Missing required param: "
                                  f"{field}.", "parameter_missing", param=field)

    def _checkout(self, p: dict[str, Any]) -> dict[str, Any]:
        self._required(p, "mode", "success_url")
        if p["mode"] not in ("payment", "subscription", "setup"):
            raise StripeError(400, "invalid_request_error", "Invalid mode: must be one of "
                              "payment, setup, or subscription", param="mode")
        if p.get("customer") and p["customer"] not in self.customers:
            raise self._missing("customer", p["customer"])
        amount, currency = 0, None
        for index, item in enumerate(p.get("line_items") or []):
            price = item.get("price_data")
            if price is None and "price" not in item:
                raise StripeError(400, "invalid_request_error", "You must specify either "
                                  f"`price` or `price_data` in line_items[{index}].",
                                  param=f"line_items[{index}]")
            if price is not None:
                self._required(price, "currency")
                if "product_data" not in price and "product" not in price:
                    raise StripeError(400, "invalid_request_error", "Missing required param: "
                                      f"line_items[{index}][price_data][product_data].",
                                      "parameter_missing")
                amount += int(price["unit_amount"]) * int(item.get("quantity", 1))
                currency = price["currency"]
        if p["mode"] == "payment" and not amount:
            raise StripeError(400, "invalid_request_error", "line_items is required in "
                              "payment mode.", "parameter_missing", param="line_items")
        if p["mode"] != "payment" and "payment_intent_data" in p:
            raise StripeError(400, "invalid_request_error", "payment_intent_data can only be "
                              "used in payment mode.", param="payment_intent_data")
        ident = self.new_id("cs")
        session = {"id": ident, "object": "checkout.session", "mode": p["mode"],
                   "customer": p.get("customer"),
                   "client_reference_id": p.get("client_reference_id"),
                   "metadata": p.get("metadata", {}), "line_items": p.get("line_items"),
                   "subscription_data": p.get("subscription_data", {}),
                   "payment_intent_data": p.get("payment_intent_data", {}),
                   "amount_total": amount or None, "currency": currency,
                   "success_url": p["success_url"], "cancel_url": p.get("cancel_url"),
                   "status": "open", "payment_status": "unpaid", "subscription": None,
                   "payment_intent": None, "created": int(time.time()),
                   "expires_at": int(p.get("expires_at") or time.time() + 86400),
                   "url": f"https://checkout.stripe.com/c/pay/{ident}"}
        self.sessions[ident] = session
        return self._public_session(session)

    @staticmethod
    def _public_session(session: dict[str, Any]) -> dict[str, Any]:
        """A session as Stripe answers it (line items and request-only data not included)."""
        return {k: v for k, v in session.items() if k not in (
            "line_items", "subscription_data", "payment_intent_data")}

    def _session_action(self, method: str, ident: str, action: str) -> dict[str, Any]:
        session = self.sessions.get(ident)
        if session is None:
            raise self._missing("checkout.session", ident)
        if method == "GET" and not action:
            return self._public_session(session)
        if method == "POST" and action == "expire":
            if "expire" in self.fail:
                raise self.fail["expire"]
            if session["status"] != "open":
                raise StripeError(400, "invalid_request_error", "Only Checkout Sessions with a "
                                  "status of `open` can be expired.",
                                  "checkout_session_unexpected_state")
            return self.expire_checkout(ident)
        raise StripeError(404, "invalid_request_error", f"Unrecognized request URL {action}")

    def _create_account(self, p: dict[str, Any]) -> dict[str, Any]:
        if "account" in self.fail:
            raise self.fail["account"]
        if p.get("type") not in ("express", "standard", "custom") and "controller" not in p:
            raise StripeError(400, "invalid_request_error", "Missing required param: type.",
                              "parameter_missing", param="type")
        ident = f"acct_test{next(self.ids):06d}"
        account = {"id": ident, "object": "account", "type": p.get("type"),
                   "email": p.get("email"), "country": p.get("country", "US"),
                   "metadata": p.get("metadata", {}), "capabilities": {
                       name: "inactive" for name in (p.get("capabilities") or {})},
                   "charges_enabled": False, "payouts_enabled": False,
                   "details_submitted": False, "created": int(time.time()),
                   "requirements": {"currently_due": ["external_account", "tos_acceptance.date"],
                                    "disabled_reason": "requirements.past_due"}}
        self.accounts[ident] = account
        return account

    def _account_link(self, p: dict[str, Any]) -> dict[str, Any]:
        if "account_link" in self.fail:
            raise self.fail["account_link"]
        self._required(p, "account", "type")
        if p["account"] not in self.accounts:
            raise self._missing("account", p["account"])
        if p["type"] not in ("account_onboarding", "account_update"):
            raise StripeError(400, "invalid_request_error", "Invalid type.", param="type")
        if p["type"] == "account_onboarding":
            self._required(p, "refresh_url", "return_url")
        now = int(time.time())
        return {"object": "account_link", "created": now, "expires_at": now + 300,
                "url": f"https://connect.stripe.com/setup/e/{p['account']}/"
                       f"{self.new_id('link')}"}

    def _create_intent(self, p: dict[str, Any]) -> dict[str, Any]:
        for field in ("amount", "currency"):
            if field not in p:
                raise StripeError(400, "invalid_request_error", f"Missing required param: "
                                  f"{field}.", "parameter_missing", param=field)
        ident = self.new_id("pi")
        intent = {"id": ident, "object": "payment_intent", "amount": int(p["amount"]),
                  "amount_capturable": 0, "amount_received": 0, "currency": p["currency"],
                  "capture_method": p.get("capture_method", "automatic"),
                  "client_secret": f"{ident}_secret_fake", "metadata": p.get("metadata", {}),
                  "payment_method": p.get("payment_method"), "latest_charge": None,
                  "transfer_group": p.get("transfer_group"),
                  "status": "requires_payment_method"}
        self.intents[ident] = intent
        if p.get("confirm") == "true" and p.get("payment_method"):
            if p["payment_method"] in DECLINED_METHODS:
                raise StripeError(402, "card_error", "Your card was declined.", "card_declined",
                                  decline_code="generic_decline", payment_intent=intent)
            intent["latest_charge"] = self.new_id("ch")
            if intent["capture_method"] == "manual":
                intent.update(status="requires_capture", amount_capturable=intent["amount"])
            else:
                intent.update(status="succeeded", amount_received=intent["amount"])
        return intent

    def _intent_action(self, ident: str, action: str) -> dict[str, Any]:
        intent = self.intents.get(ident)
        if intent is None:
            raise self._missing("payment_intent", ident)
        if action in self.fail:
            raise self.fail[action]
        if action == "capture":
            if intent["status"] != "requires_capture":
                raise StripeError(400, "invalid_request_error", "This PaymentIntent could not "
                                  f"be captured because it has a status of {intent['status']}.",
                                  "payment_intent_unexpected_state")
            intent.update(status="succeeded", amount_received=intent["amount"],
                          amount_capturable=0)
            return intent
        if action == "cancel":
            if intent["status"] in ("succeeded", "canceled"):
                raise StripeError(400, "invalid_request_error", "You cannot cancel this "
                                  f"PaymentIntent because it has a status of {intent['status']}.",
                                  "payment_intent_unexpected_state")
            intent.update(status="canceled", amount_capturable=0)
            return intent
        raise StripeError(404, "invalid_request_error", f"Unrecognized request URL {action}")
