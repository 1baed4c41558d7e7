"""JWTs and API keys that must not work: tampered, expired, unsigned, foreign, the wrong kind,
revoked; and the right ones keep working."""

from __future__ import annotations

import base64
import json
import time
import uuid

import jwt
import pytest

from tests.helpers import bearer

ME = "/api/v1/users/me"


def _claims(app, user: dict, kind: str = "access", **changes) -> dict:
    """Claims shaped like the app's own tokens (flask-jwt-extended's)."""
    now = int(time.time())
    lifetime = app.config["JWT_ACCESS_TOKEN_EXPIRES" if kind == "access"
                          else "JWT_REFRESH_TOKEN_EXPIRES"]
    claims = {"sub": str(user["id"]), "type": kind, "fresh": False, "jti": str(uuid.uuid4()),
              "iat": now, "nbf": now, "exp": now + int(lifetime.total_seconds()),
              "csrf": str(uuid.uuid4())}
    claims.update(changes)
    return claims


def _b64(data: dict) -> str:
    raw = json.dumps(data, separators=(",", ":")).encode()
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _refused(client, token: str, path: str = ME, method: str = "GET") -> str:
    """Call path with the token; it must be a 401; return the message."""
    response = client.open(path, method=method, headers=bearer(token))
    assert response.status_code == 401, (response.status_code, response.get_json())
    assert response.headers.get("WWW-Authenticate") == "Bearer"
    return response.get_json()["message"]


def test_the_real_tokens_work(client, make_user):
    user = make_user()
    assert client.get(ME, headers=bearer(user["access_token"])).json["id"] == user["id"]
    renewed = client.post("/api/v1/auth/refresh", headers=bearer(user["refresh_token"]))
    assert renewed.status_code == 200
    assert client.get(ME, headers=bearer(renewed.json["access_token"])).status_code == 200


def test_a_well_formed_token_we_signed_also_works(app, client, make_user):
    """The forged tokens below differ from this one in one thing each."""
    user = make_user()
    token = jwt.encode(_claims(app, user), app.config["JWT_SECRET_KEY"], algorithm="HS256")
    assert client.get(ME, headers=bearer(token)).status_code == 200


@pytest.mark.parametrize("part", ["header", "payload", "signature"])
def test_a_tampered_token_is_refused(client, make_user, part):
    user, other = make_user(), make_user()
    header, payload, signature = user["access_token"].split(".")
    if part == "header":
        header = _b64({"alg": "HS256", "typ": "JWT", "kid": "x"})
    elif part == "payload":  # claim to be someone else, keeping the signature
        claims = json.loads(base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4)))
        payload = _b64({**claims, "sub": str(other["id"])})
    else:
        signature = signature[:-4] + ("AAAA" if not signature.endswith("AAAA") else "BBBB")
    message = _refused(client, f"{header}.{payload}.{signature}")
    assert "Invalid token" in message or "refused" in message


def test_an_expired_access_token_is_refused(app, client, make_user):
    user = make_user()
    past = int(time.time()) - 3600
    token = jwt.encode(_claims(app, user, iat=past - 900, nbf=past - 900, exp=past),
                       app.config["JWT_SECRET_KEY"], algorithm="HS256")
    assert "expired" in _refused(client, token)


def test_an_expired_refresh_token_cannot_refresh(app, client, make_user):
    user = make_user()
    past = int(time.time()) - 60
    token = jwt.encode(_claims(app, user, "refresh", exp=past), app.config["JWT_SECRET_KEY"],
                       algorithm="HS256")
    assert "expired" in _refused(client, token, "/api/v1/auth/refresh", "POST")


def test_an_unsigned_alg_none_token_is_refused(app, client, make_user):
    user = make_user()
    token = f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(_claims(app, user))}."
    _refused(client, token)
    # Also with PyJWT's own encoding of "none", and with a stray signature.
    _refused(client, jwt.encode(_claims(app, user), None, algorithm="none"))
    _refused(client, token + "c2lnbmF0dXJl")


@pytest.mark.filterwarnings("ignore::jwt.warnings.InsecureKeyLengthWarning")
@pytest.mark.parametrize("algorithm", ["HS384", "HS512"])
def test_other_algorithms_are_refused_even_with_our_secret(app, client, make_user, algorithm):
    user = make_user()
    token = jwt.encode(_claims(app, user), app.config["JWT_SECRET_KEY"], algorithm=algorithm)
    _refused(client, token)


def test_a_token_signed_with_another_secret_is_refused(app, client, make_user):
    user = make_user()
    token = jwt.encode(_claims(app, user), "not-our-secret-" * 4, algorithm="HS256")
    _refused(client, token)


def test_a_token_of_a_user_that_does_not_exist_is_refused(app, client, make_user):
    user = make_user()
    token = jwt.encode(_claims(app, user, sub="999999"), app.config["JWT_SECRET_KEY"],
                       algorithm="HS256")
    assert "no longer exists" in _refused(client, token)


def test_a_refresh_token_is_not_an_access_token(client, make_user):
    user = make_user()
    _refused(client, user["refresh_token"])
    _refused(client, user["refresh_token"], "/api/v1/shaders", "POST")
    _refused(client, user["refresh_token"], "/api/v1/mcp-keys", "GET")


def test_an_access_token_cannot_refresh_or_log_out(client, make_user):
    user = make_user()
    _refused(client, user["access_token"], "/api/v1/auth/refresh", "POST")
    _refused(client, user["access_token"], "/api/v1/auth/logout", "POST")


def test_a_refresh_token_is_dead_after_logout(client, make_user):
    user = make_user()
    out = client.post("/api/v1/auth/logout", headers=bearer(user["refresh_token"]))
    assert out.status_code == 204
    assert "revoked" in _refused(client, user["refresh_token"], "/api/v1/auth/refresh", "POST")
    _refused(client, user["refresh_token"], "/api/v1/auth/logout", "POST")
    # Another session of the same person is not affected.
    login = client.post("/api/v1/auth/login", json={"username": user["username"],
                                                    "password": user["password"]})
    again = client.post("/api/v1/auth/refresh", headers=bearer(login.json["refresh_token"]))
    assert again.status_code == 200


@pytest.mark.parametrize("value", ["", "Bearer", "Basic dXNlcjpwYXNz", "Bearer a.b",
                                   "Bearer " + "x" * 5000, "Bearer \u00e9t\u00e9.x.y"])
def test_malformed_authorization_headers_are_401_not_500(client, make_user, value):
    make_user()
    response = client.get(ME, headers={"Authorization": value})
    assert response.status_code == 401, response.get_json()


def test_unknown_and_revoked_api_keys_are_refused_everywhere(client, make_user):
    user = make_user()
    made = client.post("/api/v1/mcp-keys", headers=bearer(user["access_token"]),
                       json={"name": "bot", "scopes": ["read", "write"]}).json
    key = {"X-API-Key": made["key"]}
    assert client.get(ME, headers=key).status_code == 200
    for bad in ("ff_" + "A" * 43, "not-a-key", made["key"][:-1] + "x"):
        refused = client.get("/api/v1/shaders", headers={"X-API-Key": bad})
        assert refused.status_code == 401, "a public read with a bad key is refused too"
    client.delete(f"/api/v1/mcp-keys/{made['id']}", headers=bearer(user["access_token"]))
    for path in (ME, "/api/v1/shaders", "/api/v1/health"):
        refused = client.get(path, headers=key)
        assert refused.status_code == 401 and "revoked" in refused.json["message"], path


def test_an_api_key_cannot_stand_in_for_a_jwt_bearer(client, make_user):
    user = make_user()
    made = client.post("/api/v1/mcp-keys", headers=bearer(user["access_token"]),
                       json={"name": "bot", "scopes": ["read", "write"]}).json
    _refused(client, made["key"])


def test_pages_treat_forged_cookies_as_signed_out(app, client, make_user):
    user = make_user()
    past = int(time.time()) - 3600
    forged = [
        jwt.encode(_claims(app, user), "not-our-secret-" * 4, algorithm="HS256"),
        f"{_b64({'alg': 'none', 'typ': 'JWT'})}.{_b64(_claims(app, user))}.",
        jwt.encode(_claims(app, user, exp=past, nbf=past - 60, iat=past - 60),
                   app.config["JWT_SECRET_KEY"], algorithm="HS256"),
        user["refresh_token"],  # a refresh token in the access cookie
    ]
    for token in forged:
        client.set_cookie("access_token_cookie", token)
        page = client.get("/settings")
        assert page.status_code == 302 and "/login" in page.headers["Location"], token
        assert "data-username" not in client.get("/").get_data(as_text=True)
    client.delete_cookie("access_token_cookie")
    # A refresh cookie revoked by signing out renews nothing.
    client.post("/api/v1/auth/logout", headers=bearer(user["refresh_token"]))
    client.set_cookie("refresh_token_cookie", user["refresh_token"])
    assert client.get("/settings").status_code == 302
