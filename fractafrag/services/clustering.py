"""Desire clustering: nearest centroid by pgvector cosine, incremental centroids, decaying heat."""

from __future__ import annotations

import math
from collections.abc import Sequence
from datetime import UTC, datetime
from typing import Any

import numpy as np
import sqlalchemy as sa
from flask import current_app
from sqlalchemy import orm

from fractafrag.extensions import db
from fractafrag.models import Desire, DesireCluster
from fractafrag.realtime import broadcast

# One clustering decision at a time: two near-identical asks arriving together must not each
# start a cluster of their own.
CLUSTERING_LOCK = 8_112_001
BOUNTY_CENTS_PER_EXTRA_WEIGHT = 1000
# HNSW candidate list for the nearest-centroid search. Measured at 10k clusters: at pgvector's
# default of 40 the planner estimates the index as dearer than a sequential scan and takes the
# scan (24 ms); at 100 it uses the index (3 ms). The bench prints the plan.
EF_SEARCH = 40
# Clusters the index search returns: the nearest is the one to join, the rest the candidates
# for a merge once the joined centroid has moved.
NEIGHBOURS = 4   # a $10 bounty counts like one more ask


def desire_weight(desire: Desire) -> float:
    """How much one open desire adds to its cluster's heat (bounties raise it)."""
    return 1.0 + (desire.bounty_cents or 0) / BOUNTY_CENTS_PER_EXTRA_WEIGHT


def _half_life_seconds() -> float:
    days: float = current_app.config["DESIRE_HEAT_HALF_LIFE_DAYS"]
    return days * 86400


def heat_now(cluster: DesireCluster, now: datetime) -> float:
    """The cluster's heat at `now`: stored heat decayed since it was stored."""
    age = (now - cluster.updated_at).total_seconds()
    return cluster.heat * 2 ** (-age / _half_life_seconds())


def _set_heat(cluster: DesireCluster, heat: float, now: datetime) -> None:
    cluster.heat = max(heat, 0.0)
    cluster.updated_at = now
    cluster.heat_rank = (math.log2(cluster.heat) if cluster.heat > 1e-9 else -1e6) + \
        now.timestamp() / _half_life_seconds()


def _label(cluster_id: int, centroid: list[float] | None,
           newcomer: tuple[str, list[float] | None] | None = None) -> str:
    """The member ask closest to the centroid reads best as the cluster's name.

    `newcomer` is a (prompt, vector) joining now and not yet written; it competes too.
    """
    if centroid is None:
        return _short(db.session.scalar(sa.select(Desire.prompt).where(
            Desire.cluster_id == cluster_id).limit(1)) or (newcomer or ("",))[0])
    distance = Desire.embedding.cosine_distance(centroid)
    with db.session.no_autoflush:
        best = db.session.execute(
            sa.select(Desire.prompt, distance.label("distance"))
            .where(Desire.cluster_id == cluster_id, Desire.embedding.is_not(None))
            .order_by(distance).limit(1)).first()
    if newcomer is not None and newcomer[1] is not None:
        vector = np.asarray(newcomer[1])
        own = 1 - float(vector @ np.asarray(centroid)) / max(
            float(np.linalg.norm(vector) * np.linalg.norm(centroid)), 1e-12)
        if best is None or own < best.distance:
            return _short(newcomer[0])
    return _short(best.prompt if best is not None else "")


def _short(label: str) -> str:
    return label if len(label) <= 120 else label[:119] + "…"


def _neighbours(vector: list[float]) -> Sequence[sa.Row[Any]]:
    """(id, cosine distance) of the NEIGHBOURS clusters nearest the vector (HNSW)."""
    distance = DesireCluster.centroid.cosine_distance(vector)
    return db.session.execute(
        sa.select(DesireCluster.id, distance.label("distance"))
        .where(DesireCluster.centroid.is_not(None)).order_by(distance).limit(NEIGHBOURS)).all()


def _mean(a: list[float] | np.ndarray, a_size: int, b: list[float] | np.ndarray,
          b_size: int) -> list[float]:
    """Unit mean of two centroids weighted by their sizes (incremental centroid update)."""
    mean = np.asarray(a) * a_size + np.asarray(b) * b_size
    norm = float(np.linalg.norm(mean))
    return (mean / norm).tolist() if norm else list(b)


def _merge_neighbours(cluster: DesireCluster, candidates: Sequence[sa.Row[Any]], threshold: float,
                      now: datetime, newcomer: tuple[str, list[float] | None]
                      ) -> list[tuple[int, DesireCluster]]:
    """Merge clusters whose centroids came within the threshold of this one's moved centroid.

    Order of arrival otherwise decides too much: two asks of one wish that arrive first and
    sit just below the threshold start two clusters that a third ask would have joined. The
    candidates are the other clusters nearest the new ask (found by the same index search),
    since the centroid moved towards it. The smaller cluster's desires move into the larger;
    returns (removed id, kept cluster) pairs.
    """
    merged: list[tuple[int, DesireCluster]] = []
    remaining = [row.id for row in candidates if row.id != cluster.id]
    while remaining:
        distance = DesireCluster.centroid.cosine_distance(cluster.centroid)
        with db.session.no_autoflush:
            nearest = db.session.execute(
                sa.select(DesireCluster.id, distance.label("distance"))
                .where(DesireCluster.id.in_(remaining)).order_by(distance).limit(1)).first()
        if nearest is None or 1 - nearest.distance < threshold:
            break
        remaining.remove(nearest.id)
        other = db.session.get_one(DesireCluster, nearest.id)
        keep, gone = (cluster, other) if cluster.size >= other.size else (other, cluster)
        heat = heat_now(keep, now) + heat_now(gone, now)
        # The joined cluster's centroid was just moved; the candidates were found by theirs.
        assert keep.centroid is not None and gone.centroid is not None
        keep.centroid = _mean(keep.centroid, keep.size, gone.centroid, gone.size)
        keep.size += gone.size
        _set_heat(keep, heat, now)
        db.session.flush()
        db.session.execute(sa.update(Desire).where(Desire.cluster_id == gone.id)
                           .values(cluster_id=keep.id))
        gone_id = gone.id
        db.session.delete(gone)
        db.session.flush()
        keep.label = _label(keep.id, keep.centroid, newcomer)
        merged.append((gone_id, keep))
        cluster = keep
    return merged


def _embed(prompt: str) -> list[float] | None:
    from fractafrag.services import desire_embedding

    return desire_embedding.embed_one(current_app.config["DESIRE_EMBEDDER"], prompt)


def process_desire(desire_id: int) -> Desire | None:
    """Embed a desire and put it in the nearest cluster (or a new one); idempotent.

    The embedding (the slow part) is computed before the clustering lock is taken; under the
    lock the desire is read again and embedded afresh only if its prompt changed meanwhile.
    """
    prompt = db.session.scalar(sa.select(Desire.prompt).where(
        Desire.id == desire_id, Desire.cluster_id.is_(None), Desire.status == "open"))
    vector = _embed(prompt) if prompt is not None else None

    db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(CLUSTERING_LOCK)))
    desire = db.session.scalar(
        sa.select(Desire).where(Desire.id == desire_id).options(orm.lazyload(Desire.author))
        .execution_options(populate_existing=True))
    if desire is None or desire.cluster_id is not None or desire.status != "open":
        db.session.commit()
        return desire
    if desire.prompt != prompt:
        vector = _embed(desire.prompt)
    now = datetime.now(UTC)
    threshold = current_app.config["DESIRE_CLUSTER_THRESHOLD"]
    cluster = None
    neighbours: Sequence[sa.Row[Any]] = []
    if vector is not None:
        db.session.execute(sa.text(f"SET LOCAL hnsw.ef_search = {EF_SEARCH}; "
                                   "SET LOCAL enable_seqscan = off"))
        neighbours = _neighbours(vector)
        if neighbours and 1 - neighbours[0].distance >= threshold:
            cluster = db.session.get(DesireCluster, neighbours[0].id)
    merged: list[tuple[int, DesireCluster]] = []
    if cluster is None:
        # A new cluster cannot be within the threshold of another: the nearest one was not.
        cluster = DesireCluster(centroid=vector, size=1, label=_short(desire.prompt))
        _set_heat(cluster, desire_weight(desire), now)
        db.session.add(cluster)
        db.session.flush()
    else:
        # Joined through the index search: the ask has a vector and the cluster a centroid.
        assert vector is not None and cluster.centroid is not None
        cluster.centroid = _mean(cluster.centroid, cluster.size, vector, 1)
        previous_heat = heat_now(cluster, now)
        cluster.size += 1
        _set_heat(cluster, previous_heat + desire_weight(desire), now)
        cluster.label = _label(cluster.id, cluster.centroid, (desire.prompt, vector))
        merged = _merge_neighbours(cluster, neighbours[1:], threshold, now,
                                   (desire.prompt, vector))
        cluster = merged[-1][1] if merged else cluster
    # The desire row is written once, with its vector and its cluster.
    desire.embedding = vector
    desire.cluster_id = cluster.id
    db.session.commit()
    for gone, into in merged:
        broadcast.cluster_heat(gone, 0.0, 0, "", merged_into=into.id)
    broadcast.cluster_heat(cluster.id, cluster.heat, cluster.size, cluster.label)
    return desire


def leave_cluster(desire: Desire, now: datetime) -> DesireCluster | None:
    """Take a fulfilled or closed desire's share out of its cluster (the caller commits)."""
    if desire.cluster_id is None:
        return None
    cluster = db.session.scalars(sa.select(DesireCluster).where(
        DesireCluster.id == desire.cluster_id).with_for_update()
        .execution_options(populate_existing=True)).one()
    age = (now - desire.created_at).total_seconds()
    share = desire_weight(desire) * 2 ** (-age / _half_life_seconds())
    cluster.size = max(cluster.size - 1, 0)
    _set_heat(cluster, heat_now(cluster, now) - share if cluster.size else 0.0, now)
    return cluster


def lock_clustering() -> None:
    """Take the clustering lock for this transaction, before locking any desire or cluster row
    (process_desire takes it first too, so the two never wait on each other)."""
    db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(CLUSTERING_LOCK)))


def add_bounty(desire: Desire, cents: int, now: datetime) -> DesireCluster | None:
    """Add pledged cents to a desire's bounty (negative cents take them back) and re-heat its
    cluster; return the cluster changed, if any (the caller holds lock_clustering and commits).

    The extra weight counts as if the desire had carried it since it was asked, so it decays
    with the desire's own share and leave_cluster later takes out exactly what the desire added.
    """
    before = desire.bounty_cents or 0
    desire.bounty_cents = max(before + cents, 0)
    if desire.cluster_id is None or desire.status != "open" or desire.bounty_cents == before:
        return None
    cluster = db.session.scalar(sa.select(DesireCluster).where(
        DesireCluster.id == desire.cluster_id).with_for_update()
        .execution_options(populate_existing=True))
    if cluster is None:
        return None
    age = (now - desire.created_at).total_seconds()
    extra = (desire.bounty_cents - before) / BOUNTY_CENTS_PER_EXTRA_WEIGHT * \
        2 ** (-age / _half_life_seconds())
    _set_heat(cluster, heat_now(cluster, now) + extra, now)
    return cluster


def recluster() -> int:
    """Embed and cluster every open desire again from scratch (after a change of threshold or
    embedder); return how many."""
    db.session.execute(sa.update(Desire).values(cluster_id=None))
    db.session.execute(sa.delete(DesireCluster))
    db.session.commit()
    ids = list(db.session.scalars(sa.select(Desire.id).where(Desire.status == "open")
                                  .order_by(Desire.created_at, Desire.id)))
    for desire_id in ids:
        process_desire(desire_id)
    return len(ids)
