"""Who may call each write endpoint: the owner, another user, nobody, and API keys.

Every POST/PATCH/PUT/DELETE route of the app (the REST API under /api/v1 and the pages' form
POSTs) is a row; `test_every_write_route_is_in_the_matrix` fails when a route has no row.
Each row is called by five callers, each on a fresh database:

- `owner`: the rightful user (the author of the content; for votes, fork, offers, pledges and
  joining a jam, someone else's user acting on the author's content), signed in with a Bearer
  JWT;
- `other_user`: the other user, on the same content;
- `anonymous`: no credentials;
- `read_key` / `write_key`: an `X-API-Key` of the rightful user with scope `read` / `read` +
  `write`.

Expected, unless a row says otherwise: anonymous 401; a read-scope key 403 (every write needs
`write`, except those anonymous callers may make: validate, dwell); a write-scope key exactly
what the owner gets, acting as the owner (a created thing names the owner as its author);
another user 403 on someone else's shader, desire, comment, playlist or jam (404 for an API key
that is not theirs; 422 for following or blocking oneself; a jam's co-editor, who joined with
its invite, may edit it but gets 403 for what only its owner does); moderation is for admins
(403). Public by design, and listed as such: register, login, validate, dwell (anonymous views
count) and the Stripe webhook (authenticated by its signature: 400 without one). Managing API
keys, provider keys and payments needs a person: a write key gets 403, and so does changing the
password or email, signing out everywhere and deleting the account; refresh and logout need a
refresh token: a write key gets 401.

Pages ignore API keys (they are anonymous there) and send anonymous form posts to the sign-in
page; a page form succeeds or fails by what it changes, which each page row probes.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import pytest
import sqlalchemy as sa

from tests.api.shader_helpers import GRADIENT
from tests.security.conftest import AUTHOR, STRANGER, World, form_token, signed_in

CALLERS = ("owner", "other_user", "anonymous", "read_key", "write_key")
PASSWORD = "correct horse battery"
SHADERTOY = {"info": {"name": "Imported"}, "renderpass": [{
    "type": "image", "name": "Image", "code": GRADIENT, "inputs": [], "outputs": []}]}


@dataclass(frozen=True)
class Endpoint:
    """One REST API write: how to call it and what each caller gets."""

    name: str
    method: str
    rule: str  # the url_map rule it covers
    path: str  # the rule with the world's ids: {shader}, {desire}, {offer}, …
    ok: int  # the owner's answer
    other: int  # the other user's answer
    body: dict | Callable[[World], dict] | None = None
    actor: str = AUTHOR  # whose the owner column is
    anonymous: int = 401
    read_key: int = 403
    write_key: int | None = None  # None: the owner's answer
    token: str = "access"  # refresh: the Bearer callers send their refresh token
    setup: tuple[str, ...] = ()  # World methods to call for both users first
    actor_setup: tuple[str, ...] = ()  # World methods to call for the rightful user only

    def expected(self, caller: str) -> int:
        return {"owner": self.ok, "other_user": self.other, "anonymous": self.anonymous,
                "read_key": self.read_key,
                "write_key": self.ok if self.write_key is None else self.write_key}[caller]


SHADER = "/api/v1/shaders/<int:shader_id>"
DESIRE = "/api/v1/desires/<int:desire_id>"
COMMENT = "/api/v1/comments/<int:comment_id>"
USER = "/api/v1/users/<string:username>"
PLAYLIST = "/api/v1/playlists/<int:playlist_id>"
JAM = "/api/v1/jams/<int:jam_id>"
ENDPOINTS = [
    # Public by design.
    Endpoint("register", "POST", "/api/v1/auth/register", "/api/v1/auth/register", 201, 201,
             {"username": "newcomer", "email": "newcomer@example.org",
              "password": "plasma tunnels at dawn"}, anonymous=201),
    Endpoint("login", "POST", "/api/v1/auth/login", "/api/v1/auth/login", 200, 200,
             lambda w: {"username": w.author, "password": PASSWORD}, anonymous=200),
    Endpoint("validate", "POST", "/api/v1/validate", "/api/v1/validate", 200, 200,
             {"code": GRADIENT}, anonymous=200, read_key=200),
    Endpoint("dwell", "POST", SHADER + "/dwell", "/api/v1/shaders/{shader}/dwell", 204, 204,
             {"ms": 1500}, anonymous=204, read_key=204),
    Endpoint("stripe_webhook", "POST", "/api/v1/payments/webhook", "/api/v1/payments/webhook",
             400, 400, {"id": "evt_forged", "type": "invoice.paid"}, anonymous=400),
    # Tokens: a refresh token, never an API key.
    Endpoint("refresh", "POST", "/api/v1/auth/refresh", "/api/v1/auth/refresh", 200, 200,
             token="refresh", write_key=401),
    Endpoint("logout", "POST", "/api/v1/auth/logout", "/api/v1/auth/logout", 204, 204,
             token="refresh", write_key=401),
    # One's own account.
    Endpoint("edit_profile", "PATCH", "/api/v1/users/me", "/api/v1/users/me", 200, 200,
             {"display_name": "Ada"}),
    # Credentials need a person: an API key never changes the password or email (403).
    Endpoint("change_password", "PATCH", "/api/v1/users/me", "/api/v1/users/me", 200, 200,
             {"password": "a brand new passphrase", "current_password": PASSWORD},
             write_key=403),
    Endpoint("change_email", "PATCH", "/api/v1/users/me", "/api/v1/users/me", 200, 200,
             {"email": "moved@example.org", "current_password": PASSWORD}, write_key=403),
    Endpoint("sign_out_everywhere", "POST", "/api/v1/users/me/sessions/revoke",
             "/api/v1/users/me/sessions/revoke", 200, 200, write_key=403),
    Endpoint("delete_account", "DELETE", "/api/v1/users/me", "/api/v1/users/me", 204, 204,
             {"current_password": PASSWORD}, write_key=403),
    Endpoint("create_api_key", "POST", "/api/v1/mcp-keys", "/api/v1/mcp-keys", 201, 201,
             {"name": "bot", "scopes": ["read"]}, write_key=403),
    Endpoint("revoke_api_key", "DELETE", "/api/v1/mcp-keys/<int:key_id>",
             "/api/v1/mcp-keys/{spare_key}", 204, 404, write_key=403),
    Endpoint("save_provider_key", "PUT", "/api/v1/users/me/byok/<provider>",
             "/api/v1/users/me/byok/openai", 200, 200,
             {"api_key": "sk-test-0123456789abcdefWXYZ"}, write_key=403),
    Endpoint("forget_provider_key", "DELETE", "/api/v1/users/me/byok/<provider>",
             "/api/v1/users/me/byok/openai", 204, 204, write_key=403, setup=("byok",)),
    Endpoint("checkout", "POST", "/api/v1/payments/checkout", "/api/v1/payments/checkout",
             200, 200, {"plan": "pro"}, write_key=403),
    Endpoint("billing_portal", "POST", "/api/v1/payments/portal", "/api/v1/payments/portal",
             200, 200, write_key=403, setup=("checkout",)),
    Endpoint("connect_payouts", "POST", "/api/v1/payments/connect", "/api/v1/payments/connect",
             201, 201, write_key=403),
    # Shaders.
    Endpoint("publish", "POST", "/api/v1/shaders", "/api/v1/shaders", 201, 201,
             {"title": "New", "code": GRADIENT}),
    Endpoint("import", "POST", "/api/v1/shaders/import", "/api/v1/shaders/import", 201, 201,
             SHADERTOY),
    Endpoint("edit_shader", "PATCH", SHADER, "/api/v1/shaders/{shader}", 200, 403,
             {"title": "Renamed"}),
    Endpoint("delete_shader", "DELETE", SHADER, "/api/v1/shaders/{shader}", 204, 403),
    Endpoint("restore_version", "POST", SHADER + "/versions/<int:number>/restore",
             "/api/v1/shaders/{shader}/versions/1/restore", 201, 403),
    Endpoint("vote", "POST", SHADER + "/vote", "/api/v1/shaders/{shader}/vote", 200, 403,
             {"value": 1}, actor=STRANGER),
    Endpoint("fork", "POST", SHADER + "/fork", "/api/v1/shaders/{shader}/fork", 201, 201, {},
             actor=STRANGER),
    Endpoint("test_render", "POST", "/api/v1/render-preview", "/api/v1/render-preview", 504,
             504, {"code": GRADIENT}),
    # Anyone who can see a shader may export it (the world's shader is public).
    Endpoint("export", "POST", SHADER + "/exports", "/api/v1/shaders/{shader}/exports", 202, 202,
             {"format": "png", "width": 640, "height": 360}),
    Endpoint("generate", "POST", "/api/v1/generate", "/api/v1/generate", 202, 202,
             {"prompt": "a slowly rotating torus"}, setup=("byok",)),
    # Desires.
    Endpoint("ask", "POST", "/api/v1/desires", "/api/v1/desires", 201, 201,
             {"prompt": "rain on a window at night"}),
    Endpoint("edit_desire", "PATCH", DESIRE, "/api/v1/desires/{desire}", 200, 403,
             {"prompt": "a tunnel of blue rings"}),
    Endpoint("offer", "POST", DESIRE + "/fulfill", "/api/v1/desires/{desire}/fulfill", 201,
             201, lambda w: {"shader_id": w.stranger_shader}, actor=STRANGER),
    Endpoint("accept_offer", "POST", DESIRE + "/offers/<int:offer_id>/accept",
             "/api/v1/desires/{desire}/offers/{offer}/accept", 200, 403),
    Endpoint("pledge", "POST", DESIRE + "/pledges", "/api/v1/desires/{desire}/pledges", 201,
             201, {"amount_cents": 500}, actor=STRANGER, write_key=403),
    # Community.
    Endpoint("comment", "POST", SHADER + "/comments", "/api/v1/shaders/{shader}/comments",
             201, 201, {"body": "Lovely *glow*."}, actor=STRANGER),
    Endpoint("edit_comment", "PATCH", COMMENT, "/api/v1/comments/{comment}", 200, 403,
             {"body": "Edited."}),
    Endpoint("delete_comment", "DELETE", COMMENT, "/api/v1/comments/{comment}", 204, 403),
    Endpoint("mark_notifications_read", "POST", "/api/v1/notifications/read",
             "/api/v1/notifications/read", 200, 200, {}),
    Endpoint("follow", "PUT", USER + "/follow", "/api/v1/users/{author}/follow", 200, 422,
             actor=STRANGER),  # the other user is the author: nobody follows themselves
    Endpoint("unfollow", "DELETE", USER + "/follow", "/api/v1/users/{author}/follow", 200,
             200, actor=STRANGER),
    Endpoint("block", "PUT", USER + "/block", "/api/v1/users/{author}/block", 200, 422,
             actor=STRANGER),
    Endpoint("unblock", "DELETE", USER + "/block", "/api/v1/users/{author}/block", 200, 200,
             actor=STRANGER),
    Endpoint("report", "POST", "/api/v1/reports", "/api/v1/reports", 201, 201,
             lambda w: {"kind": "shader", "id": w.shader, "reason": "not a shader"},
             actor=STRANGER),
    Endpoint("moderate", "POST", "/api/v1/admin/<any(shaders, comments, desires):kinds>"
             "/<int:target_id>/<any(hide, restore):action>", "/api/v1/admin/shaders/{shader}/hide",
             200, 403, actor_setup=("make_admin",)),
    Endpoint("create_playlist", "POST", "/api/v1/playlists", "/api/v1/playlists", 201, 201,
             {"title": "Mix"}),
    Endpoint("edit_playlist", "PATCH", PLAYLIST, "/api/v1/playlists/{playlist}", 200, 403,
             {"title": "Renamed"}),
    Endpoint("delete_playlist", "DELETE", PLAYLIST, "/api/v1/playlists/{playlist}", 204, 403),
    Endpoint("add_to_playlist", "POST", PLAYLIST + "/items", "/api/v1/playlists/{playlist}/items",
             201, 403, lambda w: {"shader_id": w.stranger_shader}),
    Endpoint("reorder_playlist", "PUT", PLAYLIST + "/items",
             "/api/v1/playlists/{playlist}/items", 200, 403,
             lambda w: {"shader_ids": [w.shader]}),
    Endpoint("remove_from_playlist", "DELETE", PLAYLIST + "/items/<int:shader_id>",
             "/api/v1/playlists/{playlist}/items/{shader}", 200, 403),
    # Jam sessions on the author's shader. Only its owner starts, re-invites, removes, saves
    # (editors may not: the jam is started without editors_may_save) and ends; the other user
    # is a co-editor who joined with the invite (setup join_jam) and still gets 403. Editing
    # needs the owner or a joined editor: the other user, a mere watcher, gets 403.
    Endpoint("start_jam", "POST", SHADER + "/jams", "/api/v1/shaders/{shader}/jams", 201, 403,
             {}),
    Endpoint("new_jam_invite", "POST", JAM + "/invite", "/api/v1/jams/{jam}/invite", 200, 403,
             setup=("join_jam",)),
    # Anyone signed in with the invite joins (the author, already its owner, gets 200 too).
    Endpoint("join_jam", "POST", JAM + "/join", "/api/v1/jams/{jam}/join", 200, 200,
             lambda w: {"invite": w.jam_invite}, actor=STRANGER),
    Endpoint("remove_jam_editor", "DELETE", JAM + "/participants/<int:user_id>",
             "/api/v1/jams/{jam}/participants/{jam_guest}", 204, 403, setup=("join_jam",)),
    Endpoint("edit_jam", "POST", JAM + "/edits", "/api/v1/jams/{jam}/edits", 200, 403,
             {"pass": "Image", "at": 0, "insert": "// live\n"}),
    Endpoint("save_jam", "POST", JAM + "/save", "/api/v1/jams/{jam}/save", 201, 403,
             {"message": "tuned live"}, setup=("join_jam",), actor_setup=("edit_jam",)),
    Endpoint("end_jam", "POST", JAM + "/end", "/api/v1/jams/{jam}/end", 200, 403,
             setup=("join_jam",)),
    # Uploads are multipart (tests/api/test_media.py sends real files): a JSON body has no
    # `file`, so whoever may upload gets 422 naming it. Someone else's medium is 404.
    Endpoint("upload_media", "POST", "/api/v1/media", "/api/v1/media", 422, 422),
    Endpoint("delete_media", "DELETE", "/api/v1/media/<int:media_id>", "/api/v1/media/{media}",
             204, 404),
]


def _other(who: str) -> str:
    return STRANGER if who == AUTHOR else AUTHOR


def _headers(world: World, endpoint: Endpoint, caller: str) -> dict[str, str]:
    if caller == "owner":
        return world.bearer(endpoint.actor, endpoint.token)
    if caller == "other_user":
        return world.bearer(_other(endpoint.actor), endpoint.token)
    if caller == "anonymous":
        return {}
    scopes = ("read",) if caller == "read_key" else ("read", "write")
    return {"X-API-Key": world.key(endpoint.actor, scopes)}


def _set_up(world: World, steps) -> None:
    """Run each setup step (a World method) for the author and for the stranger."""
    for step in steps:
        for who in (AUTHOR, STRANGER):
            getattr(world, step)(who)


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
def test_api_write(world: World, endpoint: Endpoint, caller: str) -> None:
    _set_up(world, endpoint.setup)
    for step in endpoint.actor_setup:
        getattr(world, step)(endpoint.actor)
    path = world.fill(endpoint.path)
    body = endpoint.body(world) if callable(endpoint.body) else endpoint.body
    headers = _headers(world, endpoint, caller)  # made before the call: keys need the API
    response = world.client.open(path, method=endpoint.method, json=body, headers=headers)
    expected = endpoint.expected(caller)
    assert response.status_code == expected, (
        f"{endpoint.method} {path} as {caller}: {response.status_code} "
        f"{response.get_data(as_text=True)[:300]}")
    answer = response.get_json(silent=True)
    if caller in ("owner", "write_key") and isinstance(answer, dict) and "author" in answer:
        # A key acts as its owner: what it creates or changes is theirs.
        assert answer["author"]["username"] == world.user(endpoint.actor)["username"]


# -------------------------------------------------------------------------------- page forms


def _count(world: World, model: str) -> int:
    from fractafrag import models
    from fractafrag.extensions import db

    with world.app.app_context():
        return db.session.scalar(sa.select(sa.func.count()).select_from(getattr(models, model)))


def _display_name(world: World, who: str) -> str:
    return world.get("/api/v1/users/me", who)["display_name"]


def _refreshes(world: World, who: str) -> int:
    """Whether who's first refresh token still refreshes (200) or was ended (401)."""
    return world.client.post("/api/v1/auth/refresh", headers=world.bearer(who, "refresh")
                             ).status_code


def _deleted(world: World, who: str) -> bool:
    from fractafrag.extensions import db
    from fractafrag.models import User

    with world.app.app_context():
        return db.session.get(User, world.user(who)["id"]).deleted_at is not None


@dataclass(frozen=True)
class PageForm:
    """One page form POST: its data, and a probe of what it changes for the rightful user."""

    name: str
    rule: str
    path: str
    data: dict | Callable[[World], dict] = field(default_factory=dict)
    probe: Callable[[World], Any] | None = None  # changes iff the form did its work
    actor: str = AUTHOR
    other_done: bool = False  # the other user's post also does the work (on their behalf)
    public: bool = False
    done_status: tuple[int, ...] = (302,)
    setup: tuple[str, ...] = ()


PAGE_FORMS = [
    PageForm("sign_in", "/login", "/login",
             lambda w: {"username": w.author, "password": PASSWORD}, public=True),
    PageForm("join", "/register", "/register",
             {"username": "newcomer", "email": "newcomer@example.org",
              "password": "plasma tunnels at dawn"}, lambda w: _count(w, "User"), public=True),
    PageForm("sign_out", "/logout", "/logout", public=True),
    PageForm("settings_profile", "/settings", "/settings",
             {"section": "profile", "display_name": "Renamed", "bio": ""},
             lambda w: _display_name(w, AUTHOR)),
    PageForm("settings_revoke_key", "/settings", "/settings",
             lambda w: {"section": "key-revoke", "key_id": w.spare_key},
             lambda w: [k["revoked_at"] for k in w.get("/api/v1/mcp-keys")
                        if k["id"] == w.spare_key]),
    PageForm("settings_sign_out_everywhere", "/settings", "/settings",
             {"section": "sessions-revoke"}, lambda w: _refreshes(w, AUTHOR)),
    PageForm("settings_delete_account", "/settings", "/settings",
             lambda w: {"section": "account-delete", "confirm_username": w.author,
                        "current_password": PASSWORD}, lambda w: _deleted(w, AUTHOR)),
    PageForm("billing_checkout", "/settings/billing/checkout", "/settings/billing/checkout",
             other_done=True, done_status=(303,)),
    PageForm("billing_portal", "/settings/billing/portal", "/settings/billing/portal",
             other_done=True, done_status=(303,), setup=("checkout",)),
    PageForm("payouts_connect", "/settings/payouts/connect", "/settings/payouts/connect",
             other_done=True, done_status=(303,)),
    PageForm("payouts_send", "/settings/payouts/send", "/settings/payouts/send",
             other_done=True),
    PageForm("fork", "/shaders/<int:shader_id>/fork", "/shaders/{shader}/fork",
             probe=lambda w: _count(w, "Shader"), actor=STRANGER, other_done=True),
    PageForm("ask", "/desires", "/desires", {"prompt": "rain on a window at night"},
             lambda w: _count(w, "Desire"), other_done=True),
    PageForm("offer", "/desires/<int:desire_id>/offers", "/desires/{desire}/offers",
             lambda w: {"shader_id": w.stranger_shader},
             lambda w: len(w.get(f"/api/v1/desires/{w.desire}/offers")), actor=STRANGER,
             other_done=True),
    PageForm("accept_offer", "/desires/<int:desire_id>/offers/<int:offer_id>/accept",
             "/desires/{desire}/offers/{offer}/accept",
             probe=lambda w: w.get(f"/api/v1/desires/{w.desire}")["status"]),
    PageForm("pledge", "/desires/<int:desire_id>/pledges", "/desires/{desire}/pledges",
             {"amount": "5"}, lambda w: _count(w, "BountyPledge"), actor=STRANGER,
             other_done=True, done_status=(303,)),
    PageForm("mark_notifications_read", "/notifications", "/notifications", other_done=True),
]


@pytest.mark.parametrize("caller", CALLERS)
@pytest.mark.parametrize("form", PAGE_FORMS, ids=lambda f: f.name)
def test_page_form(world: World, form: PageForm, caller: str) -> None:
    _set_up(world, form.setup)
    path = world.fill(form.path)
    data = form.data(world) if callable(form.data) else dict(form.data)
    browser = world.app.test_client()
    headers = {}
    if caller in ("owner", "other_user"):
        signed_in(browser, world.user(form.actor if caller == "owner" else _other(form.actor)))
    elif caller != "anonymous":
        scopes = ("read",) if caller == "read_key" else ("read", "write")
        headers = {"X-API-Key": world.key(form.actor, scopes)}
    data["csrf_token"] = form_token(browser)
    before = form.probe(world) if form.probe else None
    response = browser.post(path, data=data, headers=headers)
    changed = form.probe(world) != before if form.probe else None
    where = response.headers.get("Location", "")
    signed = caller in ("owner", "other_user")
    message = f"POST {path} as {caller}: {response.status_code} {where}"
    if form.public or (signed and (caller == "owner" or form.other_done)):
        assert response.status_code in form.done_status, message
        assert "/login" not in where or form.public, message
        assert changed in (True, None), message
    elif signed:  # the other user, on the rightful user's content
        assert changed is False, message
    else:  # anonymous, or an API key (pages never take one): off to the sign-in page
        assert response.status_code == 302 and re.search(r"/login\b", where), message
        assert changed in (False, None), message


# ------------------------------------------------------------------------------ completeness


def test_every_write_route_is_in_the_matrix(app) -> None:
    covered = {(e.method, e.rule) for e in ENDPOINTS}
    covered |= {("POST", f.rule) for f in PAGE_FORMS}
    routes = {(method, rule.rule) for rule in app.url_map.iter_rules()
              for method in rule.methods & {"POST", "PUT", "PATCH", "DELETE"}
              if not rule.rule.startswith("/socket.io")}
    missing = sorted(routes - covered)
    assert not missing, f"write routes without a row in the authorisation matrix: {missing}"
    stale = sorted(covered - routes)
    assert not stale, f"rows for routes that no longer exist: {stale}"
