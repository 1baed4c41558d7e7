"""API keys: created once-visible, listed without secrets, scoped, rate limited, revocable."""

from __future__ import annotations

from tests.api.shader_helpers import GRADIENT, published
from tests.helpers import bearer


def make_key(client, user, scopes=("read", "write"), name="agent") -> dict:
    response = client.post("/api/v1/mcp-keys", json={"name": name, "scopes": list(scopes)},
                           headers=bearer(user["access_token"]))
    assert response.status_code == 201, response.json
    return response.json


def test_a_key_is_shown_once_and_stored_as_a_hash(app, client, make_user):
    from fractafrag.extensions import db
    from fractafrag.models import ApiKey

    user = make_user()
    created = make_key(client, user)
    assert created["key"].startswith("ff_") and len(created["key"]) > 40
    assert created["key"].startswith(created["prefix"])
    listed = client.get("/api/v1/mcp-keys", headers=bearer(user["access_token"])).json
    assert [k["id"] for k in listed] == [created["id"]]
    assert "key" not in listed[0] and listed[0]["last_used_at"] is None
    with app.app_context():
        row = db.session.get(ApiKey, created["id"])
        assert created["key"] not in (row.key_hash, row.prefix) and len(row.key_hash) == 64


def test_a_key_acts_for_its_owner_and_records_its_use(client, make_user):
    user = make_user()
    key = make_key(client, user)["key"]
    me = client.get("/api/v1/users/me", headers={"X-API-Key": key})
    assert me.status_code == 200 and me.json["username"] == user["username"]
    made = client.post("/api/v1/shaders", json={"title": "By agent", "code": GRADIENT},
                       headers={"X-API-Key": key})
    assert made.status_code == 201 and made.json["author"]["username"] == user["username"]
    listed = client.get("/api/v1/mcp-keys", headers=bearer(user["access_token"])).json
    assert listed[0]["last_used_at"] is not None


def test_a_read_key_cannot_write(client, make_user):
    user = make_user()
    key = make_key(client, user, scopes=["read"])["key"]
    assert client.get("/api/v1/shaders", headers={"X-API-Key": key}).status_code == 200
    refused = client.post("/api/v1/shaders", json={"title": "x", "code": GRADIENT},
                          headers={"X-API-Key": key})
    assert refused.status_code == 403
    assert "lacks the 'write' scope" in refused.json["message"]


def test_revoked_and_unknown_keys_are_refused_saying_so(client, make_user):
    user = make_user()
    created = make_key(client, user)
    assert client.delete(f"/api/v1/mcp-keys/{created['id']}",
                         headers=bearer(user["access_token"])).status_code == 204
    refused = client.get("/api/v1/users/me", headers={"X-API-Key": created["key"]})
    assert refused.status_code == 401 and "revoked" in refused.json["message"]
    unknown = client.get("/api/v1/users/me", headers={"X-API-Key": "ff_nope"})
    assert unknown.status_code == 401 and "not known" in unknown.json["message"]
    foreign = client.get("/api/v1/users/me", headers={"X-API-Key": "sk_live_x"})
    assert foreign.status_code == 401 and "ff_" in foreign.json["message"]


def test_keys_cannot_manage_keys_and_others_keys_are_not_yours(client, make_user):
    ann, bob = make_user(), make_user()
    created = make_key(client, ann)
    assert client.post("/api/v1/mcp-keys", json={"name": "more"},
                       headers={"X-API-Key": created["key"]}).status_code == 403
    assert client.delete(f"/api/v1/mcp-keys/{created['id']}",
                         headers=bearer(bob["access_token"])).status_code == 404
    bad = client.post("/api/v1/mcp-keys", json={"name": "x", "scopes": ["admin"]},
                      headers=bearer(ann["access_token"]))
    assert bad.status_code == 422 and "scopes" in bad.json["errors"]["json"]


def test_each_key_has_its_own_rate_limit(make_app, make_user):
    app = make_app(RATELIMIT_API_KEY="3/1min", RATELIMIT_ENABLED=True)
    client = app.test_client()
    from tests.helpers import UserFactory

    user = UserFactory(app)("limited")
    first = make_key(client, user, name="one")["key"]
    second = make_key(client, user, name="two")["key"]
    codes = [client.get("/api/v1/shaders", headers={"X-API-Key": first}).status_code
             for _ in range(4)]
    assert codes == [200, 200, 200, 429]
    assert client.get("/api/v1/shaders", headers={"X-API-Key": second}).status_code == 200


def test_votes_through_a_key(client, make_user):
    artist, agent_owner = make_user(), make_user()
    shader = published(client, artist)
    key = make_key(client, agent_owner)["key"]
    voted = client.post(f"/api/v1/shaders/{shader['id']}/vote", json={"value": 1},
                        headers={"X-API-Key": key})
    assert voted.status_code == 200 and voted.json["score"] == 1


def test_a_revoked_key_is_refused_even_where_reading_needs_no_account(client, make_user):
    user = make_user()
    created = make_key(client, user)
    client.delete(f"/api/v1/mcp-keys/{created['id']}", headers=bearer(user["access_token"]))
    refused = client.get("/api/v1/desires", headers={"X-API-Key": created["key"]})
    assert refused.status_code == 401 and "revoked" in refused.json["message"]
    assert client.get("/api/v1/desires").status_code == 200, "without the key it is public"
