"""A password change ends every other session of the account: refresh tokens (header and
cookie) and, where the account is loaded, access tokens issued before it are refused; the
session that changed it goes on with fresh tokens."""

from __future__ import annotations

import jwt

from tests.helpers import bearer, form_token

ME = "/api/v1/users/me"
NEW_PASSWORD = "a new passphrase at dusk"


def _sign_in(client, user: dict) -> dict:
    response = client.post("/api/v1/auth/login", json={"username": user["username"],
                                                       "password": user["password"]})
    assert response.status_code == 200, response.json
    return response.json


def test_a_password_change_refuses_every_earlier_token(client, make_user):
    user = make_user()  # session A
    other = _sign_in(client, user)  # session B, which changes the password
    changed = client.patch(ME, json={"password": NEW_PASSWORD,
                                     "current_password": user["password"]},
                           headers=bearer(other["access_token"]))
    assert changed.status_code == 200, changed.json
    fresh = changed.json
    assert fresh["access_token"] and fresh["refresh_token"]

    for old in (user, other):
        refused = client.post("/api/v1/auth/refresh", headers=bearer(old["refresh_token"]))
        assert refused.status_code == 401 and "revoked" in refused.json["message"]
        # An old access token may not write (the account is loaded there) …
        write = client.patch(ME, json={"display_name": "Still here"},
                             headers=bearer(old["access_token"]))
        assert write.status_code == 401, write.json
    # … and the changing session goes on with its fresh tokens.
    renewed = client.post("/api/v1/auth/refresh", headers=bearer(fresh["refresh_token"]))
    assert renewed.status_code == 200
    assert client.patch(ME, json={"display_name": "Fresh"},
                        headers=bearer(renewed.json["access_token"])).status_code == 200
    assert client.patch(ME, json={"display_name": "Fresh"},
                        headers=bearer(fresh["access_token"])).status_code == 200
    # Signing in with the new password works as before.
    assert _sign_in(client, {**user, "password": NEW_PASSWORD})["access_token"]


def test_an_old_refresh_cookie_no_longer_opens_settings(app, make_user):
    user = make_user()
    browser = app.test_client()
    browser.set_cookie("refresh_token_cookie", user["refresh_token"])
    assert browser.get("/settings").status_code == 200, "the cookie signs in before the change"

    changer = app.test_client()
    changed = changer.patch(ME, json={"password": NEW_PASSWORD,
                                      "current_password": user["password"]},
                            headers=bearer(user["access_token"]))
    assert changed.status_code == 200

    stale = app.test_client()
    stale.set_cookie("refresh_token_cookie", user["refresh_token"])
    page = stale.get("/settings")
    assert page.status_code == 302 and "/login" in page.headers["Location"]
    csrf = jwt.decode(user["refresh_token"], options={"verify_signature": False})["csrf"]
    refreshed = stale.post("/api/v1/auth/refresh", headers={"X-CSRF-TOKEN": csrf})
    assert refreshed.status_code == 401 and "revoked" in refreshed.json["message"]


def test_the_settings_form_keeps_its_own_session_and_ends_the_others(app, make_user):
    user = make_user()
    elsewhere = app.test_client()
    elsewhere.set_cookie("refresh_token_cookie", user["refresh_token"])

    browser = app.test_client()
    browser.post("/login", data={"username": user["username"], "password": user["password"],
                                 "csrf_token": form_token(browser)})
    assert browser.get("/settings").status_code == 200
    answer = browser.post("/settings", data={
        "section": "password", "current_password": user["password"],
        "new_password": NEW_PASSWORD, "csrf_token": form_token(browser, "/settings")})
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/settings")
    assert browser.get("/settings").status_code == 200, "the changing session goes on"
    browser.delete_cookie("access_token_cookie")
    assert browser.get("/settings").status_code == 200, "its fresh refresh cookie renews"

    page = elsewhere.get("/settings")
    assert page.status_code == 302 and "/login" in page.headers["Location"]
