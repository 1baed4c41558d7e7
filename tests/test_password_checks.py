"""Checking a current password outside sign-in shares sign-in's limits; hashing runs off the hub;
comment Markdown is bounded."""

from __future__ import annotations

import re

import pytest

from fractafrag.services import markdown
from tests.helpers import bearer

WRONG = {"current_password": "not my password", "password": "a brand new secret"}


def _limited(make_app):
    return make_app(RATELIMIT_LOGIN_ACCOUNT="3/5min", RATELIMIT_LOGIN_IP="100/1min")


def test_wrong_current_passwords_count_against_the_sign_in_limit(make_app, make_user):
    app = _limited(make_app)
    client = app.test_client()
    user = make_user()
    for _ in range(3):
        answer = client.patch("/api/v1/users/me", json=WRONG, headers=bearer(user["access_token"]))
        assert answer.status_code == 422 and "current_password" in answer.json["errors"]
    refused = client.patch("/api/v1/users/me", json=WRONG, headers=bearer(user["access_token"]))
    assert refused.status_code == 429 and int(refused.headers["Retry-After"]) > 0
    assert "current_password" in refused.json["errors"]
    # The same bucket as sign-in: even the right password cannot sign in now.
    login = client.post("/api/v1/auth/login", json={"username": user["username"],
                                                     "password": user["password"]})
    assert login.status_code == 429


def test_failed_sign_ins_leave_no_budget_for_guessing_through_the_profile(make_app, make_user):
    app = _limited(make_app)
    client = app.test_client()
    user = make_user()
    for _ in range(3):
        assert client.post("/api/v1/auth/login", json={
            "username": user["username"], "password": "wrong guess"}).status_code == 401
    right = {"current_password": user["password"], "password": "a brand new secret"}
    answer = client.patch("/api/v1/users/me", json=right, headers=bearer(user["access_token"]))
    assert answer.status_code == 429


def test_profile_edits_without_a_password_are_not_counted(make_app, make_user):
    app = _limited(make_app)
    client = app.test_client()
    user = make_user()
    for _ in range(5):
        answer = client.patch("/api/v1/users/me", json={"bio": "hi"},
                              headers=bearer(user["access_token"]))
        assert answer.status_code == 200


def test_the_settings_form_shares_the_limit_and_says_so(make_app, make_user):
    app = _limited(make_app)
    client = app.test_client()
    user = make_user()
    client.set_cookie("access_token_cookie", user["access_token"])
    page = client.get("/settings").get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    form = {"csrf_token": token, "section": "password", "current_password": "nope nope",
            "new_password": "a brand new secret"}
    statuses = [client.post("/settings", data=form).status_code for _ in range(4)]
    assert statuses[:3] == [422, 422, 422]
    last = client.post("/settings", data=form)
    assert last.status_code == 429 and int(last.headers["Retry-After"]) > 0
    assert "Too many sign-in attempts" in last.get_data(as_text=True)


def test_a_password_change_with_the_right_password_still_works(client, make_user):
    user = make_user()
    right = {"current_password": user["password"], "password": "a brand new secret"}
    answer = client.patch("/api/v1/users/me", json=right, headers=bearer(user["access_token"]))
    assert answer.status_code == 200
    login = client.post("/api/v1/auth/login", json={"username": user["username"],
                                                     "password": "a brand new secret"})
    assert login.status_code == 200


def test_markdown_emphasis_that_never_closes_renders_escaped():
    text = "**a " * 500
    html = markdown.render(text)
    assert "<strong>" not in html and html.count("**") == 500


def test_markdown_emphasis_still_works_inside_strong():
    html = markdown.render("**bold *em* x** and _u_")
    assert html == "<p><strong>bold <em>em</em> x</strong> and <em>u</em></p>"


def test_markdown_refuses_text_over_its_cap():
    with pytest.raises(ValueError, match="limit"):
        markdown.render("x" * (markdown.MAX_CHARS + 1))
