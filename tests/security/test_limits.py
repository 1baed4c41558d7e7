"""Limits: rate limits (on by default, 429 with Retry-After, off with RATELIMIT_ENABLED=False),
that the monthly quota outlives turning them off, the body size limit and the field size limits.

The rate limits are fixed windows, so each test sends up to twice the limit plus one request:
at least `limit` must pass, and a 429 must come, whichever way the window boundary falls.
"""

from __future__ import annotations

import json

from fractafrag.config import Config
from tests.api.shader_helpers import GRADIENT, publish, published
from tests.helpers import bearer, form_token, signed_in

PASSWORD = "correct horse battery"


def first_refusal(send, limit: int, passing: tuple[int, ...] = (401, 422)):
    """Call send(i) until it answers 429; return (i, response). At least `limit` pass first,
    with a 2xx/3xx or one of the `passing` statuses."""
    for i in range(2 * limit + 1):
        response = send(i)
        if response.status_code == 429:
            assert i >= limit, f"refused after {i} requests; the limit is {limit}"
            return i, response
        assert response.status_code < 400 or response.status_code in passing, (
            i, response.status_code, response.get_data(as_text=True)[:200])
    raise AssertionError(f"no 429 after {2 * limit + 1} requests (limit {limit})")


def assert_retry_after(response, window: int) -> None:
    retry = int(response.headers["Retry-After"])
    assert 1 <= retry <= window + 1, retry
    if response.mimetype == "application/json":
        body = response.get_json()
        assert body["code"] == 429 and "Too many" in body["message"], body


def test_rate_limits_are_on_by_default(monkeypatch, app):
    monkeypatch.delenv("FRACTAFRAG_RATELIMIT_ENABLED", raising=False)
    assert Config().RATELIMIT_ENABLED is True
    monkeypatch.setenv("FRACTAFRAG_RATELIMIT_ENABLED", "0")
    assert Config().RATELIMIT_ENABLED is False
    assert app.config["RATELIMIT_ENABLED"] is True, "the tests run with the limits on"


def _login(client, username: str, address: str = "127.0.0.1"):
    return client.post("/api/v1/auth/login", json={"username": username, "password": "wrong!!!"},
                       environ_base={"REMOTE_ADDR": address})


def test_login_is_limited_per_address(app, client):
    limit = int(app.config["RATELIMIT_LOGIN_IP"].split("/")[0])
    _, refused = first_refusal(lambda i: _login(client, f"ghost{i}"), limit)
    assert_retry_after(refused, 60)
    assert "from this address" in refused.json["message"]
    assert _login(client, "ghost", "10.9.9.9").status_code == 401, "other addresses go on"


def test_login_is_limited_per_account(app, client, make_user):
    user = make_user()
    limit = int(app.config["RATELIMIT_LOGIN_ACCOUNT"].split("/")[0])
    _, refused = first_refusal(
        lambda i: _login(client, user["username"].upper() if i % 2 else user["username"],
                         f"10.0.{i // 250}.{i % 250 + 1}"), limit)
    assert_retry_after(refused, 300)
    assert "for this account" in refused.json["message"]
    # Even the right password waits: guessing cannot be finished from many addresses.
    right = client.post("/api/v1/auth/login", json={"username": user["username"],
                                                    "password": PASSWORD},
                        environ_base={"REMOTE_ADDR": "10.8.8.8"})
    assert right.status_code == 429


def test_username_and_email_share_one_sign_in_bucket(app, client, make_user):
    user = make_user()
    limit = int(app.config["RATELIMIT_LOGIN_ACCOUNT"].split("/")[0])
    typed = [user["username"], user["email"], user["email"].upper(), user["username"].upper()]
    count, refused = first_refusal(
        lambda i: _login(client, typed[i % len(typed)], f"10.1.{i // 250}.{i % 250 + 1}"),
        limit)
    assert count == limit, f"{count} guesses passed; the account allows {limit} in all"
    assert "for this account" in refused.json["message"]
    # The sign-in form counts in the same bucket, by the email too.
    form = client.post("/login", data={"username": user["email"], "password": "wrong!!!",
                                       "csrf_token": form_token(client)},
                       environ_base={"REMOTE_ADDR": "10.2.0.1"})
    assert form.status_code == 429


def test_the_sign_in_form_shares_the_limits(app, client):
    limit = int(app.config["RATELIMIT_LOGIN_IP"].split("/")[0])
    token = form_token(client)
    _, refused = first_refusal(lambda i: client.post("/login", data={
        "username": f"ghost{i}", "password": "wrong!!!", "csrf_token": token}), limit)
    assert refused.mimetype == "text/html" and "Too many" in refused.get_data(as_text=True)
    assert_retry_after(refused, 60)


def test_registration_is_limited_per_address(app, client):
    limit = int(app.config["RATELIMIT_REGISTER_IP"].split("/")[0])
    _, refused = first_refusal(lambda i: client.post("/api/v1/auth/register", json={
        "username": f"newcomer{i}", "email": f"newcomer{i}@example.org",
        "password": "plasma tunnels at dawn"}), limit)
    assert_retry_after(refused, 3600)


def test_votes_are_limited_per_account(app, client, make_user):
    artist, fan = make_user(), make_user()
    shader = published(client, artist)
    limit = int(app.config["RATELIMIT_VOTE"].split("/")[0])
    _, refused = first_refusal(lambda i: client.post(
        f"/api/v1/shaders/{shader['id']}/vote", json={"value": 1 if i % 2 else -1},
        headers=bearer(fan["access_token"])), limit)
    assert_retry_after(refused, 60)


def test_new_shaders_are_limited_per_account_whichever_way_they_come(make_app, make_user,
                                                                       make_pro):
    """Publishing, forking (API and page form) and importing share one bucket; the limit holds
    for Pro accounts, whom the monthly quota does not stop."""
    app = make_app(RATELIMIT_PUBLISH="4/10min")
    client = app.test_client()
    artist, other = make_user(), make_user()
    make_pro(artist)
    parent = published(client, other)
    token = bearer(artist["access_token"])
    assert publish(client, artist).status_code == 201
    assert client.post(f"/api/v1/shaders/{parent['id']}/fork", json={},
                       headers=token).status_code == 201
    exported = client.get(f"/api/v1/shaders/{parent['id']}/export").json
    assert client.post("/api/v1/shaders/import", json=exported, headers=token).status_code == 201
    signed_in(client, artist)
    page_fork = client.post(f"/shaders/{parent['id']}/fork",
                            data={"csrf_token": form_token(client, f"/shaders/{parent['id']}")})
    assert page_fork.status_code == 302, "the fourth new shader, from the page, is taken"
    refused = publish(client, artist, title="A fifth")
    assert refused.status_code == 429 and "new shaders" in refused.json["message"]
    assert_retry_after(refused, 600)
    page_fork = client.post(f"/shaders/{parent['id']}/fork",
                            data={"csrf_token": form_token(client, f"/shaders/{parent['id']}")})
    assert page_fork.status_code == 429 and "Too many new shaders" in page_fork.get_data(
        as_text=True)
    assert publish(client, other, title="Someone else").status_code == 201, "per account"


def test_new_versions_are_limited_but_metadata_edits_are_not(make_app, make_user):
    app = make_app(RATELIMIT_VERSION="2/10min")
    client = app.test_client()
    user = make_user()
    token = bearer(user["access_token"])
    shader = published(client, user)
    path = f"/api/v1/shaders/{shader['id']}"
    edited = client.patch(path, json={"code": GRADIENT.replace("0.5", "0.25")}, headers=token)
    assert edited.status_code == 200 and edited.json["version"] == 2
    restored = client.post(f"{path}/versions/1/restore", headers=token)
    assert restored.status_code == 201 and restored.json["version"] == 3
    refused = client.patch(path, json={"code": GRADIENT.replace("0.5", "0.75")}, headers=token)
    assert refused.status_code == 429 and "new versions" in refused.json["message"]
    assert_retry_after(refused, 600)
    assert client.post(f"{path}/versions/1/restore", headers=token).status_code == 429
    renamed = client.patch(path, json={"title": "Still editable"}, headers=token)
    assert renamed.status_code == 200 and renamed.json["title"] == "Still editable"
    assert client.get(path).json["version"] == 3, "nothing half-made"


def test_api_keys_tests_renders_and_generations_are_limited(make_app, make_user):
    app = make_app(RATELIMIT_API_KEY="5/1min", RATELIMIT_PREVIEW="2/1min",
                   RATELIMIT_GENERATE="2/10min", RENDER_PREVIEW_TIMEOUT=0.05)
    client = app.test_client()
    user = make_user()
    key = client.post("/api/v1/mcp-keys", headers=bearer(user["access_token"]),
                      json={"name": "bot"}).json["key"]
    _, refused = first_refusal(lambda i: client.get("/api/v1/shaders",
                                                    headers={"X-API-Key": key}), 5)
    assert_retry_after(refused, 60)
    _, refused = first_refusal(lambda i: client.post(
        "/api/v1/render-preview", json={"code": GRADIENT},
        headers=bearer(user["access_token"])), 2, passing=(504,))  # no render worker here
    assert_retry_after(refused, 60)
    client.put("/api/v1/users/me/byok/openai", headers=bearer(user["access_token"]),
               json={"api_key": "sk-test-0123456789abcdefWXYZ"})
    _, refused = first_refusal(lambda i: client.post(
        "/api/v1/generate", json={"prompt": f"a rotating torus number {i}"},
        headers=bearer(user["access_token"])), 2)
    assert_retry_after(refused, 600)


def test_turning_rate_limits_off(make_app, make_user):
    app = make_app(RATELIMIT_ENABLED=False)
    client = app.test_client()
    user, artist = make_user(), make_user()
    for i in range(int(app.config["RATELIMIT_LOGIN_ACCOUNT"].split("/")[0]) + 3):
        assert _login(client, user["username"]).status_code == 401, i
    for i in range(int(app.config["RATELIMIT_REGISTER_IP"].split("/")[0]) + 2):
        made = client.post("/api/v1/auth/register", json={
            "username": f"newcomer{i}", "email": f"newcomer{i}@example.org",
            "password": "plasma tunnels at dawn"})
        assert made.status_code == 201, made.json
    shader = published(client, artist)
    for i in range(int(app.config["RATELIMIT_VOTE"].split("/")[0]) + 3):
        voted = client.post(f"/api/v1/shaders/{shader['id']}/vote", json={"value": 1},
                            headers=bearer(user["access_token"]))
        assert voted.status_code == 200, i
    # The monthly quota is not a rate limit: it still holds.
    for i in range(4):
        published(client, artist, title=f"More {i}")
    assert publish(client, artist).status_code == 429


# ------------------------------------------------------------------------------ body and fields


def test_a_body_over_the_limit_is_413_json(app, client, make_user):
    user = make_user()
    limit = app.config["MAX_CONTENT_LENGTH"]
    body = json.dumps({"title": "Big", "code": "x" * limit})
    response = client.post("/api/v1/shaders", data=body, content_type="application/json",
                           headers=bearer(user["access_token"]))
    assert response.status_code == 413
    assert response.mimetype == "application/json"
    assert response.json["code"] == 413


def test_a_chunked_body_over_the_limit_is_refused_too(app, client, make_user):
    """Without a Content-Length (chunked; the server marks the input terminated) Werkzeug reads
    at most MAX_CONTENT_LENGTH bytes: the cut-off JSON is refused (400) and nothing is kept."""
    import io

    user = make_user()
    body = json.dumps({"title": "Big", "code": "x" * app.config["MAX_CONTENT_LENGTH"]})
    response = client.post("/api/v1/shaders", input_stream=io.BytesIO(body.encode()),
                           content_type="application/json",
                           headers={**bearer(user["access_token"]),
                                    "Transfer-Encoding": "chunked"},
                           environ_overrides={"wsgi.input_terminated": True})
    assert response.status_code == 400, response.json
    assert response.mimetype == "application/json"
    assert response.json["message"] == "The request body is not valid JSON.", response.json
    mine = client.get(f"/api/v1/shaders?author={user['username']}",
                      headers=bearer(user["access_token"]))
    assert mine.json == []


def test_a_page_form_over_the_limit_is_413(app, client):
    token = form_token(client)
    response = client.post("/login", data={"username": "x" * app.config["MAX_CONTENT_LENGTH"],
                                           "password": "x", "csrf_token": token})
    assert response.status_code == 413


def test_a_pass_over_256_kb_is_422_naming_the_limit(client, make_user):
    user = make_user()
    code = GRADIENT + "// " + "x" * (257 * 1024) + "\n"
    created = client.post("/api/v1/shaders", json={"title": "Huge", "code": code},
                          headers=bearer(user["access_token"]))
    assert created.status_code == 422, created.json
    assert "262,144 bytes (256 KB)" in created.json["message"]
    shader = published(client, user)
    edited = client.patch(f"/api/v1/shaders/{shader['id']}", json={"common": code},
                          headers=bearer(user["access_token"]))
    assert edited.status_code == 422 and "256 KB" in edited.json["message"], edited.json
    checked = client.post("/api/v1/validate", json={"code": code})
    assert checked.status_code == 200 and checked.json["ok"] is False
    assert "256 KB" in checked.json["errors"][0]["message"]


def test_a_body_over_the_limit_names_the_limit(app, client):
    """Five 256 KB passes are more than the whole body may be (1 MB by default): the 413 says
    how large the body was and what the limit is."""
    limit = app.config["MAX_CONTENT_LENGTH"]
    code = GRADIENT + "// " + "x" * (250 * 1024) + "\n"
    passes = [{"name": name, "code": code, "inputs": []}
              for name in ("Image", "Buffer A", "Buffer B", "Buffer C", "Buffer D")]
    body = json.dumps({"passes": passes})
    response = client.post("/api/v1/validate", data=body, content_type="application/json")
    assert response.status_code == 413 and response.is_json
    assert response.json["message"] == (
        f"The request body is {len(body):,} bytes; the limit is {limit:,} bytes "
        f"({limit // 1024} KB, FRACTAFRAG_MAX_BODY_BYTES) for the whole request: a shader's "
        "passes and Common together (each at most 256 KB).")


def test_a_501_character_desire_is_422(client, make_user):
    user = make_user()
    refused = client.post("/api/v1/desires", json={"prompt": "a" * 501},
                          headers=bearer(user["access_token"]))
    assert refused.status_code == 422
    assert "prompt" in refused.json["errors"]["json"]
    fits = client.post("/api/v1/desires", json={"prompt": "a" * 500},
                       headers=bearer(user["access_token"]))
    assert fits.status_code == 201
    client.set_cookie("access_token_cookie", user["access_token"])
    page = client.post("/desires", data={"prompt": "b" * 501, "csrf_token": form_token(client)})
    assert page.status_code == 422


def test_a_129_character_password_is_422(client, make_user):
    refused = client.post("/api/v1/auth/register", json={
        "username": "longpass", "email": "longpass@example.org", "password": "p" * 129})
    assert refused.status_code == 422
    assert "password" in refused.json["errors"]["json"]
    user = make_user()
    change = client.patch("/api/v1/users/me", headers=bearer(user["access_token"]),
                          json={"password": "q" * 129, "current_password": PASSWORD})
    assert change.status_code == 422
    login = client.post("/api/v1/auth/login", json={"username": user["username"],
                                                    "password": "p" * 10_000})
    # Refused by the schema before any hashing (a 401 would mean it was hashed and compared).
    assert login.status_code == 422, login.json
    assert "password" in login.json["errors"]["json"], login.json
