"""The shader editor pages: /new and /shaders/<id>/edit.

The page renders the metadata fields itself; the code (Common and every pass) travels to the
editor's scripts (static/js/editor_tabs.js reads it) as a non-executable JSON block, since the
Content-Security-Policy forbids inline scripts. Saving goes through the REST API with the
page's cookies.
"""

from __future__ import annotations

from typing import Any

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    redirect,
    render_template,
    request,
    url_for,
)

from fractafrag.models import Shader, User
from fractafrag.services import ServiceError, inputs, media, shaders
from fractafrag.web.session import page_user

bp = Blueprint("editor", __name__)

# The licences offered in the editor (the API accepts every SPDX id it lists).
LICENSES = (
    ("CC-BY-NC-SA-3.0", "CC BY-NC-SA 3.0"),
    ("CC0-1.0", "CC0 1.0 (public domain)"),
    ("CC-BY-4.0", "CC BY 4.0"),
    ("MIT", "MIT"),
)
VISIBILITIES_OFFERED = ("draft", "private", "unlisted", "public")
VISIBILITY_LABELS = {
    "draft": "Draft (not published)",
    "private": "Private (only you)",
    "unlisted": "Unlisted (with the link)",
    "public": "Public (in the feed)",
}

# The Image pass a new shader starts with: folded, rotating rings of light.
DEFAULT_IMAGE = """\
// Welcome to Fractafrag! The preview recompiles as you type.
// Ctrl+Enter compiles now, Ctrl+S saves.

vec3 palette(float t) {
    return 0.5 + 0.5 * cos(6.28318 * (t + vec3(0.0, 0.33, 0.67)));
}

mat2 rotate(float a) {
    float c = cos(a), s = sin(a);
    return mat2(c, -s, s, c);
}

void mainImage(out vec4 fragColor, in vec2 fragCoord) {
    vec2 p = (2.0 * fragCoord - iResolution.xy) / iResolution.y;
    float t = iTime * 0.5;
    vec3 color = vec3(0.0);
    // Fold space a few times, turning a little more each time.
    for (int i = 0; i < 5; i++) {
        float fi = float(i);
        p = abs(p * rotate(t * 0.25 + fi * 0.6)) - 0.42;
        float ring = abs(length(p) - 0.3 - 0.08 * sin(t * 2.0 + fi));
        color += palette(fi * 0.12 + t * 0.15 + length(p)) * 0.011 / ring;
    }
    color = 1.0 - exp(-color);  // soft tone mapping
    fragColor = vec4(pow(color, vec3(0.75)), 1.0);
}
"""


def _license_choices(current: str | None) -> list[tuple[str, str]]:
    """The offered licences, plus the shader's own when it is none of them."""
    choices = list(LICENSES)
    if current and current not in {spdx for spdx, _ in choices}:
        choices.append((current, current))
    return choices


def _shader_data(shader: Shader) -> dict[str, Any]:
    """What the script needs to know about a saved shader."""
    return {
        "id": shader.id,
        "title": shader.title,
        "visibility": shader.visibility,
        "version": shader.current_version,
        "published_at": shader.published_at.isoformat() if shader.published_at else None,
        "url": url_for("pages.shader", shader_id=shader.id),
        "edit_url": url_for("editor.edit", shader_id=shader.id),
    }


def _render(shader: Shader | None, user: User | None) -> str:
    """The editor page for a new (shader None) or an existing shader."""
    if shader is None:
        version = {"common": "",
                   "passes": [{"name": "Image", "code": DEFAULT_IMAGE, "inputs": []}]}
        license_id = current_app.config["DEFAULT_LICENSE"]
    else:
        current = shader.current
        version = {"common": current.common or "", "passes": current.passes}
        license_id = shader.license
    data = {
        "shader": _shader_data(shader) if shader is not None else None,
        "common": version["common"],
        "passes": version["passes"],
        # The uploaded media the inputs name, for the player (media:<id> → {url, kind, …}).
        "media": media.media_for_passes(version["passes"], user.id if user else None),
        "builtins": inputs.listing(),
        "signed_in": user is not None,
        "login_url": url_for("account.login", next=request.path),
    }
    return render_template(
        "editor.html", shader=shader, data=data, license_id=license_id,
        licenses=_license_choices(license_id),
        visibilities=[(v, VISIBILITY_LABELS[v]) for v in VISIBILITIES_OFFERED],
        visibility=shader.visibility if shader is not None else "draft",
        login_url=data["login_url"])


@bp.get("/new")
def new() -> str:
    """A new shader in the editor: anyone may try code; saving needs an account."""
    return _render(None, page_user())


@bp.get("/shaders/<int:shader_id>/edit")
def edit(shader_id: int) -> Response | str:
    """An existing shader in the editor (its owner only; others get a 404)."""
    user = page_user()
    if user is None:
        return redirect(url_for("account.login", next=request.path))
    try:
        shader = shaders.owned_shader(shader_id, user.id)
    except ServiceError:
        abort(404)
    return _render(shader, user)
