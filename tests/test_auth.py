"""Accounts: registration, sign-in, refresh, logout and token checks."""

from __future__ import annotations

import base64
import json
import time
from datetime import timedelta

import jwt as pyjwt
import pytest

from tests.helpers import bearer

GOOD = "correct horse battery"


def register(client, username="Alice", email="alice@example.org", password=GOOD, **extra):
    return client.post(
        "/api/v1/auth/register",
        json={"username": username, "email": email, "password": password, **extra},
    )


def test_register_returns_user_and_working_tokens(client):
    response = register(client)
    assert response.status_code == 201
    body = response.json
    assert body["user"]["username"] == "Alice"
    assert body["user"]["email"] == "alice@example.org"
    assert "password" not in body["user"] and "password_hash" not in body["user"]
    me = client.get("/api/v1/users/me", headers=bearer(body["access_token"]))
    assert me.status_code == 200 and me.json["username"] == "Alice"


def test_password_is_stored_as_argon2id_hash(client, app):
    register(client)
    from fractafrag.extensions import db
    from fractafrag.models import User

    with app.app_context():
        stored = db.session.query(User).one().password_hash
    assert stored.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert GOOD not in stored


def test_username_is_unique_ignoring_case(client):
    assert register(client, "Alice").status_code == 201
    response = register(client, "ALICE", email="other@example.org")
    assert response.status_code == 409
    assert "username" in response.json["errors"]


def test_email_is_unique_ignoring_case(client):
    assert register(client).status_code == 201
    response = register(client, "bob", email="ALICE@example.org")
    assert response.status_code == 409
    assert "email" in response.json["errors"]


@pytest.mark.parametrize(
    ("password", "fragment"),
    [
        ("short", "at least 8"),
        ("password123", "most common"),
        ("qwertyuiop", "most common"),
        ("x" * 129, "128"),
    ],
)
def test_weak_passwords_are_refused_with_a_reason(client, password, fragment):
    response = register(client, password=password)
    assert response.status_code == 422
    assert fragment in response.json["message"]
    assert "password" in response.json["errors"] or "password" in str(response.json["errors"])


def test_long_passphrases_of_64_characters_are_allowed(client):
    assert register(client, password="a long passphrase that keeps going " * 2).status_code == 201


def test_unknown_and_missing_fields_are_named(client):
    response = client.post(
        "/api/v1/auth/register", json={"username": "alice", "password": GOOD, "admin": True}
    )
    assert response.status_code == 422
    errors = response.json["errors"]["json"]
    assert "admin" in errors and "email" in errors
    assert "admin" in response.json["message"]


def test_overlong_username_reports_the_limit(client):
    response = register(client, username="a" * 40)
    assert response.status_code == 422
    assert "32" in str(response.json["errors"]["json"]["username"])


def test_malformed_json_is_a_400(client):
    response = client.post(
        "/api/v1/auth/register", data="{not json", content_type="application/json"
    )
    assert response.status_code == 400
    assert response.json["message"] == "The request body is not valid JSON."


def test_login_by_username_or_email_in_any_case(client):
    register(client)
    for login in ("Alice", "alice", "ALICE@example.org"):
        response = client.post("/api/v1/auth/login", json={"username": login, "password": GOOD})
        assert response.status_code == 200, login
        assert response.json["user"]["username"] == "Alice"
    by_email_field = client.post(
        "/api/v1/auth/login", json={"email": "alice@example.org", "password": GOOD}
    )
    assert by_email_field.status_code == 200


def test_wrong_password_and_unknown_user_get_the_same_401(client):
    register(client)
    wrong = client.post("/api/v1/auth/login", json={"username": "alice", "password": "nope nope"})
    ghost = client.post("/api/v1/auth/login", json={"username": "ghost", "password": GOOD})
    assert wrong.status_code == ghost.status_code == 401
    assert wrong.json["message"] == ghost.json["message"]


def test_refresh_gives_a_new_access_token(client):
    tokens = register(client).json
    response = client.post("/api/v1/auth/refresh", headers=bearer(tokens["refresh_token"]))
    assert response.status_code == 200
    me = client.get("/api/v1/users/me", headers=bearer(response.json["access_token"]))
    assert me.status_code == 200


def test_access_token_cannot_be_used_to_refresh(client):
    tokens = register(client).json
    response = client.post("/api/v1/auth/refresh", headers=bearer(tokens["access_token"]))
    assert response.status_code == 401


def test_logout_revokes_the_refresh_token_at_once(client):
    tokens = register(client).json
    logout = client.post("/api/v1/auth/logout", headers=bearer(tokens["refresh_token"]))
    assert logout.status_code == 204
    again = client.post("/api/v1/auth/refresh", headers=bearer(tokens["refresh_token"]))
    assert again.status_code == 401
    assert "revoked" in again.json["message"]


def test_logout_leaves_other_sessions_signed_in(client):
    register(client)
    first = client.post("/api/v1/auth/login", json={"username": "alice", "password": GOOD}).json
    second = client.post("/api/v1/auth/login", json={"username": "alice", "password": GOOD}).json
    client.post("/api/v1/auth/logout", headers=bearer(first["refresh_token"]))
    still = client.post("/api/v1/auth/refresh", headers=bearer(second["refresh_token"]))
    assert still.status_code == 200


def test_expired_access_token_is_refused(client, app, make_user):
    user = make_user()
    from flask_jwt_extended import create_access_token

    with app.app_context():
        token = create_access_token(identity=user["id"], expires_delta=timedelta(seconds=-5))
    response = client.get("/api/v1/users/me", headers=bearer(token))
    assert response.status_code == 401
    assert "expired" in response.json["message"]


def test_a_token_that_worked_is_refused_once_it_expires(client, app, make_user):
    """Verified tokens are remembered per process; their expiry is checked on every use."""
    user = make_user()
    from flask_jwt_extended import create_access_token

    with app.app_context():
        token = create_access_token(identity=user["id"], expires_delta=timedelta(seconds=3))
    assert client.get("/api/v1/users/me", headers=bearer(token)).status_code == 200
    expires = pyjwt.decode(token, options={"verify_signature": False})["exp"]
    time.sleep(max(0.0, expires - time.time()) + 0.1)
    response = client.get("/api/v1/users/me", headers=bearer(token))
    assert response.status_code == 401
    assert "expired" in response.json["message"]


def test_access_tokens_last_15_minutes_and_refresh_tokens_30_days(make_user):
    user = make_user()
    access = pyjwt.decode(user["access_token"], options={"verify_signature": False})
    refresh = pyjwt.decode(user["refresh_token"], options={"verify_signature": False})
    assert access["exp"] - access["iat"] == 15 * 60
    assert refresh["exp"] - refresh["iat"] == 30 * 24 * 3600


def _b64(data: dict) -> str:
    return base64.urlsafe_b64encode(json.dumps(data).encode()).rstrip(b"=").decode()


def test_tampered_token_is_refused(client, make_user):
    user = make_user()
    header, payload, signature = user["access_token"].split(".")
    claims = json.loads(base64.urlsafe_b64decode(payload + "=="))
    claims["sub"] = "999"
    forged = f"{header}.{_b64(claims)}.{signature}"
    assert client.get("/api/v1/users/me", headers=bearer(forged)).status_code == 401


def test_alg_none_token_is_refused(client, make_user):
    user = make_user()
    claims = pyjwt.decode(user["access_token"], options={"verify_signature": False})
    unsigned = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(claims)}."
    assert client.get("/api/v1/users/me", headers=bearer(unsigned)).status_code == 401


def test_only_hs256_is_accepted(client, app, make_user):
    user = make_user()
    claims = pyjwt.decode(user["access_token"], options={"verify_signature": False})
    other_alg = pyjwt.encode(claims, app.config["JWT_SECRET_KEY"], algorithm="HS512")
    assert client.get("/api/v1/users/me", headers=bearer(other_alg)).status_code == 401


def test_token_of_a_deleted_account_is_refused(client, app, make_user):
    user = make_user()
    from fractafrag.extensions import db
    from fractafrag.models import User

    with app.app_context():
        db.session.delete(db.session.get(User, user["id"]))
        db.session.commit()
    assert client.get("/api/v1/users/me", headers=bearer(user["access_token"])).status_code == 401


def test_login_is_limited_per_account_with_retry_after(client):
    register(client)
    for _ in range(10):
        client.post("/api/v1/auth/login", json={"username": "alice", "password": "wrong one"})
    blocked = client.post("/api/v1/auth/login", json={"username": "alice", "password": GOOD})
    assert blocked.status_code == 429
    assert int(blocked.headers["Retry-After"]) > 0
    assert "this account" in blocked.json["message"]


def test_login_is_limited_per_ip(make_app):
    app = make_app(RATELIMIT_LOGIN_IP="3/1min", RATELIMIT_LOGIN_ACCOUNT="100/1min")
    client = app.test_client()
    for name in ("a1", "a2", "a3"):
        client.post("/api/v1/auth/login", json={"username": name, "password": "whatever1"})
    blocked = client.post("/api/v1/auth/login", json={"username": "a4", "password": "whatever1"})
    assert blocked.status_code == 429
    assert "this address" in blocked.json["message"]
    other_ip = client.post(
        "/api/v1/auth/login",
        json={"username": "a4", "password": "whatever1"},
        environ_base={"REMOTE_ADDR": "10.9.8.7"},
    )
    assert other_ip.status_code == 401


def test_rate_limits_switch_off(make_app):
    app = make_app(RATELIMIT_ENABLED=False, RATELIMIT_LOGIN_IP="1/1min")
    client = app.test_client()
    for _ in range(5):
        response = client.post("/api/v1/auth/login", json={"username": "x", "password": "y" * 8})
        assert response.status_code == 401


def test_registration_is_limited_per_ip(make_app):
    app = make_app(RATELIMIT_REGISTER_IP="2/1h")
    client = app.test_client()
    assert register(client, "one", "one@example.org").status_code == 201
    assert register(client, "two", "two@example.org").status_code == 201
    blocked = register(client, "three", "three@example.org")
    assert blocked.status_code == 429 and "Retry-After" in blocked.headers
