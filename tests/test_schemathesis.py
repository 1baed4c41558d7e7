"""Schemathesis over the whole REST API, in-process: no 5xx, and every answer as documented.

Every operation of /api/openapi.json is called with generated data (valid, then invalid), once
anonymously and once signed in (a Bearer token of a real, Pro, user), against a database
holding real rows: shaders (public, private, unlisted, a fork, two versions), desires with an
offer and a pledge, an API key, an AI provider key, a generation job and a comment. Most path
and query ids are swapped for those rows' ids, and many bodies are made valid where random data
never is (code that compiles, a strong password), so the calls reach the code behind the 404s
and 422s. Before each write operation the tables are emptied and seeded again.

Each answer must:
- not be a 5xx;
- carry a status code the operation documents, the content type it documents and a body that
  matches the documented schema (schemathesis' conformance checks; flask-smorest documents a
  `default` Error answer for every operation);
- beyond that `default`, name its status explicitly in the operation, except where the
  OpenAPI or docs/api.md implies it for every operation alike: 401 where the operation declares
  `security`, 404 where the path has a parameter, 400 for a body that is not JSON and 413 for
  one over the size limit (see `documented_status`).

Payments run against the loopback fake of Stripe (tests/payments/fake_stripe.py); test renders
time out after 0.2 s (no render worker here), which is their documented 504. Rate limits are
off so that generated calls reach past them (tests/security/test_limits.py covers them).
Socket.IO is not part of the OpenAPI document.
"""

from __future__ import annotations

import collections
import json
import zlib

import pytest
import schemathesis
import sqlalchemy as sa
from flask import Flask
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis.errors import Unsatisfiable
from schemathesis import GenerationMode
from schemathesis.checks import (
    content_type_conformance,
    not_a_server_error,
    response_schema_conformance,
    status_code_conformance,
)

from tests.api.shader_helpers import FEEDBACK_COMMON, FEEDBACK_PASSES, GRADIENT
from tests.helpers import bearer
from tests.payments.fake_stripe import PRICE, SECRET_KEY, WEBHOOK_SECRET, FakeStripe

STATS: dict[tuple[str, str, str], collections.Counter] = {}  # (who, mode, operation): statuses
# Cases per operation and mode (derandomized, so each run sends the same ones): the two runs
# took 3.5 min of the suite's 30 at 15 and 8; an operation's distinct answers show up well
# before that, so fewer keep the suite inside its time with the same operations covered.
POSITIVE_EXAMPLES = 10
NEGATIVE_EXAMPLES = 6
PASSWORD = "correct horse battery"
# Not response_headers_conformance: flask-smorest documents X-Pagination (JSON in a header) with
# an object schema, which header validation cannot read; `pagination_header` checks it instead.
CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance,
          response_schema_conformance]


class World:
    """Real rows to aim the generated calls at, seeded through the API itself."""

    def __init__(self, app: Flask) -> None:
        self.app = app
        self.client = app.test_client()
        self.ids: dict[str, list] = {}
        self.owner: dict = {}
        self.dirty = True

    def reset(self) -> None:
        """Empty every table and Redis, then seed again."""
        from fractafrag.extensions import db, redis

        with self.app.app_context():
            db.session.remove()
            tables = ", ".join(t.name for t in db.metadata.sorted_tables)
            db.session.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
            db.session.commit()
            redis.flushdb()
        self.seed()

    def _ok(self, response, status: int = 200) -> dict:
        assert response.status_code == status, (response.status_code, response.get_json())
        return response.get_json() or {}

    def _register(self, username: str) -> dict:
        body = self._ok(self.client.post("/api/v1/auth/register", json={
            "username": username, "email": f"{username}@example.org", "password": PASSWORD}),
            201)
        return {"id": body["user"]["id"], "username": username, **body}

    def seed(self) -> None:
        from fractafrag.extensions import db
        from fractafrag.models import User

        c = self.client
        owner, other = self._register("owner"), self._register("other")
        with self.app.app_context():
            db.session.get(User, owner["id"]).tier = "pro"
            db.session.commit()
        mine, theirs = bearer(owner["access_token"]), bearer(other["access_token"])
        public = self._ok(c.post("/api/v1/shaders", headers=mine, json={
            "title": "Gradient", "tags": ["gradient"], "code": GRADIENT}), 201)
        self._ok(c.patch(f"/api/v1/shaders/{public['id']}", headers=mine, json={
            "passes": FEEDBACK_PASSES, "common": FEEDBACK_COMMON, "message": "feedback"}))
        private = self._ok(c.post("/api/v1/shaders", headers=mine, json={
            "title": "Secret", "visibility": "private", "code": GRADIENT}), 201)
        others = self._ok(c.post("/api/v1/shaders", headers=theirs, json={
            "title": "Theirs", "code": GRADIENT}), 201)
        unlisted = self._ok(c.post("/api/v1/shaders", headers=theirs, json={
            "title": "By link", "visibility": "unlisted", "code": GRADIENT}), 201)
        fork = self._ok(c.post(f"/api/v1/shaders/{others['id']}/fork", headers=mine,
                               json={"visibility": "public"}), 201)
        my_desire = self._ok(c.post("/api/v1/desires", headers=mine, json={
            "prompt": "a tunnel of neon rings", "bounty_cents": 500}), 201)
        their_desire = self._ok(c.post("/api/v1/desires", headers=theirs, json={
            "prompt": "rain on a window at night"}), 201)
        offer = self._ok(c.post(f"/api/v1/desires/{my_desire['id']}/fulfill", headers=theirs,
                                json={"shader_id": others["id"]}), 201)
        key = self._ok(c.post("/api/v1/mcp-keys", headers=mine, json={
            "name": "script", "scopes": ["read", "write"]}), 201)
        self._ok(c.put("/api/v1/users/me/byok/openai", headers=mine, json={
            "api_key": "sk-test-0123456789abcdef"}))
        job = self._ok(c.post("/api/v1/generate", headers=mine, json={
            "prompt": "a slowly rotating torus"}), 202)
        self._ok(c.post(f"/api/v1/desires/{their_desire['id']}/pledges", headers=mine,
                        json={"amount_cents": 300}), 201)
        comment = c.post(f"/api/v1/shaders/{public['id']}/comments", headers=theirs,
                         json={"body": "Lovely *feedback*."})
        jam = self._ok(c.post(f"/api/v1/shaders/{public['id']}/jams", headers=mine, json={}),
                       201)
        self._ok(c.post(f"/api/v1/jams/{jam['id']}/join", headers=theirs,
                        json={"invite": jam["invite"]}))
        self.owner = owner
        self.ids = {
            "jam_id": [jam["id"]],
            "user_id": [other["id"]],
            "comment_id": [comment.get_json()["id"]] if comment.status_code == 201 else [],
            "shader_id": [public["id"], private["id"], others["id"], unlisted["id"], fork["id"]],
            "number": [1, 2],
            "desire_id": [my_desire["id"], their_desire["id"]],
            "offer_id": [offer["id"]],
            "key_id": [key["id"]],
            "provider": ["openai", "anthropic"],
            "job_id": [job["id"]],
            "username": ["owner", "other"],
            "author": ["owner", "other"],
            "from": [1, 2],
            "to": [1, 2],
        }

    def aim(self, case) -> None:
        """Point most path and query parameters at real rows and make many bodies valid where
        random data never is (code that compiles, a strong password). Decided by the generated
        values themselves, so Hypothesis replays a failing case exactly."""
        for params in (case.path_parameters, case.query):
            for name, value in list((params or {}).items()):
                choices = self.ids.get(name)
                seed = zlib.crc32(repr(value).encode())
                if choices and seed % 5:
                    params[name] = choices[seed % len(choices)]
        body = case.body
        if not isinstance(body, dict) or not zlib.crc32(repr(body).encode()) % 3:
            return
        path = case.operation.path
        seed = zlib.crc32(repr(body).encode())
        if path in ("/api/v1/shaders", "/api/v1/shaders/{shader_id}", "/api/v1/validate",
                    "/api/v1/render-preview"):
            body.pop("passes", None)
            body.pop("common", None)
            body["code"] = GRADIENT
        elif path == "/api/v1/auth/register":
            body.update(username=f"user{seed}", email=f"user{seed}@example.org",
                        password=PASSWORD)
        elif path == "/api/v1/auth/login":
            body.pop("email", None)
            body.update(username="owner", password=PASSWORD)


@pytest.fixture
def world(make_app, stripe_fake: FakeStripe) -> World:
    app = make_app(RATELIMIT_ENABLED=False, RENDER_PREVIEW_TIMEOUT=0.2,
                   STRIPE_SECRET_KEY=SECRET_KEY, STRIPE_WEBHOOK_SECRET=WEBHOOK_SECRET,
                   STRIPE_PRICE_PRO=PRICE, STRIPE_API_BASE=stripe_fake.url,
                   STRIPE_TEST_PAYMENT_METHOD="pm_card_visa")
    return World(app)


def documented_status(response, case) -> None:
    """The status is named by the operation, or implied by the OpenAPI: 401 where it declares
    `security`, 404 where the path has a parameter; 400 for a body that is not JSON at all and
    413 for one over the size limit (docs/api.md lists both for every call)."""
    definition = case.operation.definition.raw
    status = response.status_code
    if str(status) in definition.get("responses", {}):
        return
    if status == 401 and definition.get("security"):
        return
    if status == 404 and "{" in case.operation.path:
        return
    if status == 400 and "requestBody" in definition and not _is_json(case.body):
        return
    if status == 413 and "requestBody" in definition:
        return  # over FRACTAFRAG_MAX_BODY_BYTES, for every body alike
    raise AssertionError(f"{case.operation.label} answered {status}, which it does not "
                         f"document: {response.text[:300]}")


def _is_json(body) -> bool:
    if not isinstance(body, bytes | str):
        return True
    try:
        json.loads(body)
    except ValueError:
        return False
    return True


def pagination_header(response) -> None:
    """X-Pagination, when sent, is a JSON object of integers."""
    raw = response.headers.get("X-Pagination")
    if raw is None:
        return
    meta = json.loads(raw[0] if isinstance(raw, list) else raw)
    assert {"total", "total_pages", "page", "first_page", "last_page"} <= set(meta), meta
    assert all(isinstance(value, int) for value in meta.values()), meta


def exercise(world: World, operation, who: str, mode: GenerationMode, examples: int) -> None:
    """Run `examples` generated cases of one operation and check every answer."""

    @settings(max_examples=examples, deadline=None, derandomize=True, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=operation.as_strategy(generation_mode=mode))
    def run(case) -> None:
        world.aim(case)
        for name in ("Authorization", "X-API-Key"):
            (case.headers or {}).pop(name, None)
        headers = {}
        if who == "signed_in":
            token = world.owner["access_token"]
            if operation.path in ("/api/v1/auth/refresh", "/api/v1/auth/logout"):
                token = world.owner["refresh_token"]
            headers = bearer(token)
        response = case.call(headers=headers)
        STATS.setdefault((who, mode.value, operation.label), collections.Counter())[
            response.status_code] += 1
        checks = CHECKS
        if operation.path == "/api/v1/render-preview" and response.status_code == 504:
            checks = CHECKS[1:]  # no render worker here: its documented 504, not a fault
        case.validate_response(response, checks=checks)
        documented_status(response, case)
        pagination_header(response)

    try:
        run()
    except Unsatisfiable:
        if mode is GenerationMode.POSITIVE:
            raise  # only negative mode may find nothing to break (no parameters at all)


@pytest.mark.parametrize("who", ["anonymous", "signed_in"])
def test_every_operation_answers_as_documented(world: World, who: str) -> None:
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", world.app)
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) > 40
    failures = []
    for operation in operations:
        if world.dirty or operation.method.upper() != "GET":
            world.reset()  # reads change nothing that matters; writes start afresh
        world.dirty = operation.method.upper() != "GET"
        for mode, examples in ((GenerationMode.POSITIVE, POSITIVE_EXAMPLES),
                               (GenerationMode.NEGATIVE, NEGATIVE_EXAMPLES)):
            try:
                exercise(world, operation, who, mode, examples)
            except Exception as exc:  # noqa: BLE001 (every operation is reported, then fail)
                failures.append(f"{operation.label} ({mode.value}): {exc}")
                break
    assert not failures, "\n\n".join(failures)
    # The seeded rows were really reached, not only 404s.
    reached = {label for (mode_who, _, label), statuses in STATS.items() if mode_who == who
               and any(200 <= status < 300 for status in statuses)}
    expected = {"GET /api/v1/shaders/{shader_id}", "GET /api/v1/desires/{desire_id}",
                "GET /api/v1/shaders/{shader_id}/versions/{number}", "POST /api/v1/auth/login"}
    if who == "signed_in":
        expected |= {"GET /api/v1/users/me", "DELETE /api/v1/mcp-keys/{key_id}",
                     "GET /api/v1/generate/{job_id}", "POST /api/v1/auth/refresh"}
    assert expected <= reached, expected - reached
