"""Sign out everywhere, the email change notice and account deletion (issue 21): what each may
do, who may do it (a signed-in person, never an API key) and that the ended sessions stay ended."""

from __future__ import annotations

import sqlalchemy as sa

from tests.api.shader_helpers import published
from tests.helpers import bearer, form_token

ME = "/api/v1/users/me"
REVOKE = "/api/v1/users/me/sessions/revoke"


def _sign_in(client, user: dict) -> dict:
    response = client.post("/api/v1/auth/login", json={"username": user["username"],
                                                       "password": user["password"]})
    assert response.status_code == 200, response.json
    return response.json


def _key(client, user: dict, scopes: tuple[str, ...] = ("read", "write")) -> str:
    made = client.post("/api/v1/mcp-keys", headers=bearer(user["access_token"]),
                       json={"name": "agent", "scopes": list(scopes)})
    assert made.status_code == 201, made.json
    return made.json["key"]


def _browser(app, user: dict):
    """A test client signed in through the sign-in form (cookies, as a person would)."""
    browser = app.test_client()
    answer = browser.post("/login", data={"username": user["username"],
                                          "password": user["password"],
                                          "csrf_token": form_token(browser)})
    assert answer.status_code == 302, answer.get_data(as_text=True)[:300]
    return browser


def _refresh(client, token: str):
    return client.post("/api/v1/auth/refresh", headers=bearer(token))


# -------------------------------------------------------------------------- sign out everywhere


def test_sign_out_everywhere_ends_the_other_sessions_and_keeps_this_one(client, make_user):
    user = make_user()  # session A
    mine = _sign_in(client, user)  # session B, which signs the others out
    answer = client.post(REVOKE, headers=bearer(mine["access_token"]))
    assert answer.status_code == 200, answer.json
    fresh = answer.json
    assert fresh["access_token"] and fresh["refresh_token"]

    for old in (user, mine):  # every token issued before, this session's own included
        refused = _refresh(client, old["refresh_token"])
        assert refused.status_code == 401 and "revoked" in refused.json["message"]
        write = client.patch(ME, json={"display_name": "Still here"},
                             headers=bearer(old["access_token"]))
        assert write.status_code == 401, write.json
    # This session goes on with its fresh tokens.
    assert client.get(ME, headers=bearer(fresh["access_token"])).status_code == 200
    renewed = _refresh(client, fresh["refresh_token"])
    assert renewed.status_code == 200
    assert client.patch(ME, json={"display_name": "Fresh"},
                        headers=bearer(renewed.json["access_token"])).status_code == 200
    # The password still signs in.
    assert _sign_in(client, user)["access_token"]


def test_an_old_refresh_cookie_no_longer_opens_settings(app, make_user):
    user = make_user()
    stale = app.test_client()
    stale.set_cookie("refresh_token_cookie", user["refresh_token"])
    assert stale.get("/settings").status_code == 200, "the cookie signs in before"

    mine = _sign_in(app.test_client(), user)
    assert app.test_client().post(REVOKE, headers=bearer(mine["access_token"])).status_code == 200

    again = app.test_client()
    again.set_cookie("refresh_token_cookie", user["refresh_token"])
    page = again.get("/settings")
    assert page.status_code == 302 and "/login" in page.headers["Location"]


def test_sign_out_everywhere_with_cookies_renews_the_callers_cookies(app, make_user):
    user = make_user()
    browser = _browser(app, user)
    csrf = browser.get_cookie("csrf_access_token").value
    answer = browser.post(REVOKE, headers={"X-CSRF-TOKEN": csrf})
    assert answer.status_code == 200, answer.json
    assert browser.get("/settings").status_code == 200
    browser.delete_cookie("access_token_cookie")
    assert browser.get("/settings").status_code == 200, "its fresh refresh cookie renews"
    # Without the double-submit header a cookie caller is refused (CSRF).
    assert browser.post(REVOKE).status_code == 401


def test_the_settings_button_signs_out_everywhere_else(app, make_user):
    user = make_user()
    elsewhere = _browser(app, user)
    browser = _browser(app, user)
    html = browser.get("/settings").get_data(as_text=True)
    assert 'value="sessions-revoke"' in html and "Sign out everywhere else" in html
    answer = browser.post("/settings", data={"section": "sessions-revoke",
                                             "csrf_token": form_token(browser, "/settings")})
    assert answer.status_code == 302 and answer.headers["Location"].endswith("/settings")
    assert browser.get("/settings").status_code == 200, "this session goes on"
    browser.delete_cookie("access_token_cookie")
    assert browser.get("/settings").status_code == 200, "with a fresh refresh cookie"

    elsewhere.delete_cookie("access_token_cookie")  # as 15 minutes later
    page = elsewhere.get("/settings")
    assert page.status_code == 302 and "/login" in page.headers["Location"]
    page = _browser(app, user)  # signing in again works
    assert page.get("/settings").status_code == 200


def test_the_settings_button_needs_the_forms_csrf_token(app, make_user):
    user = make_user()
    elsewhere = app.test_client()
    elsewhere.set_cookie("refresh_token_cookie", user["refresh_token"])
    browser = _browser(app, user)
    answer = browser.post("/settings", data={"section": "sessions-revoke",
                                             "csrf_token": "forged"})
    assert answer.status_code == 400
    assert elsewhere.get("/settings").status_code == 200, "nothing was signed out"


def test_an_api_key_cannot_sign_the_account_out(client, make_user):
    user = make_user()
    key = _key(client, user)
    refused = client.post(REVOKE, headers={"X-API-Key": key})
    assert refused.status_code == 403
    assert "API keys cannot" in refused.json["message"]
    assert "sign in" in refused.json["message"]
    assert _refresh(client, user["refresh_token"]).status_code == 200, "sessions untouched"
    assert client.post(REVOKE).status_code == 401  # anonymous


# ------------------------------------------------------------------------ email change notice


def test_mask_email():
    from fractafrag.services.accounts import mask_email

    assert mask_email("ada@example.com") == "a***@example.com"
    assert mask_email("Zed.Long+tag@Mail.example.org") == "Z***@Mail.example.org"
    assert mask_email("") == "***"


def test_an_email_change_notifies_the_account_with_the_old_address_masked(client, make_user):
    user = make_user("ada")
    headers = bearer(user["access_token"])
    changed = client.patch(ME, json={"email": "new.owner@elsewhere.example",
                                     "current_password": user["password"]}, headers=headers)
    assert changed.status_code == 200, changed.json
    notes = client.get("/api/v1/notifications", headers=headers).json
    assert [n["kind"] for n in notes] == ["email_changed"]
    note = notes[0]
    assert note["data"] == {"old": "a***@example.org", "new": "n***@elsewhere.example"}
    assert "a***@example.org" in note["text"] and "change your password" in note["text"]
    assert "ada@example.org" not in note["text"] and not note["read"]
    # Shown on the notifications page too (no shader to link to).
    browser = client.application.test_client()
    browser.set_cookie("access_token_cookie", user["access_token"])
    page = browser.get("/notifications").get_data(as_text=True)
    assert "a***@example.org" in page


def test_no_notice_without_an_email_change(client, make_user):
    user = make_user()
    headers = bearer(user["access_token"])
    assert client.patch(ME, json={"display_name": "Ada"}, headers=headers).status_code == 200
    same = client.patch(ME, json={"email": user["email"].upper()}, headers=headers)
    assert same.status_code == 200
    refused = client.patch(ME, json={"email": "x@example.net", "current_password": "wrong"},
                           headers=headers)
    assert refused.status_code == 422
    assert client.get("/api/v1/notifications", headers=headers).json == []


# ---------------------------------------------------------------------------- account deletion


def test_deleting_needs_the_current_password(client, make_user):
    user = make_user()
    headers = bearer(user["access_token"])
    missing = client.delete(ME, json={}, headers=headers)
    assert missing.status_code == 422 and "current_password" in missing.json["errors"]["json"]
    empty = client.delete(ME, json={"current_password": ""}, headers=headers)
    assert empty.status_code == 422 and "current_password" in empty.json["errors"]["json"]
    wrong = client.delete(ME, json={"current_password": "not it at all"}, headers=headers)
    assert wrong.status_code == 422 and "current_password" in wrong.json["errors"]
    unknown = client.delete(ME, json={"current_password": user["password"], "why": "x"},
                            headers=headers)
    assert unknown.status_code == 422 and "why" in unknown.json["errors"]["json"]
    assert client.get(ME, headers=headers).json["username"] == user["username"]


def test_an_api_key_cannot_delete_the_account(client, make_user):
    user = make_user()
    key = _key(client, user)
    refused = client.delete(ME, json={"current_password": user["password"]},
                            headers={"X-API-Key": key})
    assert refused.status_code == 403
    assert "API keys cannot delete the account" in refused.json["message"]
    without_body = client.delete(ME, headers={"X-API-Key": key})
    assert without_body.status_code == 403, "refused before the body is looked at"
    assert client.delete(ME, json={"current_password": user["password"]}).status_code == 401
    assert client.get(ME, headers=bearer(user["access_token"])).status_code == 200


def test_password_checks_on_deletion_share_the_sign_in_limit(app, client, make_user):
    user = make_user()
    headers = bearer(user["access_token"])
    limit = int(app.config["RATELIMIT_LOGIN_ACCOUNT"].split("/")[0])
    for _ in range(limit):
        assert client.delete(ME, json={"current_password": "a wrong guess"},
                             headers=headers).status_code == 422
    limited = client.delete(ME, json={"current_password": user["password"]}, headers=headers)
    assert limited.status_code == 429 and limited.headers.get("Retry-After")
    assert "current_password" in limited.json["errors"]
    assert client.get(ME, headers=headers).status_code == 200, "not deleted"


def test_an_active_subscription_is_cancelled_first(app, client, make_user):
    from fractafrag.extensions import db
    from fractafrag.models import BillingAccount

    user = make_user()
    with app.app_context():
        db.session.add(BillingAccount(user_id=user["id"], stripe_customer_id="cus_1",
                                      stripe_subscription_id="sub_1",
                                      subscription_status="active"))
        db.session.commit()
    refused = client.delete(ME, json={"current_password": user["password"]},
                            headers=bearer(user["access_token"]))
    assert refused.status_code == 409 and "subscription" in refused.json["message"]
    assert _refresh(client, user["refresh_token"]).status_code == 200, "nothing ended"


def test_deleting_erases_the_account_and_keeps_public_work(app, client, make_user):
    from fractafrag.extensions import db
    from fractafrag.models import ApiKey, ByokKey, Follow, Notification, Playlist, Shader, User

    user, other = make_user("leaving"), make_user("staying")
    mine, theirs = bearer(user["access_token"]), bearer(other["access_token"])
    public = published(client, user, title="Public plasma")["id"]
    private = published(client, user, title="Secret", visibility="private")["id"]
    draft = published(client, user, title="Draft", visibility="draft")["id"]
    fork = client.post(f"/api/v1/shaders/{public}/fork", json={}, headers=theirs)
    assert fork.status_code == 201, fork.json
    comment = client.post(f"/api/v1/shaders/{public}/comments", json={"body": "Mine"},
                          headers=mine).json["id"]
    reply = client.post(f"/api/v1/shaders/{public}/comments",
                        json={"body": "A reply", "parent_id": comment}, headers=theirs)
    assert reply.status_code == 201, reply.json
    key = _key(client, user)
    assert client.put("/api/v1/users/me/byok/openai", headers=mine,
                      json={"api_key": "sk-test-0123456789abcdefWXYZ"}).status_code == 200
    assert client.put(f"/api/v1/users/{other['username']}/follow",
                      headers=mine).status_code == 200
    assert client.put(f"/api/v1/users/{user['username']}/follow",
                      headers=theirs).status_code == 200
    assert client.post("/api/v1/playlists", json={"title": "Mine"},
                       headers=mine).status_code == 201
    assert client.patch(ME, json={"bio": "I make plasma", "website": "https://me.example"},
                        headers=mine).status_code == 200
    browser = _browser(app, user)

    deleted = client.delete(ME, json={"current_password": user["password"]}, headers=mine)
    assert deleted.status_code == 204, deleted.json
    placeholder = f"deleted-{user['id']}"

    # Every credential is dead: tokens, cookies, the key, the password.
    assert client.get(ME, headers=mine).status_code == 401
    assert client.patch(ME, json={"bio": "back"}, headers=mine).status_code == 401
    refused = _refresh(client, user["refresh_token"])
    assert refused.status_code == 401
    assert client.get(ME, headers={"X-API-Key": key}).status_code == 401
    for login in (user["username"], user["email"], placeholder):
        answer = client.post("/api/v1/auth/login",
                             json={"username": login, "password": user["password"]})
        assert answer.status_code == 401, login
    page = browser.get("/settings")
    assert page.status_code == 302 and "/login" in page.headers["Location"]
    browser.delete_cookie("access_token_cookie")
    assert browser.get("/settings").status_code == 302

    # Public work stays under the placeholder; others' forks and replies keep their history.
    shown = client.get(f"/api/v1/shaders/{public}", headers=theirs).json
    assert shown["author"]["username"] == placeholder
    forked = client.get(f"/api/v1/shaders/{fork.json['id']}", headers=theirs)
    assert forked.json["forked_from"]["id"] == public, forked.json
    comments = client.get(f"/api/v1/shaders/{public}/comments").get_data(as_text=True)
    assert "A reply" in comments and "Mine" in comments
    assert client.get(f"/api/v1/users/{user['username']}").status_code == 404
    profile = client.get(f"/api/v1/users/{placeholder}").json
    assert profile["bio"] == "" and profile["website"] == "" and profile["followers"] == 0
    assert client.get(f"/api/v1/users/{other['username']}").json["followers"] == 0
    search = client.get("/api/v1/shaders", query_string={"q": "leaving"}).get_data(as_text=True)
    assert "Public plasma" not in search

    with app.app_context():
        row = db.session.get(User, user["id"])
        assert row.deleted_at is not None and row.username == placeholder
        assert row.email != user["email"] and row.email.endswith("@deleted.invalid")
        assert row.password_hash == "!deleted" and row.bio == ""
        assert db.session.get(Shader, private) is None and db.session.get(Shader, draft) is None
        assert db.session.get(Shader, public) is not None
        for model, column in ((ApiKey, ApiKey.user_id), (ByokKey, ByokKey.user_id),
                              (Notification, Notification.user_id),
                              (Playlist, Playlist.owner_id)):
            count = db.session.scalar(sa.select(sa.func.count()).select_from(model)
                                      .where(column == user["id"]))
            assert count == 0, model.__name__
        assert db.session.scalar(sa.select(sa.func.count()).select_from(Follow)) == 0

    # The name and address are free again.
    again = client.post("/api/v1/auth/register", json={
        "username": user["username"], "email": user["email"],
        "password": "plasma tunnels at dawn"})
    assert again.status_code == 201, again.json
    # Deleting twice is not possible: the old token names an account that no longer exists.
    assert client.delete(ME, json={"current_password": user["password"]},
                         headers=mine).status_code == 401


def test_nobody_registers_a_deleted_accounts_name(client):
    refused = client.post("/api/v1/auth/register", json={
        "username": "Deleted-12", "email": "d@example.org", "password": "plasma tunnels at dawn"})
    assert refused.status_code == 422 and "username" in refused.json["errors"]


def test_the_settings_form_deletes_the_account_after_confirmation(app, make_user):
    user = make_user()
    browser = _browser(app, user)
    html = browser.get("/settings").get_data(as_text=True)
    assert 'value="account-delete"' in html and 'name="confirm_username"' in html

    def post(**fields: str):
        return browser.post("/settings", data={
            "section": "account-delete", "csrf_token": form_token(browser, "/settings"),
            **fields})

    unconfirmed = post(confirm_username="someone", current_password=user["password"])
    assert unconfirmed.status_code == 422
    assert "Type your username" in unconfirmed.get_data(as_text=True)
    wrong = post(confirm_username=user["username"], current_password="not my password")
    assert wrong.status_code == 422
    assert "current_password is missing or wrong" in wrong.get_data(as_text=True)
    assert browser.get("/settings").status_code == 200, "still there"

    done = post(confirm_username=user["username"], current_password=user["password"])
    assert done.status_code == 302 and done.headers["Location"].endswith("/")
    assert "access_token_cookie=;" in " ".join(done.headers.getlist("Set-Cookie"))
    page = browser.get("/settings")
    assert page.status_code == 302 and "/login" in page.headers["Location"]
    stale = app.test_client()
    stale.set_cookie("access_token_cookie", user["access_token"])
    assert stale.get("/settings").status_code == 302
    assert stale.get("/api/v1/users/me").status_code == 401
