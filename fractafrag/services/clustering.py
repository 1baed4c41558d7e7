"""Desire clustering: nearest centroid by pgvector cosine, incremental centroids, decaying heat."""

from __future__ import annotations

import math
from datetime import UTC, datetime

import numpy as np
import sqlalchemy as sa
from flask import current_app

from fractafrag.extensions import db
from fractafrag.models import Desire, DesireCluster
from fractafrag.realtime import broadcast

# One clustering decision at a time: two near-identical asks arriving together must not each
# start a cluster of their own.
CLUSTERING_LOCK = 8_112_001
BOUNTY_CENTS_PER_EXTRA_WEIGHT = 1000   # a $10 bounty counts like one more ask


def desire_weight(desire: Desire) -> float:
    """How much one open desire adds to its cluster's heat (bounties raise it)."""
    return 1.0 + (desire.bounty_cents or 0) / BOUNTY_CENTS_PER_EXTRA_WEIGHT


def _half_life_seconds() -> float:
    return current_app.config["DESIRE_HEAT_HALF_LIFE_DAYS"] * 86400


def heat_now(cluster: DesireCluster, now: datetime) -> float:
    """The cluster's heat at `now`: stored heat decayed since it was stored."""
    age = (now - cluster.updated_at).total_seconds()
    return cluster.heat * 2 ** (-age / _half_life_seconds())


def _set_heat(cluster: DesireCluster, heat: float, now: datetime) -> None:
    cluster.heat = max(heat, 0.0)
    cluster.updated_at = now
    cluster.heat_rank = (math.log2(cluster.heat) if cluster.heat > 1e-9 else -1e6) + \
        now.timestamp() / _half_life_seconds()


def _label(cluster_id: int, centroid: list[float] | None) -> str:
    """The member ask closest to the centroid reads best as the cluster's name."""
    query = sa.select(Desire.prompt).where(Desire.cluster_id == cluster_id)
    if centroid is not None:
        query = query.where(Desire.embedding.is_not(None)).order_by(
            Desire.embedding.cosine_distance(centroid))
    label = db.session.scalar(query.limit(1)) or ""
    return label if len(label) <= 120 else label[:119] + "…"


def process_desire(desire_id: int) -> Desire | None:
    """Embed a desire and put it in the nearest cluster (or a new one); idempotent."""
    from fractafrag.services import embedding

    db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(CLUSTERING_LOCK)))
    desire = db.session.get(Desire, desire_id, populate_existing=True)
    if desire is None or desire.cluster_id is not None or desire.status != "open":
        db.session.commit()
        return desire
    vector = embedding.embed_one(desire.prompt)
    desire.embedding = vector
    now = datetime.now(UTC)
    cluster = None
    if vector is not None:
        db.session.execute(sa.text("SET LOCAL hnsw.ef_search = 100"))
        distance = DesireCluster.centroid.cosine_distance(vector)
        nearest = db.session.execute(
            sa.select(DesireCluster, distance.label("distance"))
            .where(DesireCluster.centroid.is_not(None)).order_by(distance).limit(1)).first()
        threshold = current_app.config["DESIRE_CLUSTER_THRESHOLD"]
        if nearest is not None and 1 - nearest.distance >= threshold:
            cluster = nearest[0]
            mean = (np.asarray(cluster.centroid) * cluster.size + np.asarray(vector))
            norm = float(np.linalg.norm(mean))
            cluster.centroid = (mean / norm).tolist() if norm else vector
    if cluster is None:
        cluster = DesireCluster(centroid=vector, size=0, heat=0.0, label=desire.prompt[:120])
        db.session.add(cluster)
        db.session.flush()
        cluster.updated_at = now
    previous_heat = heat_now(cluster, now) if cluster.size else 0.0
    cluster.size += 1
    _set_heat(cluster, previous_heat + desire_weight(desire), now)
    desire.cluster_id = cluster.id
    db.session.flush()
    cluster.label = _label(cluster.id, cluster.centroid)
    db.session.commit()
    broadcast.cluster_heat(cluster.id, cluster.heat, cluster.size, cluster.label)
    return desire


def leave_cluster(desire: Desire, now: datetime) -> DesireCluster | None:
    """Take a fulfilled or closed desire's share out of its cluster (the caller commits)."""
    if desire.cluster_id is None:
        return None
    cluster = db.session.scalar(sa.select(DesireCluster).where(
        DesireCluster.id == desire.cluster_id).with_for_update()
        .execution_options(populate_existing=True))
    age = (now - desire.created_at).total_seconds()
    share = desire_weight(desire) * 2 ** (-age / _half_life_seconds())
    cluster.size = max(cluster.size - 1, 0)
    _set_heat(cluster, heat_now(cluster, now) - share if cluster.size else 0.0, now)
    return cluster


def recluster() -> int:
    """Cluster every open desire again from scratch (after a threshold change); return count."""
    db.session.execute(sa.update(Desire).values(cluster_id=None))
    db.session.execute(sa.delete(DesireCluster))
    db.session.commit()
    ids = list(db.session.scalars(sa.select(Desire.id).where(Desire.status == "open")
                                  .order_by(Desire.created_at, Desire.id)))
    for desire_id in ids:
        process_desire(desire_id)
    return len(ids)
