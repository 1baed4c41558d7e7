"""The desire board pages: /desires (heat map, newest asks, the ask form) and /desires/<id>.

Everything reads without JavaScript: the hottest clusters with their asks, the newest open asks,
and plain forms to ask, offer a shader, accept an offer and pledge a bounty (which leads to
Stripe's hosted Checkout and back here, to the pledge's state). static/js/desire_items.js (both
pages) does the per-desire actions through the REST API and follows them live (Socket.IO room
`desires`); static/js/desire_board.js adds the board's live heat map and newest asks.
"""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

import marshmallow as ma
import sqlalchemy as sa
from flask import Blueprint, Response, flash, jsonify, redirect, render_template, request, url_for

from fractafrag.api.desires.schemas import ClusterSchema, DesireCreateSchema, DesireSchema
from fractafrag.extensions import db
from fractafrag.models import BountyPledge, Desire, DesireCluster, Shader, User
from fractafrag.models.shader import OPEN_BY_LINK
from fractafrag.services import NotFound, ServiceError, desires, search, shaders
from fractafrag.services.billing import bounties
from fractafrag.services.clustering import heat_now
from fractafrag.web.session import check_csrf, page_user

bp = Blueprint("desire_pages", __name__)
CLUSTERS_SHOWN = 60
DESIRES_PER_CLUSTER = 8
CLUSTER_PANEL_DESIRES = 50
NEWEST_SHOWN = 30
MAX_BOUNTY_CENTS = 1_000_000
BOUNTY_HELP = "Optional, in US dollars (0 to 10,000), e.g. 5 or 2.50."


def dollars(cents: int | None) -> str:
    """A bounty for people: 500 → "$5", 250 → "$2.50"."""
    cents = cents or 0
    whole, rest = divmod(cents, 100)
    return f"${whole:,}" if not rest else f"${whole:,}.{rest:02d}"


def parse_bounty(text: str) -> tuple[int, str | None]:
    """Dollars typed in a form ("", "5", "$2.50") as cents, or an error message."""
    text = text.strip().lstrip("$").replace(",", "").strip()
    if not text:
        return 0, None
    try:
        amount = Decimal(text)
    except InvalidOperation:
        return 0, "Enter an amount in dollars, like 5 or 2.50."
    if not amount.is_finite() or amount < 0 or amount * 100 != int(amount * 100):
        return 0, "Enter an amount in dollars with at most two decimals, like 5 or 2.50."
    cents = int(amount * 100)
    if cents > MAX_BOUNTY_CENTS:
        return 0, "A bounty is at most $10,000."
    return cents, None


def _board(form: dict[str, str] | None = None, errors: dict[str, str] | None = None,
           status: int = 200) -> tuple[str, int]:
    """Render the board with the ask form's values and field errors."""
    clusters = desires.hottest_clusters(CLUSTERS_SHOWN, DESIRES_PER_CLUSTER)
    newest, _ = desires.list_desires("new", "open", 1, NEWEST_SHOWN)
    viewer = page_user()
    data = {"clusters": ClusterSchema(many=True).dump(clusters),
            "viewer": {"id": viewer.id, "username": viewer.username} if viewer else None}
    return render_template("desires.html", clusters=clusters, newest=newest, data=data,
                           form=form or {"prompt": "", "bounty": ""}, errors=errors or {},
                           dollars=dollars, bounty_help=BOUNTY_HELP), status


@bp.get("/desires")
def board() -> tuple[str, int]:
    """The live heat map of clusters, the newest open asks and the ask form."""
    return _board()


@bp.post("/desires")
def ask() -> Response | tuple[str, int]:
    """The ask form: `prompt` (3–500 characters) and `bounty` in dollars (optional)."""
    check_csrf()
    viewer = page_user()
    if viewer is None:
        return redirect(url_for("account.login", next=url_for("desire_pages.board")))
    form = {"prompt": request.form.get("prompt", "").strip(),
            "bounty": request.form.get("bounty", "").strip()}
    errors: dict[str, str] = {}
    cents, bounty_error = parse_bounty(form["bounty"])
    if bounty_error:
        errors["bounty"] = bounty_error
    try:
        DesireCreateSchema().load({"prompt": form["prompt"], "bounty_cents": cents})
    except ma.ValidationError as exc:
        for field, messages in exc.normalized_messages().items():
            key = "bounty" if field == "bounty_cents" else field
            errors.setdefault(key, " ".join(messages) if isinstance(messages, list)
                              else str(messages))
    if errors:
        return _board(form, errors, 422)
    desire = desires.create_desire(viewer.id, form["prompt"], cents)
    flash("Your desire is on the board; it joins a cluster of similar asks in a moment.", "ok")
    return redirect(url_for("desire_pages.board") + f"#desire-{desire.id}")


@bp.get("/desires/clusters/<int:cluster_id>.json")
def cluster_json(cluster_id: int) -> Response | tuple[Response, int]:
    """One cluster and its newest open asks, for the heat map's panel."""
    cluster = db.session.get(DesireCluster, cluster_id)
    if cluster is None or cluster.size <= 0:
        return jsonify({"code": 404, "message": "That cluster is gone (merged or emptied)."}), 404
    members = list(db.session.scalars(
        sa.select(Desire).where(Desire.cluster_id == cluster_id, Desire.status == "open")
        .order_by(Desire.created_at.desc(), Desire.id.desc()).limit(CLUSTER_PANEL_DESIRES)))
    return jsonify({"id": cluster.id, "label": cluster.label, "size": cluster.size,
                    "heat": round(heat_now(cluster, datetime.now(UTC)), 4),
                    "desires": DesireSchema(many=True).dump(members)})


def _offers_with_shaders(desire_id: int, viewer_id: int | None) -> list[dict[str, Any]]:
    """Each offer with its shader (None when the shader is gone or hidden from the viewer)."""
    rows = []
    for offer in desires.offers_of(desire_id):
        try:
            shader: Shader | None = shaders.visible_shader(offer.shader_id, viewer_id)
        except NotFound:
            shader = None
        rows.append({"offer": offer, "shader": shader,
                     "offered_by": db.session.get(User, offer.offered_by_id)})
    return rows


def _my_offerable_shaders(viewer: User | None) -> list[Shader]:
    """The viewer's public and unlisted shaders, newest first (what they may offer)."""
    if viewer is None:
        return []
    rows, _ = search.search_shaders(author=viewer.username, sort="new", viewer_id=viewer.id,
                                    page=1, page_size=100)
    return [s for s in rows if s.visibility in OPEN_BY_LINK]


def _my_pledges(desire_id: int, viewer: User | None) -> list[BountyPledge]:
    """The viewer's pledges to this desire, newest first."""
    if viewer is None:
        return []
    return list(db.session.scalars(sa.select(BountyPledge).where(
        BountyPledge.desire_id == desire_id, BountyPledge.user_id == viewer.id)
        .order_by(BountyPledge.id.desc())))


@bp.get("/desires/<int:desire_id>")
def desire_page(desire_id: int) -> str:
    """One ask: its offers, a form to offer a shader and, for the asker, to accept one."""
    desire = desires.get_desire(desire_id)
    viewer = page_user()
    cluster = db.session.get(DesireCluster, desire.cluster_id) if desire.cluster_id else None
    fulfilled_by = None
    if desire.fulfilled_by_id:
        try:
            fulfilled_by = shaders.visible_shader(desire.fulfilled_by_id,
                                                  viewer.id if viewer else None)
        except NotFound:
            fulfilled_by = None
    return render_template(
        "desire.html", desire=desire, cluster=cluster, fulfilled_by=fulfilled_by,
        my_pledges=_my_pledges(desire_id, viewer),
        shown_pledge=request.args.get("pledge", type=int),
        offers=_offers_with_shaders(desire_id, viewer.id if viewer else None),
        my_shaders=_my_offerable_shaders(viewer),
        is_asker=viewer is not None and viewer.id == desire.author_id, dollars=dollars,
        data={"viewer": {"id": viewer.id, "username": viewer.username} if viewer else None})


@bp.post("/desires/<int:desire_id>/offers")
def offer(desire_id: int) -> Response:
    """Offer one of your public or unlisted shaders (form field `shader_id`)."""
    check_csrf()
    here = url_for("desire_pages.desire_page", desire_id=desire_id)
    viewer = page_user()
    if viewer is None:
        return redirect(url_for("account.login", next=here))
    shader_id = request.form.get("shader_id", type=int)
    if shader_id is None:
        flash("Pick one of your shaders to offer.", "error")
        return redirect(here)
    try:
        desires.offer_shader(desire_id, viewer.id, shader_id)
    except ServiceError as exc:
        flash(exc.message, "error")
    else:
        flash("Offered. The asker sees it now and may accept it.", "ok")
    return redirect(here)


@bp.post("/desires/<int:desire_id>/offers/<int:offer_id>/accept")
def accept(desire_id: int, offer_id: int) -> Response:
    """The asker accepts an offer: the desire is fulfilled by that shader."""
    check_csrf()
    here = url_for("desire_pages.desire_page", desire_id=desire_id)
    viewer = page_user()
    if viewer is None:
        return redirect(url_for("account.login", next=here))
    try:
        desires.accept_offer(desire_id, offer_id, viewer.id)
    except ServiceError as exc:
        flash(exc.message, "error")
    else:
        flash("Accepted: this desire is fulfilled.", "ok")
    return redirect(here)


@bp.post("/desires/<int:desire_id>/pledges")
def pledge(desire_id: int) -> Response:
    """Pledge a bounty (form field `amount`, in dollars): on to Stripe Checkout to pay."""
    check_csrf()
    here = url_for("desire_pages.desire_page", desire_id=desire_id)
    viewer = page_user()
    if viewer is None:
        return redirect(url_for("account.login", next=here))
    cents, problem = parse_bounty(request.form.get("amount", ""))
    if problem is None and cents < bounties.MIN_CENTS:
        problem = "Pledge at least $1."
    if problem is not None:
        flash(f"Amount: {problem}", "error")
        return redirect(here + "#pledge-title")
    try:
        made = bounties.create_pledge(desire_id, viewer.id, cents)
    except ServiceError as exc:
        flash(exc.message, "error")
        return redirect(here + "#pledge-title")
    if made.checkout_url:
        return redirect(made.checkout_url, code=303)
    return redirect(url_for("desire_pages.desire_page", desire_id=desire_id,
                            pledge=made.id) + "#pledge-title", code=303)


@bp.get("/desires/<int:desire_id>/pledges/<int:pledge_id>/return")
def pledge_return(desire_id: int, pledge_id: int) -> Response:
    """Stripe Checkout sends the pledger back here (`outcome` paid or cancelled)."""
    here = url_for("desire_pages.desire_page", desire_id=desire_id, pledge=pledge_id)
    viewer = page_user()
    if viewer is None:
        return redirect(url_for("account.login", next=request.full_path))
    outcome = "cancelled" if request.args.get("outcome") == "cancelled" else "paid"
    try:
        bounties.return_from_checkout(desire_id, pledge_id, viewer.id, outcome)
    except ServiceError as exc:
        flash(exc.message, "error")
    return redirect(here + "#pledge-title")
