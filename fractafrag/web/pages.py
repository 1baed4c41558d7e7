"""Reading pages: the live feed, explore, a shader, its embed, a profile, and the card partial."""

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
    session,
    url_for,
)

from fractafrag.models import Shader
from fractafrag.offload import SingleFlight
from fractafrag.services import (
    NotFound,
    ServiceError,
    accounts,
    comments,
    feed,
    follows,
    inputs,
    media,
    playlists,
    search,
    shader_cache,
    shaders,
    votes,
)
from fractafrag.services.ratelimit import count_new_shader
from fractafrag.urls import ROOT_PLACEHOLDER, public_url, shared_root, site_root
from fractafrag.web.session import check_csrf, csrf_token, page_user

bp = Blueprint("pages", __name__)
PAGE_SIZE = 24
SORTS = {"feed": "For you", "following": "Following", "new": "New", "hot": "Hot", "top": "Top"}


def _viewer_id() -> int | None:
    user = page_user()
    return user.id if user is not None else None


def _my_votes(rows: list[Shader]) -> dict[int, int]:
    viewer = _viewer_id()
    return votes.my_votes(viewer, [s.id for s in rows]) if viewer and rows else {}


def _page_number() -> int:
    try:
        return max(1, min(int(request.args.get("page", "1")), 10_000))
    except ValueError:
        return 1


def _version_data(shader: Shader, number: int | None = None) -> dict[str, Any]:
    """What the player needs: {common, passes} of the current (or a given) version."""
    if number is None:
        version = shader.current
    else:
        version = shaders.version_of(shader.id, number, _viewer_id())
    return {"common": version.common or "", "passes": version.passes,
            "media": media.media_for_passes(version.passes, _viewer_id())}


@bp.get("/inputs")
def builtin_inputs() -> str:
    """The built-in channel inputs, each drawn by the player (GET /api/v1/inputs's previews)."""
    return render_template("inputs.html", builtins=inputs.listing())


@bp.get("/")
def home() -> str:
    """The live feed: your feed (visitors: a trending/new mix), or new/hot/top."""
    sort = request.args.get("sort", "feed")
    if sort not in SORTS:
        sort = "feed"
    page = _page_number()
    user = page_user()
    snapshot = None
    if sort == "feed":
        rows, total, snapshot = feed.feed(user, request.args.get("snapshot"), page, PAGE_SIZE)
    elif sort == "following":
        if user is None:
            return redirect(url_for("account.login", next=request.full_path))
        rows, total = follows.following_feed(user.id, page, PAGE_SIZE)
    else:
        rows, total = search.search_shaders(sort=sort, viewer_id=_viewer_id(), page=page,
                                            page_size=PAGE_SIZE)
    return render_template("feed.html", shaders=rows, total=total, page=page, sort=sort,
                           sorts=SORTS, snapshot=snapshot, my_votes=_my_votes(rows),
                           has_more=page * PAGE_SIZE < total)


@bp.get("/explore")
def explore() -> str:
    """Search with the field syntax (tag:, -tag:, author:), tags and sorts."""
    q = request.args.get("q", "").strip()[:200]
    tag = request.args.get("tag", "").strip()[:40] or None
    sort = request.args.get("sort") or None
    if sort not in (None, "relevance", "new", "hot", "top"):
        sort = None
    page = _page_number()
    rows, total = search.search_shaders(q=q, tags=[tag] if tag else None, sort=sort,
                                        viewer_id=_viewer_id(), page=page, page_size=PAGE_SIZE)
    popular = search.popular_tags()
    return render_template("explore.html", shaders=rows, total=total, page=page, q=q,
                           tag=tag, sort=sort or ("relevance" if q else "new"),
                           popular=popular, my_votes=_my_votes(rows),
                           has_more=page * PAGE_SIZE < total)


def _diff_too_long(shader_id: int, old: int, new: int, passes: list[dict[str, Any]]
                   ) -> str | None:
    """Why a diff is not drawn on the page (more lines than DIFF_PAGE_MAX_LINES), or None."""
    limit = current_app.config["DIFF_PAGE_MAX_LINES"]
    lines = sum(p["diff"].count("\n") for p in passes)
    if lines <= limit:
        return None
    return (f"This diff is too large to show here: {lines} lines, over the page's limit of "
            f"{limit}. The API has it whole: /api/v1/shaders/{shader_id}/diff?from={old}&to={new}")


# Stands for the visitor's own CSRF token in a page cached for every visitor.
CSRF_PLACEHOLDER = "\x00csrf\x00"
# A page nobody has opened since it changed is built once for the visitors asking meanwhile.
_page_builds = SingleFlight()


def _shared_page(viewer: int | None) -> bool:
    """Whether this shader page is the one every visitor sees (and may come from the cache):
    nobody signed in, no version or diff asked for, no message waiting to be flashed."""
    return viewer is None and not request.args and not session.get("_flashes")


@bp.get("/shaders/<int:shader_id>")
def shader(shader_id: int) -> str:
    """The player, the code by pass, versions with diffs, lineage, votes, live viewers."""
    viewer = _viewer_id()
    if _shared_page(viewer):
        html = shader_cache.page(shader_id)
        if html is None:
            html = _page_builds.run(str(shader_id), lambda: _visitor_page(shader_id))
        # Absolute links follow the request's host unless FRACTAFRAG_PUBLIC_URL fixes them.
        return html.replace(CSRF_PLACEHOLDER, csrf_token()).replace(ROOT_PLACEHOLDER,
                                                                     site_root())
    return _render_shader(shader_id, viewer)


def _visitor_page(shader_id: int) -> str:
    """Build the page every visitor sees (its CSRF token and site root placeholders) and cache
    it."""
    with shared_root():
        html = _render_shader(shader_id, None, csrf_token=lambda: CSRF_PLACEHOLDER)
    shader_cache.keep_page(shader_id, html)
    return html


def warm_visitor_page(shader_id: int) -> None:
    """Build and cache the visitors' page of a shader nobody has opened since it changed (the
    render job, once a shader is rendered: its first visitors then find it built)."""
    with current_app.test_request_context(f"/shaders/{shader_id}"):
        _visitor_page(shader_id)


def _render_shader(shader_id: int, viewer: int | None, **context: Any) -> str:
    item = shaders.visible_shader(shader_id, viewer)
    history = shaders.versions_of(shader_id, viewer)
    diff = None
    diff_from = request.args.get("from", type=int)
    diff_to = request.args.get("to", type=int)
    if diff_from and diff_to:
        try:
            diff = {"from": diff_from, "to": diff_to,
                    "passes": shaders.diff_versions(shader_id, viewer, diff_from, diff_to)}
        except ServiceError as exc:  # too large or too slow: "too large to show", never a 500
            diff = {"error": exc.message}
        else:
            diff["error"] = _diff_too_long(shader_id, diff_from, diff_to, diff["passes"])
    shown = request.args.get("version", type=int)
    version_numbers = {v.version for v in history}
    if shown not in version_numbers:
        shown = None
    return render_template(
        "shader.html", shader=item, history=history, diff=diff, shown=shown,
        co_authors=shaders.co_authors_of(history),
        version=_version_data(item, shown), ancestors=shaders.ancestors_of(shader_id, viewer),
        forks=shaders.forks_of(shader_id, viewer), my_vote=_my_votes([item]).get(item.id, 0),
        is_owner=viewer == item.owner_id, comments=comments.list_comments(shader_id, viewer),
        canonical=public_url("pages.shader", shader_id=item.id), **context)


@bp.post("/shaders/<int:shader_id>/fork")
def fork(shader_id: int) -> Response:
    """Fork into a draft of your own and open it in the editor (a plain form, no JS needed)."""
    check_csrf()
    viewer = _viewer_id()
    if viewer is None:
        return redirect(url_for("account.login", next=url_for("pages.shader",
                                                              shader_id=shader_id)))
    count_new_shader(viewer)
    copy = shaders.fork_shader(shader_id, viewer, request.form.get("version", type=int))
    return redirect(url_for("editor.edit", shader_id=copy.id))


@bp.get("/embed/<int:shader_id>")
def embed(shader_id: int) -> str:
    """A bare player for iframes: ?t=<seconds to start at>&paused=1."""
    item = shaders.visible_shader(shader_id, _viewer_id())
    try:
        start = max(0.0, min(float(request.args.get("t", "0")), 86_400.0))
    except ValueError:
        start = 0.0
    paused = request.args.get("paused", "0").lower() in {"1", "true", "yes"}
    return render_template("embed.html", shader=item, version=_version_data(item),
                           start=start, paused=paused)


@bp.get("/u/<username>")
def profile(username: str) -> str:
    """An artist's page: who they are and the shaders they share."""
    try:
        user = accounts.get_by_username(username)
    except NotFound:
        abort(404)
    page = _page_number()
    rows, total = search.search_shaders(author=user.username, sort="new",
                                        viewer_id=_viewer_id(), page=page,
                                        page_size=PAGE_SIZE)
    viewer = _viewer_id()
    return render_template("profile.html", person=user, shaders=rows, total=total, page=page,
                           my_votes=_my_votes(rows), has_more=page * PAGE_SIZE < total,
                           counts=follows.counts(user.id),
                           i_follow=follows.is_following(viewer, user.id),
                           playlists=playlists.list_playlists(viewer, user.id),
                           i_block=viewer is not None and comments.is_blocked(viewer, user.id))


@bp.get("/partials/card/<int:shader_id>")
def card(shader_id: int) -> str:
    """One feed card as HTML, for the live feed to insert a shader that was just published."""
    try:
        item = shaders.visible_shader(shader_id, _viewer_id())
    except NotFound:
        abort(404)
    if item.visibility != "public":
        abort(404)
    return render_template("_card_partial.html", shader=item, my_votes=_my_votes([item]))
