"""The editor pages /new and /shaders/<id>/edit, rendered by the real app (no browser)."""

from __future__ import annotations

import json
import re

from flask.testing import FlaskClient

from tests.api.shader_helpers import published
from tests.helpers import signed_in

CODE = (
    "void mainImage(out vec4 fragColor, in vec2 fragCoord) {\n"
    "    vec2 uv = fragCoord / iResolution.xy;\n"
    "    float side = uv.x < 0.5 && uv.y > 0.25 ? 1.0 : 0.0;\n"
    "    fragColor = vec4(vec3(side), 1.0);\n"
    "}\n"
)
COMMON = "float pulse(float t) { return 0.5 + 0.5 * sin(t); }\n"


def editor_data(html: str) -> dict:
    """The JSON block the page hands to editor.js."""
    match = re.search(r'<script type="application/json" id="editor-data">(.*?)</script>', html,
                      re.S)
    assert match, "the editor data block is missing"
    return json.loads(match.group(1))


def test_new_renders_for_anonymous_with_a_sign_in_link(client: FlaskClient) -> None:
    response = client.get("/new")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'data-role="editor"' in html
    assert 'data-role="compile-errors"' in html
    assert 'data-role="sign-in-to-save"' in html
    assert 'href="/login?next=/new"' in html
    assert "Sign in to save" in html
    assert 'data-action="save"' not in html
    data = editor_data(html)
    assert data["shader"] is None and data["signed_in"] is False
    assert [p["name"] for p in data["passes"]] == ["Image"]
    assert "mainImage" in data["passes"][0]["code"] and "iTime" in data["passes"][0]["code"]
    # Everything the page runs is a file of ours: no inline code, no inline styles.
    for tag in re.findall(r"<script[^>]*>", html):
        assert " src=" in tag or 'type="application/json"' in tag, tag
    assert "style=" not in html and " onclick=" not in html
    assert "vendor/codemirror/codemirror.js" in html and "js/editor.js" in html
    assert "Content-Security-Policy" in response.headers


def test_new_signed_in_offers_save_and_publish(client: FlaskClient, make_user) -> None:
    user = make_user()
    signed_in(client, user)
    html = client.get("/new").get_data(as_text=True)
    assert 'data-action="save"' in html and 'data-action="publish"' in html
    assert "Sign in to save" not in html
    assert editor_data(html)["signed_in"] is True
    # Drafts by default, and the default licence selected.
    assert re.search(r'<option value="draft" selected>', html)
    assert re.search(r'<option value="CC-BY-NC-SA-3.0" selected>', html)
    for field in ("ed-title", "ed-description", "ed-tags", "ed-license", "ed-visibility"):
        assert f'<label for="{field}"' in html


def test_owner_gets_the_edit_page_prefilled(client: FlaskClient, make_user) -> None:
    user = make_user()
    shader = published(client, user, title="Split screen", description="Two halves.",
                       tags=["split", "test"], license="MIT", visibility="unlisted",
                       passes=[{"name": "Image", "code": CODE}], common=COMMON)
    signed_in(client, user)
    response = client.get(f"/shaders/{shader['id']}/edit")
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert 'value="Split screen"' in html
    assert "Two halves." in html
    assert 'value="split, test"' in html
    assert re.search(r'<option value="MIT" selected>', html)
    assert re.search(r'<option value="unlisted" selected>', html)
    # The code travels as JSON with <, > and & escaped, so it cannot end the script block.
    assert "uv.x \\u003c 0.5 \\u0026\\u0026 uv.y \\u003e 0.25" in html
    assert "uv.x < 0.5" not in html
    data = editor_data(html)
    assert data["shader"]["id"] == shader["id"]
    assert data["shader"]["version"] == 1
    assert data["shader"]["url"] == f"/shaders/{shader['id']}"
    assert data["common"] == COMMON
    assert data["passes"][0]["code"] == CODE


def test_another_user_gets_404(client: FlaskClient, make_user) -> None:
    owner, stranger = make_user(), make_user()
    shader = published(client, owner, title="Mine")
    signed_in(client, stranger)
    response = client.get(f"/shaders/{shader['id']}/edit")
    assert response.status_code == 404
    assert "Mine" not in response.get_data(as_text=True)
    assert client.get("/shaders/999999/edit").status_code == 404


def test_anonymous_edit_redirects_to_login(client: FlaskClient, make_user) -> None:
    shader = published(client, make_user(), title="Mine")
    response = client.get(f"/shaders/{shader['id']}/edit")
    assert response.status_code == 302
    assert response.headers["Location"] == f"/login?next=/shaders/{shader['id']}/edit"


def test_a_script_title_is_escaped(client: FlaskClient, make_user) -> None:
    user = make_user()
    title = '<script>alert("x")</script>'
    shader = published(client, user, title=title, visibility="draft")
    signed_in(client, user)
    html = client.get(f"/shaders/{shader['id']}/edit").get_data(as_text=True)
    assert "<script>alert" not in html
    assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt;" in html
    assert editor_data(html)["shader"]["title"] == title
