"""Helpers shared by tests: headers, page sessions and forms, asks, the run's configuration and
processes' environment, accounts, and a /health probe. Plain functions and classes (fixtures
live in the conftest files, which import from here; tests import from here, not from them)."""

from __future__ import annotations

import os
import re
import statistics
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import requests

if TYPE_CHECKING:
    from flask import Flask

    from fractafrag.config import Config
    from tests.payments.fake_stripe import FakeStripe


def bearer(token: str) -> dict[str, str]:
    """An Authorization header for token."""
    return {"Authorization": f"Bearer {token}"}


# ------------------------------------------------------------------------ pages, forms, sign-in


def signed_in(client: Any, user: dict) -> None:
    """Put the user's access token where pages read it: the httpOnly cookie."""
    client.set_cookie("access_token_cookie", user["access_token"])


def form_token(client: Any, path: str = "/login") -> str:
    """The CSRF token a page's forms carry (one per session: any page with a form gives it)."""
    html = client.get(path).get_data(as_text=True)
    found = re.search(r'name="csrf_token" value="([^"]+)"', html)
    assert found, f"no form token on {path}"
    return found.group(1)


def sign_in(client: Any, user: dict) -> str:
    """Sign in through the login form, as a browser does (it sets the cookies); return the
    form CSRF token of the session."""
    token = form_token(client, "/login")
    signed = client.post("/login", data={"username": user["username"],
                                         "password": user["password"], "csrf_token": token})
    assert signed.status_code == 302, signed.get_data(as_text=True)[:300]
    return token


def ask(client: Any, user: dict, prompt: str = "a raymarched ocean at sunset",
        bounty_cents: int = 0) -> dict:
    """Post a desire through the API; return it."""
    response = client.post("/api/v1/desires", json={"prompt": prompt,
                                                    "bounty_cents": bounty_cents},
                           headers=bearer(user["access_token"]))
    assert response.status_code == 201, response.json
    return response.json


# ----------------------------------------------------------------- configuration and processes


def make_config(urls: dict[str, str], **overrides: object) -> Config:
    """A test configuration on the run's servers."""
    from fractafrag.config import Config, sqlalchemy_url

    settings: dict[str, object] = {
        "SQLALCHEMY_DATABASE_URI": sqlalchemy_url(urls["DATABASE_URL"]),
        "REDIS_URL": urls["REDIS_URL"],
        "SECRET_KEY": "test-secret-key-0123456789abcdef0123456789abcdef",
        "JWT_SECRET_KEY": "test-secret-key-0123456789abcdef0123456789abcdef",
        "SOCKETIO_ASYNC_MODE": "threading",
        "DATA_DIR": str(Path(urls["root"]) / "data"),
        "TESTING": True,
    }
    settings.update(overrides)
    return Config(**settings)


def process_env(urls: dict[str, str], **settings: str) -> dict[str, str]:
    """The environment of a Fractafrag process started apart (web, worker, render worker): the
    run's servers and secret, plus settings as FRACTAFRAG_* variables."""
    secret = make_config(urls).JWT_SECRET_KEY
    return {**os.environ, "DATABASE_URL": urls["DATABASE_URL"], "REDIS_URL": urls["REDIS_URL"],
            "SECRET_KEY": secret, "FRACTAFRAG_JWT_SECRET": secret, **settings}


class UserFactory:
    """Creates accounts through the real registration service and signs them in."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.count = 0

    def __call__(self, username: str | None = None, password: str = "correct horse battery"
                 ) -> dict:
        """Create a user; return {id, username, email, password, access_token, refresh_token}."""
        from fractafrag.auth import issue_tokens
        from fractafrag.services import accounts

        self.count += 1
        username = username or f"artist{self.count}"
        email = f"{username.lower()}@example.org"
        with self.app.app_context():
            user = accounts.register(username, email, password)
            tokens = issue_tokens(user)
            return {"id": user.id, "username": username, "email": email,
                    "password": password, **tokens}


def fake_stripe() -> Iterator[FakeStripe]:
    """A fresh loopback fake of Stripe's API expecting the payment tests' SECRET_KEY, closed
    afterwards (the body of the `stripe_fake` fixtures, whatever their scope)."""
    from tests.payments.fake_stripe import SECRET_KEY, FakeStripe

    fake = FakeStripe(SECRET_KEY)
    try:
        yield fake
    finally:
        fake.close()


# ------------------------------------------------------------------------------------ liveness


class HealthProbe:
    """GET /api/v1/health every 100 ms in a thread while an attack runs; records each answer's
    time, and each failure (not 200, or no answer within `timeout` seconds).

    `with HealthProbe(url) as probe:` probes inside the block; or start() and finish()."""

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        self.url = url
        self.timeout = timeout
        self.times: list[float] = []
        self.failures: list[str] = []
        self._stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)

    def start(self) -> HealthProbe:
        self.thread.start()
        return self

    def stop(self) -> None:
        self._stop.set()
        self.thread.join(15)

    def __enter__(self) -> HealthProbe:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def _run(self) -> None:
        while not self._stop.is_set():
            started = time.monotonic()
            try:
                answer = requests.get(f"{self.url}/api/v1/health", timeout=self.timeout)
                if answer.status_code != 200:
                    self.failures.append(f"status {answer.status_code}")
            except requests.RequestException as error:
                self.failures.append(repr(error))
            self.times.append(time.monotonic() - started)
            self._stop.wait(max(0.1 - (time.monotonic() - started), 0))

    def finish(self) -> dict[str, float]:
        """Stop; return the probe count and the p50, p99 and slowest answer times."""
        self.stop()
        ordered = sorted(self.times)
        return {"probes": len(ordered), "p50": statistics.median(ordered),
                "p99": ordered[min(len(ordered) - 1, int(len(ordered) * 0.99))],
                "max": ordered[-1]}

    def check(self, within: float) -> None:
        """Every probe answered 200, each within `within` seconds (call after stopping)."""
        assert len(self.times) >= 5, "the probe ran during the attack"
        assert self.failures == []
        assert max(self.times) < within, sorted(self.times)[-5:]
