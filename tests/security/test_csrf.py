"""Cross-site request forgery: cookie-authenticated API writes need the X-CSRF-TOKEN header
(double submit of the csrf_access_token cookie); page forms need their session's csrf_token."""

from __future__ import annotations

import re

import pytest

from tests.api.shader_helpers import GRADIENT
from tests.helpers import form_token, sign_in
from tests.security.world import AUTHOR, STRANGER, World


def _browser(world: World, who: str = AUTHOR):
    """A client signed in the way the site signs people in: the login form sets the cookies."""
    browser = world.app.test_client()
    sign_in(browser, world.user(who))
    return browser


# Cookie-authenticated API writes: (method, path, body, the status they get when allowed).
API_WRITES = [
    ("POST", "/api/v1/shaders", {"title": "Cookie", "code": GRADIENT}, 201),
    ("PATCH", "/api/v1/shaders/{shader}", {"title": "Renamed"}, 200),
    ("DELETE", "/api/v1/shaders/{shader}", None, 204),
    ("POST", "/api/v1/shaders/{stranger_shader}/vote", {"value": 1}, 200),
    ("POST", "/api/v1/shaders/{stranger_shader}/fork", {}, 201),
    ("PATCH", "/api/v1/users/me", {"display_name": "Ada"}, 200),
    ("POST", "/api/v1/desires", {"prompt": "rain on a window at night"}, 201),
    ("POST", "/api/v1/mcp-keys", {"name": "bot", "scopes": ["read", "write"]}, 201),
    ("PUT", "/api/v1/users/me/byok/openai", {"api_key": "sk-test-0123456789abcdefWXYZ"}, 200),
    ("POST", "/api/v1/payments/checkout", {"plan": "pro"}, 200),
]


@pytest.mark.parametrize(("method", "path", "body", "allowed"), API_WRITES,
                         ids=[f"{m} {p}" for m, p, _, _ in API_WRITES])
def test_cookie_api_writes_need_the_csrf_header(world: World, method, path, body, allowed):
    url = world.fill(path)
    browser = _browser(world)
    csrf = browser.get_cookie("csrf_access_token").value
    for headers in ({}, {"X-CSRF-TOKEN": "forged"}, {"X-CSRF-TOKEN": ""}):
        refused = browser.open(url, method=method, json=body, headers=headers)
        assert refused.status_code == 401, (headers, refused.get_json())
        assert "CSRF" in refused.get_json()["message"]
    # Another browser's CSRF value does not fit this one's cookie.
    theirs = _browser(world, STRANGER).get_cookie("csrf_access_token").value
    assert browser.open(url, method=method, json=body,
                        headers={"X-CSRF-TOKEN": theirs}).status_code == 401
    done = browser.open(url, method=method, json=body, headers={"X-CSRF-TOKEN": csrf})
    assert done.status_code == allowed, done.get_json()


def test_cookie_reads_need_no_csrf_header(world: World):
    browser = _browser(world)
    assert browser.get("/api/v1/users/me").json["username"] == world.author
    assert browser.get("/api/v1/mcp-keys").status_code == 200


def test_a_token_already_verified_by_a_read_still_needs_its_csrf_on_writes(world: World):
    """Verified tokens are remembered per process (extensions.VerifiedTokens); the CSRF double
    submit is checked on every write all the same."""
    browser = _browser(world)
    assert browser.get("/api/v1/users/me").status_code == 200  # the token is now remembered
    csrf = browser.get_cookie("csrf_access_token").value
    theirs = _browser(world, STRANGER).get_cookie("csrf_access_token").value
    for headers in ({}, {"X-CSRF-TOKEN": "forged"}, {"X-CSRF-TOKEN": theirs}):
        refused = browser.patch("/api/v1/users/me", json={"display_name": "Forged"},
                                headers=headers)
        assert refused.status_code == 401, (headers, refused.get_json())
    done = browser.patch("/api/v1/users/me", json={"display_name": "Ada"},
                         headers={"X-CSRF-TOKEN": csrf})
    assert done.status_code == 200 and done.json["display_name"] == "Ada"


def test_a_cross_site_dwell_is_not_counted_as_the_user(world: World):
    """Dwell is open to visitors; a forged one with the cookie must not act as the user: it is
    refused like any other cookie write without the CSRF header, and nothing is stored."""
    from fractafrag.extensions import db
    from fractafrag.models import DwellEvent

    browser = _browser(world, STRANGER)
    response = browser.post(f"/api/v1/shaders/{world.shader}/dwell", json={"ms": 2000})
    assert response.status_code == 401, response.get_json()
    assert "CSRF" in response.get_json()["message"]
    with world.app.app_context():
        assert db.session.query(DwellEvent).count() == 0, "no dwell in the stranger's name"
    # The same dwell from a visitor (no cookie) is counted, as nobody's.
    visitor = world.app.test_client()
    counted = visitor.post(f"/api/v1/shaders/{world.shader}/dwell", json={"ms": 2000})
    assert counted.status_code == 204, counted.get_json()
    with world.app.app_context():
        assert [row.user_id for row in db.session.query(DwellEvent)] == [None]


def test_refresh_and_logout_by_cookie_need_the_refresh_csrf(world: World):
    browser = _browser(world)
    access_csrf = browser.get_cookie("csrf_access_token").value
    refresh_csrf = browser.get_cookie("csrf_refresh_token").value
    for path in ("/api/v1/auth/refresh", "/api/v1/auth/logout"):
        assert browser.post(path).status_code == 401
        if access_csrf != refresh_csrf:
            assert browser.post(path, headers={"X-CSRF-TOKEN": access_csrf}).status_code == 401
    renewed = browser.post("/api/v1/auth/refresh", headers={"X-CSRF-TOKEN": refresh_csrf})
    assert renewed.status_code == 200
    out = browser.post("/api/v1/auth/logout", headers={"X-CSRF-TOKEN": refresh_csrf})
    assert out.status_code == 204


# Page form posts: (path, form data, who posts it: None for a visitor, what it answers when the
# token fits: a redirect to where the whole Location must match (a pattern), or a page shown
# again (200) with the text that says it worked).
PAGE_FORMS = [
    ("/login", lambda w: {"username": w.author, "password": "correct horse battery"}, None,
     (302, "/")),
    ("/register", lambda w: {"username": "newcomer", "email": "newcomer@example.org",
                             "password": "plasma tunnels at dawn"}, None, (302, "/new")),
    ("/logout", lambda w: {}, AUTHOR, (302, "/")),
    ("/settings", lambda w: {"section": "profile", "display_name": "Forged", "bio": ""}, AUTHOR,
     (302, "/settings")),
    ("/settings", lambda w: {"section": "key-create", "name": "forged", "scope_write": "1"},
     AUTHOR, (200, "Your new key “forged” (write)")),
    ("/settings", lambda w: {"section": "password", "current_password": "correct horse battery",
                             "new_password": "a forged new password"}, AUTHOR,
     (302, "/settings")),
    ("/settings/billing/checkout", lambda w: {}, AUTHOR,
     (303, r"https://checkout\.stripe\.com/c/pay/cs_test\w+")),
    ("/shaders/{stranger_shader}/fork", lambda w: {}, AUTHOR, (302, r"/shaders/\d+/edit")),
    ("/desires", lambda w: {"prompt": "a forged desire for rain"}, AUTHOR,
     (302, r"/desires#desire-\d+")),
    ("/desires/{desire}/offers", lambda w: {"shader_id": w.stranger_shader}, STRANGER,
     (302, "/desires/{desire}")),
    ("/desires/{desire}/offers/{offer}/accept", lambda w: {}, AUTHOR, (302, "/desires/{desire}")),
    ("/notifications", lambda w: {}, AUTHOR, (302, "/notifications")),
]


@pytest.mark.parametrize(("path", "data", "who", "outcome"), PAGE_FORMS,
                         ids=[f"{p} {i}" for i, (p, _, _, _) in enumerate(PAGE_FORMS)])
def test_page_forms_need_their_csrf_token(world: World, path, data, who, outcome):
    url = world.fill(path)
    form = data(world)
    browser = _browser(world, who) if who else world.app.test_client()
    token = form_token(browser, "/login")
    for forged in (None, "", "forged", form_token(world.app.test_client(), "/login")):
        fields = dict(form) if forged is None else {**form, "csrf_token": forged}
        refused = browser.post(url, data=fields)
        assert refused.status_code == 400, (forged, refused.status_code)
        assert "did not come from this site" in refused.get_data(as_text=True)
    if who:  # nothing happened: still signed in with the same profile and password
        me = browser.get("/api/v1/users/me").get_json()
        assert me["username"] == world.user(who)["username"]
        assert me["display_name"] != "Forged"
    done = browser.post(url, data={**form, "csrf_token": token})
    status, where = outcome
    # Done: on to the page that follows. A form shown again (an error, 200 or 4xx) is not done.
    assert done.status_code == status, done.get_data(as_text=True)[:300]
    if status == 200:
        assert where in done.get_data(as_text=True)
    else:
        assert re.fullmatch(world.fill(where), done.headers["Location"]), done.headers["Location"]
