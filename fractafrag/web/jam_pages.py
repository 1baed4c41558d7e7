"""The jam pages: /jam/<id> to watch a jam, /jam/<id>/edit?invite=… to join it as an editor.

One template (templates/jam.html) and one script (static/js/jam.js) serve both. The page data
(the jam as GET /api/v1/jams/<id> describes it, plus the base version's inputs and media, which
a jam never edits) travels as a non-executable JSON block, since the CSP forbids inline scripts.
Joining with the invite is the script's POST /api/v1/jams/<id>/join, with the page's cookies.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, redirect, render_template, request, url_for

from fractafrag.services import jams, media, shaders
from fractafrag.web.session import page_user

bp = Blueprint("jam_pages", __name__)


def _render(jam_id: int, joining: bool) -> str:
    """The jam page for the signed-in viewer or a visitor (404 when the shader is unseen)."""
    user = page_user()
    viewer_id = user.id if user is not None else None
    jam = jams.jam_for(jam_id, viewer_id)
    described = jams.describe(jam, viewer_id)
    base = shaders.version_of(described["shader_id"], described["base_version"], viewer_id)
    data: dict[str, Any] = {
        "jam": described,
        # The invite the page joins with (only on /edit; the owner's own is in `jam`).
        "invite": request.args.get("invite", "") if joining else "",
        "inputs": {p["name"]: p.get("inputs") or [] for p in base.passes},
        "media": media.media_for_passes(base.passes, viewer_id),
        "shader_url": url_for("pages.shader", shader_id=described["shader_id"]),
        "watch_url": url_for("jam_pages.watch", jam_id=jam_id, _external=True),
    }
    return render_template("jam.html", jam=described, data=data, joining=joining)


@bp.get("/jam/<int:jam_id>")
def watch(jam_id: int) -> str:
    """A jam, live: the code read-only beside the player, following the pass being edited."""
    return _render(jam_id, joining=False)


@bp.get("/jam/<int:jam_id>/edit")
def edit(jam_id: int) -> Response | str:
    """A jam to edit with its invite: sign in first, then the page joins and opens the editors."""
    if page_user() is None:
        return redirect(url_for("account.login", next=request.full_path))
    return _render(jam_id, joining=True)
