"""Profiles: my account and public profiles."""

from tests.helpers import bearer


def test_me_requires_sign_in(client):
    response = client.get("/api/v1/users/me")
    assert response.status_code == 401
    assert response.json["status"] == "Unauthorized"


def test_me_shows_plan_and_email(client, make_user):
    user = make_user("Zed")
    body = client.get("/api/v1/users/me", headers=bearer(user["access_token"])).json
    assert body["tier"] == "free" and body["email"] == "zed@example.org"


def test_edit_profile(client, make_user):
    user = make_user()
    response = client.patch(
        "/api/v1/users/me",
        json={"display_name": "Ada", "bio": "fractals", "website": "https://ada.example"},
        headers=bearer(user["access_token"]),
    )
    assert response.status_code == 200
    public = client.get(f"/api/v1/users/{user['username'].upper()}").json
    assert public["display_name"] == "Ada" and public["bio"] == "fractals"


def test_public_profile_hides_private_fields(client, make_user):
    user = make_user()
    public = client.get(f"/api/v1/users/{user['username']}").json
    assert "email" not in public and "tier" not in public and "role" not in public


def test_unknown_profile_is_404(client):
    response = client.get("/api/v1/users/nobody")
    assert response.status_code == 404
    assert "nobody" in response.json["message"]


def test_email_change_to_a_taken_one_is_409(client, make_user):
    first, second = make_user(), make_user()
    response = client.patch(
        "/api/v1/users/me", json={"email": first["email"].upper(),
                                  "current_password": second["password"]},
        headers=bearer(second["access_token"]),
    )
    assert response.status_code == 409


def test_password_change_needs_the_current_password(client, make_user):
    user = make_user()
    headers = bearer(user["access_token"])
    refused = client.patch(
        "/api/v1/users/me", json={"password": "a brand new one"}, headers=headers
    )
    assert refused.status_code == 422 and "current_password" in refused.json["errors"]
    changed = client.patch(
        "/api/v1/users/me",
        json={"password": "a brand new one", "current_password": user["password"]},
        headers=headers,
    )
    assert changed.status_code == 200
    login = client.post(
        "/api/v1/auth/login", json={"username": user["username"], "password": "a brand new one"}
    )
    assert login.status_code == 200


def test_profile_field_limits_are_reported(client, make_user):
    user = make_user()
    response = client.patch(
        "/api/v1/users/me", json={"bio": "x" * 1001, "website": "javascript:alert(1)"},
        headers=bearer(user["access_token"]),
    )
    assert response.status_code == 422
    errors = response.json["errors"]["json"]
    assert "1000" in str(errors["bio"]) and "http" in str(errors["website"])


def test_email_change_needs_the_current_password(client, make_user):
    user = make_user()
    headers = bearer(user["access_token"])
    refused = client.patch("/api/v1/users/me", json={"email": "elsewhere@example.org"},
                           headers=headers)
    assert refused.status_code == 422 and "current_password" in refused.json["errors"]
    wrong = client.patch("/api/v1/users/me", json={"email": "elsewhere@example.org",
                                                   "current_password": "not it at all"},
                         headers=headers)
    assert wrong.status_code == 422
    changed = client.patch("/api/v1/users/me", json={"email": "elsewhere@example.org",
                                                     "current_password": user["password"]},
                           headers=headers)
    assert changed.status_code == 200 and changed.json["email"] == "elsewhere@example.org"


def test_an_api_key_cannot_change_password_or_email(client, make_user):
    from tests.api.test_keys import make_key

    user = make_user()
    key = {"X-API-Key": make_key(client, user)["key"]}
    attempts = [{"password": "taken over for good", "current_password": user["password"]},
                {"email": "attacker@example.org"},
                {"email": "attacker@example.org", "current_password": user["password"]}]
    for body in attempts:
        refused = client.patch("/api/v1/users/me", json=body, headers=key)
        assert refused.status_code == 403, refused.json
        assert "sign in" in refused.json["message"]
        assert set(refused.json["errors"]) == set(body)
    # Guessing through a key is not even counted: nothing was checked.
    me = client.get("/api/v1/users/me", headers=bearer(user["access_token"])).json
    assert me["email"] == user["email"]
    assert client.post("/api/v1/auth/login", json={
        "username": user["username"], "password": user["password"]}).status_code == 200
    # The profile itself stays editable by a write key.
    edited = client.patch("/api/v1/users/me", json={"display_name": "Agent-made"}, headers=key)
    assert edited.status_code == 200 and edited.json["display_name"] == "Agent-made"
