"""Stored and reflected cross-site scripting through every field people write, on every page.

Every user-written field gets a payload that tries to open a tag, close an attribute and close
a `<script>` data block; every page that shows the field is parsed, and must have:
- no inline script (only `<script src>` and `<script type="application/json">`), no `on…`
  attribute and no `javascript:` URL;
- data blocks that are still valid JSON (a payload that closed the block would break it);
- the payload itself shown as text (escaped), never as markup;
- a Content-Security-Policy that forbids inline scripts.
"""

from __future__ import annotations

import json
from html.parser import HTMLParser
from urllib.parse import quote

import pytest

from tests.api.shader_helpers import GRADIENT
from tests.helpers import bearer, form_token, signed_in
from tests.security.world import World

PAYLOAD = "<img src=x onerror=alert(1)>\"'><script>alert(1)</script>"
RAW = ("<script>alert(1)", "<img src=x onerror", "onerror=alert(1)>")
CODE = GRADIENT + f"// {PAYLOAD}\n"


class Audit(HTMLParser):
    """Collects what would run: inline scripts, handlers, javascript: URLs, broken data blocks."""

    URL_ATTRIBUTES = {"href", "src", "action", "formaction", "xlink:href", "poster", "data"}

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.problems: list[str] = []
        self.blocks: list[str] = []
        self._block: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        for name, value in attrs:
            if name.startswith("on"):
                self.problems.append(f"<{tag} {name}={value!r}>")
            if (name in self.URL_ATTRIBUTES and value
                    and value.strip().lower().replace("\t", "").startswith("javascript:")):
                self.problems.append(f"<{tag} {name}={value!r}>")
        if tag == "script":
            kinds = dict(attrs)
            if kinds.get("type") == "application/json":
                self._block = []
            elif "src" not in kinds:
                self.problems.append(f"inline <script {attrs}>")
        if tag in ("iframe", "object", "embed", "base"):
            self.problems.append(f"<{tag} {attrs}>")

    def handle_data(self, data: str) -> None:
        if self._block is not None:
            self._block.append(data)

    def handle_endtag(self, tag: str) -> None:
        if tag == "script" and self._block is not None:
            text = "".join(self._block)
            self.blocks.append(text)
            try:
                json.loads(text)
            except ValueError:
                self.problems.append(f"a JSON data block that is not JSON: {text[:120]!r}")
            self._block = None


def audit(response, path: str) -> str:
    """Check one page answer; return its HTML."""
    assert response.mimetype == "text/html", path
    html = response.get_data(as_text=True)
    parser = Audit()
    parser.feed(html)
    parser.close()
    assert not parser.problems, f"{path}: {parser.problems}"
    for raw in RAW:
        assert raw not in html, f"{path} shows {raw!r} unescaped"
    policy = {d.split(" ", 1)[0]: d.split(" ")[1:] for d in
              (part.strip() for part in response.headers["Content-Security-Policy"].split(";"))
              if d}
    assert policy["script-src"] == ["'self'"], f"{path}: script-src {policy['script-src']}"
    assert policy["default-src"] == ["'self'"] and policy["object-src"] == ["'none'"], path
    assert policy["base-uri"] == ["'self'"], path
    return html


@pytest.mark.parametrize("html", [
    "<p><img src=x onerror=alert(1)></p>",
    "<script>alert(1)</script>",
    '<a href=" JavaScript:alert(1)">x</a>',
    '<script type="application/json">{"a": "</script><script>alert(1)</script>"}</script>',
    '<form><button formaction="javascript:alert(1)">x</button></form>',
])
def test_the_audit_catches_what_would_run(html):
    parser = Audit()
    parser.feed(html)
    assert parser.problems, html


def test_the_audit_lets_the_site_own_markup_pass():
    parser = Audit()
    parser.feed('<script src="/static/js/site.js"></script><a href="/u/ann">ann</a>'
                '<script type="application/json" id="d">{"t": "\\u003c/script\\u003e"}</script>')
    assert not parser.problems


@pytest.fixture
def stored(world: World) -> dict:
    """The payload in every field that takes free text, through the API and the forms."""
    c = world.client
    author = world.user("author")
    mine = bearer(author["access_token"])
    result: dict = {}
    refused = c.post("/api/v1/auth/register", json={
        "username": PAYLOAD[:30], "email": "x@example.org", "password": "plasma tunnels at dawn"})
    assert refused.status_code == 422, "usernames are letters, digits, _ and - only"
    assert "username" in refused.json["errors"]["json"]
    assert c.patch("/api/v1/users/me", headers=mine, json={
        "display_name": PAYLOAD, "bio": PAYLOAD}).status_code == 200
    website = c.patch("/api/v1/users/me", headers=mine, json={"website": "javascript:alert(1)"})
    assert website.status_code == 422, "only http(s) websites"
    shader = c.post("/api/v1/shaders", headers=mine, json={
        "title": PAYLOAD, "description": PAYLOAD, "tags": [PAYLOAD[:32], "plasma"],
        "code": CODE})
    assert shader.status_code == 201, shader.json
    result["shader"] = shader.json["id"]
    edited = c.patch(f"/api/v1/shaders/{result['shader']}", headers=mine, json={
        "code": CODE.replace("0.5", "0.25"), "common": f"// {PAYLOAD}\n", "message": PAYLOAD})
    assert edited.status_code == 200 and edited.json["version"] == 2, edited.json
    fork = c.post(f"/api/v1/shaders/{result['shader']}/fork", headers=mine,
                  json={"title": PAYLOAD, "visibility": "public"})
    assert fork.status_code == 201, fork.json
    result["fork"] = fork.json["id"]
    desire = c.post("/api/v1/desires", headers=mine, json={"prompt": PAYLOAD})
    assert desire.status_code == 201, desire.json
    result["desire"] = desire.json["id"]
    offered = c.post(f"/api/v1/desires/{result['desire']}/fulfill", headers=mine,
                     json={"shader_id": result["shader"]})
    assert offered.status_code == 201, offered.json
    key = c.post("/api/v1/mcp-keys", headers=mine, json={"name": PAYLOAD[:64]})
    assert key.status_code == 201, key.json
    provider = c.put("/api/v1/users/me/byok/openai", headers=mine, json={
        "api_key": "sk-test-0123456789abcdefWXYZ", "model": PAYLOAD[:100]})
    # Kept as written (the settings page shows it escaped).
    assert provider.status_code == 200, provider.json
    assert provider.json["model"] == PAYLOAD[:100], provider.json
    comment = c.post(f"/api/v1/shaders/{result['shader']}/comments", headers=mine,
                     json={"body": f"{PAYLOAD} [click](javascript:alert(1)) "
                                   f"<a href=\"javascript:alert(1)\">x</a>"})
    assert comment.status_code == 201, comment.get_json()
    playlist = c.post("/api/v1/playlists", headers=mine, json={
        "title": PAYLOAD, "description": PAYLOAD})
    assert playlist.status_code == 201, playlist.json
    result["playlist"] = playlist.json["id"]
    c.post(f"/api/v1/playlists/{result['playlist']}/items", headers=mine,
           json={"shader_id": result["shader"]})
    # Someone whose name is the payload comments and follows: the author is notified.
    stranger = world.bearer("stranger")
    c.patch("/api/v1/users/me", headers=stranger, json={"display_name": PAYLOAD})
    c.post(f"/api/v1/shaders/{result['shader']}/comments", headers=stranger,
           json={"body": PAYLOAD})
    c.put(f"/api/v1/users/{world.author}/follow", headers=stranger)
    return result


# What a page is to a visitor: shown to anyone, for signed-in people only (a visitor is sent to
# sign in), or missing for everyone (no account is named the payload).
ANYONE, SIGNED_IN, MISSING = "anyone", "signed in", "missing"


def pages(world: World, stored: dict) -> list[tuple[str, str]]:
    shader, fork, desire = stored["shader"], stored["fork"], stored["desire"]
    q = quote(PAYLOAD)
    shown = [
        "/", "/?sort=new", "/?sort=hot", "/explore", f"/explore?q={q}", "/explore?q=plasma",
        f"/explore?tag={quote(PAYLOAD[:32])}", f"/shaders/{shader}",
        f"/shaders/{shader}?from=1&to=2", f"/shaders/{shader}?version=1", f"/shaders/{fork}",
        f"/embed/{shader}", f"/u/{world.author}", "/desires", f"/desires/{desire}", "/new",
        f"/new?desire={desire}", f"/new?desire={q}", f"/partials/card/{shader}",
        f"/login?next={q}", f"/register?next={q}", f"/shaders/{shader}?from={q}",
        f"/playlists/{stored['playlist']}", "/u/stranger",
    ]
    private = ["/settings", f"/shaders/{shader}/edit", f"/shaders/{fork}/edit", "/notifications"]
    return ([(path, ANYONE) for path in shown] + [(path, SIGNED_IN) for path in private]
            + [(f"/u/{q}", MISSING)])


@pytest.mark.parametrize("viewer", ["author", "visitor"])
def test_no_page_runs_what_people_wrote(world: World, stored: dict, viewer: str):
    browser = world.app.test_client()
    if viewer == "author":
        signed_in(browser, world.user("author"))
    shown = 0
    for path, kind in pages(world, stored):
        response = browser.get(path)
        if kind == SIGNED_IN and viewer == "visitor":
            assert response.status_code == 302, path
            assert response.headers["Location"].startswith("/login?next="), path
            continue
        if kind == MISSING:  # (what a 404 echoes: test_error_pages_escape_what_they_echo)
            assert response.status_code == 404, path
            continue
        assert response.status_code == 200, path
        html = audit(response, path)
        shown += "&lt;img src=x onerror=alert(1)&gt;" in html or "\\u003cimg" in html
    assert shown >= (12 if viewer == "author" else 8), "the payload is shown, escaped"


def test_the_payload_reaches_the_data_blocks_as_text(world: World, stored: dict):
    """The code travels to the player in JSON: intact once parsed, harmless in the page."""
    browser = world.app.test_client()
    signed_in(browser, world.user("author"))
    for path in (f"/shaders/{stored['shader']}", f"/embed/{stored['shader']}",
                 f"/shaders/{stored['shader']}/edit"):
        parser = Audit()
        parser.feed(browser.get(path).get_data(as_text=True))
        assert any(PAYLOAD in text for b in parser.blocks for text in _strings(json.loads(b))
                   ), path
        assert all("</script" not in block.lower() for block in parser.blocks), path


def _strings(value):
    """Every string inside a JSON value."""
    if isinstance(value, str):
        yield value
    elif isinstance(value, dict):
        for item in value.values():
            yield from _strings(item)
    elif isinstance(value, list):
        for item in value:
            yield from _strings(item)


def test_form_errors_echo_the_payload_escaped(world: World):
    """Refused forms show what was typed again: escaped too."""
    browser = world.app.test_client()
    token = form_token(browser, "/register")
    page = browser.post("/register", data={"username": PAYLOAD, "email": PAYLOAD,
                                           "password": "x", "csrf_token": token})
    assert page.status_code == 422
    audit(page, "/register (refused)")
    login = browser.post("/login", data={"username": PAYLOAD, "password": "wrong password",
                                         "csrf_token": token})
    audit(login, "/login (refused)")
    signed_in(browser, world.user("author"))
    long_name = browser.post("/settings", data={"section": "profile",
                                                "display_name": PAYLOAD * 3, "bio": PAYLOAD,
                                                "csrf_token": token})
    assert long_name.status_code == 422
    audit(long_name, "/settings (refused)")
    ask = browser.post("/desires", data={"prompt": PAYLOAD * 10, "bounty": PAYLOAD,
                                         "csrf_token": token})
    assert ask.status_code == 422
    audit(ask, "/desires (refused)")
    key = browser.post("/settings", data={"section": "key-create", "name": PAYLOAD[:64],
                                          "scope_read": "1", "csrf_token": token})
    assert key.status_code == 200
    audit(key, "/settings (new key)")


def test_error_pages_escape_what_they_echo(world: World):
    browser = world.app.test_client()
    for path in (f"/shaders/{quote(PAYLOAD)}", f"/u/{quote(PAYLOAD)}",
                 f"/desires/999999?x={quote(PAYLOAD)}", "/shaders/99999999999999999999999"):
        response = browser.get(path)
        assert response.status_code == 404, path
        if response.mimetype == "application/json":  # no page route matched: the API's 404
            assert "<" not in response.get_data(as_text=True), path
        else:
            audit(response, path)
