"""Pages without a browser: what the HTML says, escaping, headers, forms and cookies."""

from __future__ import annotations

import re

import pytest

from tests.api.shader_helpers import published
from tests.helpers import bearer, form_token, signed_in


def test_feed_cards_carry_hooks_scores_and_escaped_titles(client, make_user):
    artist = make_user()
    shader = published(client, artist, title="<script>alert(1)</script> Plasma")
    html = client.get("/?sort=new").get_data(as_text=True)
    assert f'data-shader-id="{shader["id"]}"' in html
    assert 'data-role="score"' in html
    assert "<script>alert(1)</script>" not in html
    assert "&lt;script&gt;alert(1)&lt;/script&gt; Plasma" in html


def test_pages_send_a_strict_content_security_policy(client, make_user):
    shader = published(client, make_user())
    page = client.get("/")
    policy = page.headers["Content-Security-Policy"]
    assert "script-src 'self'" in policy and "frame-ancestors 'self'" in policy
    assert page.headers["X-Content-Type-Options"] == "nosniff"
    embed = client.get(f"/embed/{shader['id']}")
    assert "frame-ancestors *" in embed.headers["Content-Security-Policy"]
    html = re.sub(r"<script (src|type)=[^>]*>", "", embed.get_data(as_text=True))
    assert "<script>" not in html, "no inline script code: only src= and JSON data blocks"


def test_shader_page_has_player_code_versions_and_open_graph(client, make_user):
    artist = make_user()
    shader = published(client, artist, title="Glow", description="soft light", tags=["glow"])
    client.patch(f"/api/v1/shaders/{shader['id']}", json={
        "code": "void mainImage(out vec4 c, in vec2 p) { c = vec4(1.0); }", "message": "white"},
        headers=bearer(artist["access_token"]))
    html = client.get(f"/shaders/{shader['id']}").get_data(as_text=True)
    assert 'data-role="player"' in html and 'id="shader-data"' in html
    assert '<meta property="og:title" content="Glow by ' in html
    assert "v2" in html and "white" in html
    diff = client.get(f"/shaders/{shader['id']}?from=1&to=2").get_data(as_text=True)
    assert 'data-role="diff"' in diff and 'class="add"' in diff and 'class="del"' in diff
    old = client.get(f"/shaders/{shader['id']}?version=1").get_data(as_text=True)
    assert "iResolution" in old, "version 1's code is shown"


def test_private_shaders_are_404_pages_for_strangers(client, make_user):
    owner, stranger = make_user(), make_user()
    shader = published(client, owner, visibility="private")
    signed_in(client, stranger)
    response = client.get(f"/shaders/{shader['id']}")
    assert response.status_code == 404
    assert response.mimetype == "text/html"
    assert client.get(f"/partials/card/{shader['id']}").status_code == 404
    signed_in(client, owner)
    assert client.get(f"/shaders/{shader['id']}").status_code == 200


def test_explore_searches_by_words_tags_and_author(client, make_user):
    ann, bob = make_user("ann"), make_user("bob")
    published(client, ann, title="Ocean waves", tags=["water"])
    published(client, bob, title="Fire storm", tags=["fire"])
    assert "Ocean waves" in client.get("/explore?q=ocean").get_data(as_text=True)
    by_tag = client.get("/explore?tag=fire").get_data(as_text=True)
    assert "Fire storm" in by_tag and "Ocean waves" not in by_tag
    by_author = client.get("/explore?q=author:ann").get_data(as_text=True)
    assert "Ocean waves" in by_author and "Fire storm" not in by_author


def test_profile_lists_the_artists_public_shaders(client, make_user):
    ann = make_user("ann")
    published(client, ann, title="Shown")
    published(client, ann, title="Hidden", visibility="private")
    html = client.get("/u/ANN").get_data(as_text=True)
    assert "Shown" in html and "Hidden" not in html
    assert client.get("/u/nobody").status_code == 404


@pytest.mark.parametrize("elsewhere", [
    "https://evil.example/", "//evil.example/", "/\\evil.example/", "\\\\evil.example/",
    "/\t/evil.example/", "/\n/evil.example", " //evil.example", "javascript:alert(1)"])
def test_signing_in_never_sends_people_to_another_site(client, make_user, elsewhere):
    user = make_user()
    token = form_token(client, "/login")
    answer = client.post("/login", data={"username": user["username"], "csrf_token": token,
                                         "password": user["password"], "next": elsewhere})
    assert answer.status_code == 302
    assert answer.headers["Location"] == "/", "home, not the other site"


def test_login_form_sets_httponly_cookies_and_needs_its_csrf_token(client, make_user):
    user = make_user()
    token = form_token(client, "/login")
    refused = client.post("/login", data={"username": user["username"],
                                          "password": user["password"]})
    assert refused.status_code == 400
    wrong = client.post("/login", data={"username": user["username"], "password": "nope nope",
                                        "csrf_token": token})
    assert wrong.status_code == 401
    assert "Wrong username/email or password." in wrong.get_data(as_text=True)
    ok = client.post("/login", data={"username": user["username"], "password": user["password"],
                                     "csrf_token": token, "next": "https://evil.example/"})
    assert ok.status_code == 302 and ok.headers["Location"] == "/", "no open redirect"
    cookies = ok.headers.getlist("Set-Cookie")
    access = next(c for c in cookies if c.startswith("access_token_cookie="))
    assert "HttpOnly" in access and "SameSite=Lax" in access
    assert any(c.startswith("csrf_access_token=") and "HttpOnly" not in c for c in cookies)
    assert f'data-username="{user["username"]}"' in client.get("/").get_data(as_text=True)


def test_cookie_writes_to_the_api_need_the_csrf_header(client, make_user):
    artist, fan = make_user(), make_user()
    shader = published(client, artist)
    token = form_token(client, "/login")
    client.post("/login", data={"username": fan["username"], "password": fan["password"],
                                "csrf_token": token})
    url = f"/api/v1/shaders/{shader['id']}/vote"
    assert client.post(url, json={"value": 1}).status_code == 401
    csrf = client.get_cookie("csrf_access_token").value
    answer = client.post(url, json={"value": 1}, headers={"X-CSRF-TOKEN": csrf})
    assert answer.status_code == 200 and answer.json["score"] == 1


def test_an_expired_access_cookie_is_renewed_from_the_refresh_cookie(client, make_user):
    user = make_user()
    client.set_cookie("refresh_token_cookie", user["refresh_token"])
    response = client.get("/")
    assert f'data-username="{user["username"]}"' in response.get_data(as_text=True)
    assert any(c.startswith("access_token_cookie=") for c in response.headers.getlist("Set-Cookie"))


def test_register_form_shows_field_errors_then_signs_in(client, make_user):
    token = form_token(client, "/register")
    bad = client.post("/register", data={"username": "x", "email": "not-an-email",
                                         "password": "password", "csrf_token": token})
    assert bad.status_code == 422
    assert 'class="error"' in bad.get_data(as_text=True)
    good = client.post("/register", data={"username": "newbie", "email": "newbie@example.org",
                                          "password": "a long enough secret", "csrf_token": token})
    assert good.status_code == 302 and good.headers["Location"].endswith("/new")
    assert 'data-username="newbie"' in client.get("/").get_data(as_text=True)


def test_settings_change_the_profile_and_sign_out_revokes(client, make_user):
    user = make_user()
    assert client.get("/settings").status_code == 302
    token = form_token(client, "/login")
    client.post("/login", data={"username": user["username"], "password": user["password"],
                                "csrf_token": token})
    too_long = client.post("/settings", data={"section": "profile", "display_name": "x" * 65,
                                              "bio": "", "csrf_token": token})
    assert too_long.status_code == 422 and "At most 64 characters" in too_long.get_data(
        as_text=True)
    saved = client.post("/settings", data={"section": "profile", "display_name": "Ann <3",
                                           "bio": "I draw with math", "csrf_token": token},
                        follow_redirects=True)
    assert "Profile saved." in saved.get_data(as_text=True)
    assert "Ann &lt;3" in client.get(f"/u/{user['username']}").get_data(as_text=True)
    refresh = client.get_cookie("refresh_token_cookie").value
    client.post("/logout", data={"csrf_token": token})
    assert 'data-username' not in client.get("/").get_data(as_text=True)
    again = client.post("/api/v1/auth/refresh", headers=bearer(refresh))
    assert again.status_code == 401, "the refresh token was revoked"


def test_fork_form_makes_a_draft_and_opens_the_editor(client, make_user):
    artist, remixer = make_user(), make_user()
    shader = published(client, artist, title="Original")
    token = form_token(client, "/login")
    client.post("/login", data={"username": remixer["username"],
                                "password": remixer["password"], "csrf_token": token})
    response = client.post(f"/shaders/{shader['id']}/fork", data={"csrf_token": token})
    assert response.status_code == 302
    fork_id = int(re.search(r"/shaders/(\d+)/edit", response.headers["Location"]).group(1))
    fork = client.get(f"/api/v1/shaders/{fork_id}", headers=bearer(remixer["access_token"])).json
    assert fork["forked_from"] == {"id": shader["id"], "version": 1}
    assert "Original" in client.get(f"/shaders/{shader['id']}").get_data(as_text=True)


def test_settings_create_a_key_shown_once_then_revoke_it(client, make_user):
    user = make_user()
    token = form_token(client, "/login")
    client.post("/login", data={"username": user["username"], "password": user["password"],
                                "csrf_token": token})
    made = client.post("/settings", data={"section": "key-create", "name": "my agent",
                                          "scope_read": "1", "scope_write": "1",
                                          "csrf_token": token})
    html = made.get_data(as_text=True)
    secret = re.search(r'value="(ff_[^"]+)"', html).group(1)
    assert client.get("/api/v1/users/me", headers={"X-API-Key": secret}).status_code == 200
    listing = client.get("/settings").get_data(as_text=True)
    assert "my agent" in listing and secret not in listing, "the secret is shown once"
    key_id = re.search(r'name="key_id" value="(\d+)"', listing).group(1)
    client.post("/settings", data={"section": "key-revoke", "key_id": key_id,
                                   "csrf_token": token})
    refused = client.get("/api/v1/users/me", headers={"X-API-Key": secret})
    assert refused.status_code == 401 and "revoked" in refused.json["message"]


def test_absolute_links_use_the_public_url_not_the_host_header(make_app, make_user):
    """A forged Host header must not put another site into canonical/Open Graph links once
    FRACTAFRAG_PUBLIC_URL is set; without it (a local instance) they follow the request."""
    from fractafrag.extensions import db
    from fractafrag.models import Shader

    local = make_app()
    client = local.test_client()
    shader = published(client, make_user())
    with local.app_context():
        db.session.get(Shader, shader["id"]).thumbnail_url = "/renders/ab/thumb.webp"
        db.session.commit()
    forged = {"Host": "evil.example"}
    html = client.get(f"/shaders/{shader['id']}", headers=forged).get_data(as_text=True)
    assert f'rel="canonical" href="http://evil.example/shaders/{shader["id"]}"' in html

    public = make_app(PUBLIC_URL="https://shaders.example.org/")
    html = public.test_client().get(f"/shaders/{shader['id']}", headers=forged).get_data(
        as_text=True)
    assert "evil.example" not in html
    assert f'rel="canonical" href="https://shaders.example.org/shaders/{shader["id"]}"' in html
    assert 'og:image" content="https://shaders.example.org/renders/ab/thumb.webp"' in html
    assert f'href="https://shaders.example.org/embed/{shader["id"]}"' in html
