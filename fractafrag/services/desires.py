"""The desire board: asks for shaders, their edits and closing, offers and fulfilment."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from fractafrag.extensions import db, queues
from fractafrag.models import Desire, DesireCluster, DesireFulfillment, Shader
from fractafrag.models.shader import OPEN_BY_LINK
from fractafrag.realtime import broadcast
from fractafrag.services import (
    Conflict,
    Forbidden,
    NotFound,
    ServiceError,
    notifications,
    shaders,
)
from fractafrag.services.billing import bounties
from fractafrag.services.clustering import heat_now, leave_cluster
from fractafrag.services.ratelimit import count_community_write

CLUSTER_JOB = "fractafrag.jobs.desires.process_desire"


def _queue_clustering(desire_id: int) -> None:
    queues.try_enqueue("default", CLUSTER_JOB, desire_id, job_id=f"desire-{desire_id}",
                       result_ttl=0)


def create_desire(author_id: int, prompt: str, bounty_cents: int = 0) -> Desire:
    """Store an ask, announce it, and queue its clustering (RATELIMIT_DESIRE per account)."""
    count_community_write("desire", author_id)
    desire = Desire(author_id=author_id, prompt=prompt.strip(), bounty_cents=bounty_cents)
    db.session.add(desire)
    db.session.commit()
    broadcast.desire_created(desire.id, desire.prompt, desire.bounty_cents, None,
                             desire.created_at)
    _queue_clustering(desire.id)
    return desire


def get_desire(desire_id: int) -> Desire:
    """A desire, or NotFound."""
    desire = db.session.get(Desire, desire_id)
    if desire is None or desire.hidden_at is not None:
        raise NotFound(f"No desire {desire_id}.")
    return desire


def list_desires(sort: str, status: str | None, page: int, page_size: int
                 ) -> tuple[list[Desire], int]:
    """Desires, newest first or from the hottest clusters first."""
    query = sa.select(Desire).where(Desire.hidden_at.is_(None))
    if status:
        query = query.where(Desire.status == status)
    total = db.session.scalars(sa.select(sa.func.count()).select_from(
        query.with_only_columns(Desire.id).limit(10_000).subquery())).one()
    if sort == "hot":
        query = query.outerjoin(DesireCluster, DesireCluster.id == Desire.cluster_id).order_by(
            DesireCluster.heat_rank.desc().nulls_last(), Desire.created_at.desc(),
            Desire.id.desc())
    else:
        query = query.order_by(Desire.created_at.desc(), Desire.id.desc())
    rows = db.session.scalars(query.limit(page_size).offset((page - 1) * page_size))
    return list(rows), total


def edit_desire(desire_id: int, user_id: int, changes: dict[str, Any]) -> Desire:
    """The author edits the prompt (re-clustered) or closes the desire."""
    desire = get_desire(desire_id)
    if desire.author_id != user_id:
        raise Forbidden("Only the person who asked may edit or close this desire.")
    now = datetime.now(UTC)
    closing = changes.get("status") == "closed" and desire.status == "open"
    if closing:
        leave_cluster(desire, now)
        desire.status = "closed"
    elif changes.get("status") not in (None, desire.status):
        raise ServiceError("A desire can only be closed here; fulfil it by accepting an offer.",
                           {"status": ["Only 'closed' may be set."]})
    if changes.get("prompt") and changes["prompt"].strip() != desire.prompt:
        if desire.status != "open":
            raise Conflict("Only an open desire can be reworded.")
        leave_cluster(desire, now)
        desire.prompt = changes["prompt"].strip()
        desire.cluster_id = None
        desire.embedding = None
        db.session.commit()
        _queue_clustering(desire.id)
        return desire
    db.session.commit()
    if closing:
        bounties.release_pledges(desire.id)  # after the commit: Stripe cannot undo the close
    return desire


def offer_shader(desire_id: int, user_id: int, shader_id: int) -> DesireFulfillment:
    """Anyone offers a public or unlisted shader as the answer to an open desire."""
    desire = get_desire(desire_id)
    if desire.status != "open":
        raise Conflict(f"This desire is {desire.status}; it takes no more offers.")
    shader = shaders.visible_shader(shader_id, user_id)
    if shader.visibility not in OPEN_BY_LINK:
        raise ServiceError("Offer a public or unlisted shader, so the asker can see it.",
                           {"shader_id": ["The shader is private or a draft."]})
    existing = db.session.scalar(sa.select(DesireFulfillment).where(
        DesireFulfillment.desire_id == desire_id, DesireFulfillment.shader_id == shader_id))
    if existing is not None:
        return existing
    offer = DesireFulfillment(desire_id=desire_id, shader_id=shader_id, offered_by_id=user_id)
    db.session.add(offer)
    db.session.commit()
    return offer


def offers_of(desire_id: int) -> list[DesireFulfillment]:
    """Every offer made for a desire, oldest first."""
    get_desire(desire_id)
    return list(db.session.scalars(sa.select(DesireFulfillment).where(
        DesireFulfillment.desire_id == desire_id).order_by(DesireFulfillment.id)))


def accept_offer(desire_id: int, offer_id: int, user_id: int) -> Desire:
    """The asker accepts an offer: the desire is fulfilled and leaves its cluster's heat."""
    desire = db.session.scalar(sa.select(Desire).where(Desire.id == desire_id).with_for_update()
                               .execution_options(populate_existing=True))
    if desire is None:
        raise NotFound(f"No desire {desire_id}.")
    if desire.author_id != user_id:
        raise Forbidden("Only the person who asked may accept an offer.")
    offer = db.session.get(DesireFulfillment, offer_id)
    if offer is None or offer.desire_id != desire_id:
        raise NotFound(f"Desire {desire_id} has no offer {offer_id}.")
    if desire.status != "open":
        raise Conflict(f"This desire is already {desire.status}.")
    now = datetime.now(UTC)
    cluster = leave_cluster(desire, now)
    desire.status = "fulfilled"
    desire.fulfilled_by_id = offer.shader_id
    desire.fulfilled_at = now
    offer.status = "accepted"
    db.session.commit()
    broadcast.desire_fulfilled(desire.id, offer.shader_id, desire.cluster_id)
    if cluster is not None:
        broadcast.cluster_heat(cluster.id, cluster.heat, cluster.size, cluster.label)
    bounties.settle_fulfilled(desire.id)  # after the commit: capture pledges, record payouts
    shader = db.session.get(Shader, offer.shader_id)
    if shader is not None:
        notifications.notify(shader.owner_id, "fulfilled", actor_id=user_id, shader_id=shader.id,
                             data={"title": shader.title, "desire_id": desire.id,
                                   "prompt": desire.prompt[:140]})
    return desire


def hottest_clusters(limit: int, per_cluster: int) -> list[dict[str, Any]]:
    """Clusters by their heat now, each with its most recent open desires (two queries)."""
    clusters = list(db.session.scalars(sa.select(DesireCluster).where(DesireCluster.size > 0)
                                       .order_by(DesireCluster.heat_rank.desc()).limit(limit)))
    ids = [c.id for c in clusters]
    ranked = (sa.select(Desire, sa.func.row_number().over(
        partition_by=Desire.cluster_id, order_by=Desire.created_at.desc()).label("n"))
        .where(Desire.cluster_id.in_(ids), Desire.status == "open",
               Desire.hidden_at.is_(None)).subquery())
    members: dict[int, list[Desire]] = {i: [] for i in ids}
    desire_alias = sa.orm.aliased(Desire, ranked)
    for desire in db.session.scalars(sa.select(desire_alias).where(ranked.c.n <= per_cluster)):
        assert desire.cluster_id is not None  # selected by cluster_id IN ids
        members[desire.cluster_id].append(desire)
    now = datetime.now(UTC)
    return [{"id": c.id, "label": c.label, "size": c.size, "heat": round(heat_now(c, now), 4),
             "desires": members[c.id]} for c in clusters]
