"""Community pages: notifications and playlists."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, redirect, render_template, request, url_for

from fractafrag.services import notifications, playlists, votes
from fractafrag.web.session import check_csrf, page_user

bp = Blueprint("community_pages", __name__)


@bp.app_context_processor
def _unread() -> dict[str, Any]:
    """`unread_notifications()` for the header (only asked on pages with a signed-in viewer)."""

    def unread_notifications() -> int:
        user = page_user()
        return notifications.unread_count(user.id) if user is not None else 0

    return {"unread_notifications": unread_notifications}


@bp.route("/notifications", methods=["GET", "POST"])
def notifications_page() -> Response | str:
    """Your notifications, newest first; the form marks them all read."""
    user = page_user()
    if user is None:
        return redirect(url_for("account.login", next=request.path))
    if request.method == "POST":
        check_csrf()
        notifications.mark_read(user.id, None)
        return redirect(url_for("community_pages.notifications_page"))
    rows, total = notifications.list_for(user.id, False, 1, 100)
    return render_template("notifications.html", notes=[notifications.payload(n) for n in rows],
                           total=total)


@bp.get("/playlists/<int:playlist_id>")
def playlist_page(playlist_id: int) -> str:
    """A playlist's shaders in order (private ones: their owner only)."""
    user = page_user()
    viewer = user.id if user is not None else None
    item = playlists.detail(playlist_id, viewer)
    shown = item["items"]
    mine = votes.my_votes(viewer, [s.id for s in shown]) if viewer and shown else {}
    return render_template("playlist.html", playlist=item, shaders=shown, my_votes=mine,
                           is_owner=viewer == item["owner"].id)
