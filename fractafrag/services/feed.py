"""Feeds: trending by hot, the personalised feed (the seed's formula, in SQL), similar shaders.

The personalised ranking is materialised per user in Redis (`feed:<owner>:ranked`): ranking
400+ candidates costs PostgreSQL a few milliseconds, so a user's ranking is computed once and
served from Redis until it is RANKING_REFRESH seconds old (a new ranking then picks up new
shaders, votes by others and the user's taste). A stale ranking is still served while a job
of the default queue computes the next one, so no reader waits for it (and a crowd whose
rankings all went stale at once does not recompute them all on its requests); only a missing
ranking, a short one (a young site shows each new shader on the next load) or one the
workers left behind for REFRESH_OVERDUE is computed on the request, RANKINGS_AT_ONCE at a time
per process; a request past that gets its old ranking followed by the visitors' shared one
while a job ranks its feed (a crowd arriving at a young site computed 200 rankings on its
requests at once, and every request waited seconds behind them). What the user does shows
at once: a shader they vote on leaves their feed on the next page 1 (their votes since the
ranking are kept in `feed:<owner>:voted` and filtered out), exactly as a fresh ranking would
leave it out.
Visitors share one ranking. Every page 1 answers with a snapshot id; later pages of that
snapshot never repeat or skip.
"""

from __future__ import annotations

import hashlib
import json
import logging
import secrets
import threading
import time
from datetime import UTC, datetime, timedelta
from typing import Any

import sqlalchemy as sa
from redis.exceptions import RedisError

from fractafrag.extensions import db, queues, redis
from fractafrag.models import Shader, User
from fractafrag.models.shader import LISTED_SQL
from fractafrag.offload import SingleFlight
from fractafrag.services import shader_cache, shaders

log = logging.getLogger(__name__)

WINDOWS = {"24h": timedelta(hours=24), "7d": timedelta(days=7), "30d": timedelta(days=30),
           "all": None}
CANDIDATES = 400           # hottest shaders considered by the personalised feed
TASTE_CANDIDATES = 100     # plus the nearest to the user's taste vector (HNSW)
RECENCY_HALF_LIFE_HOURS = 48.0
SNAPSHOT_TTL = 1800        # a feed ranking stays fixed this long, so pages never repeat
RANKING_REFRESH = 60       # a materialised ranking is served this long before it is recomputed
REFRESH_AFTER_CHANGE = 20  # ...or this long once shaders were listed or unlisted since
SHORT_FEED = 20            # a ranking shorter than this is recomputed at once after such a change
REFRESH_OVERDUE = 300      # a stale ranking this old is recomputed on the request (workers lag)
REFRESH_CLAIM = 60         # seconds one queued refresh of an owner's ranking stays claimed
# Personal rankings computed on requests at once per process; past it a due ranking is left to
# its refresh job and the request gets the shared one added (_with_shared).
RANKINGS_AT_ONCE = 2
ACTIVE_READERS = "feed:active"  # sorted set: owner -> when they last read the feed or signed in
ACTIVE_REFRESH_LIMIT = 1000     # rankings one listing change refreshes ahead of the readers
WEIGHTS = {"score": 0.5, "recency": 0.2, "affinity": 0.2, "random": 0.1}
_ranking_now = threading.BoundedSemaphore(RANKINGS_AT_ONCE)
_shared_builds = SingleFlight()


def trending(window: str | None, page: int, page_size: int) -> tuple[list[Shader], int]:
    """Public, rendered shaders by hot score (optionally published within a window)."""
    query = sa.select(Shader).where(Shader.in_feed())
    since = WINDOWS.get(window or "all")
    if since is not None:
        query = query.where(Shader.published_at >= datetime.now(UTC) - since)
    total = db.session.scalars(sa.select(sa.func.count()).select_from(
        query.with_only_columns(Shader.id).limit(10_000).subquery())).one()
    rows = db.session.scalars(query.order_by(Shader.hot.desc(), Shader.id.desc())
                              .limit(page_size).offset((page - 1) * page_size))
    return list(rows), total


# One statement ranks the candidates: every term is normalised to [0, 1] over the candidate set
# (score by min-max, recency by exponential decay, tag affinity by the user's best match,
# random by a per-user, per-snapshot hash so a snapshot orders the same way every time).
PERSONAL_RANKING = sa.text(f"""
WITH hot AS (
    SELECT id FROM shaders
    WHERE {LISTED_SQL} AND render_status = 'ready'
    ORDER BY hot DESC, id DESC LIMIT :candidates
), near AS (
    -- Order by distance alone so the HNSW index serves it; filter the nearest afterwards.
    -- The user's taste is read here, not sent: 512 floats parsed and printed again in
    -- Python cost more than the rest of the ranking.
    SELECT id FROM (
        SELECT id, visibility, deleted_at, hidden_at, render_status FROM shaders
        WHERE (SELECT taste_vector FROM users WHERE id = :user_id) IS NOT NULL
        ORDER BY style_vector <=> (SELECT taste_vector FROM users WHERE id = :user_id)
        LIMIT :taste_scan
    ) nearest
    WHERE {LISTED_SQL} AND render_status = 'ready'
    LIMIT :taste_candidates
), pool AS (
    SELECT s.id, s.score, s.tags, s.published_at FROM shaders s
    WHERE s.id IN (SELECT id FROM hot UNION SELECT id FROM near)
      AND s.owner_id <> :user_id
      AND NOT EXISTS (SELECT 1 FROM votes v WHERE v.user_id = :user_id AND v.shader_id = s.id)
), likes AS (
    SELECT tag, sum(weight) AS weight FROM (
        SELECT unnest(s.tags) AS tag, v.value::float AS weight
        FROM votes v JOIN shaders s ON s.id = v.shader_id WHERE v.user_id = :user_id
        UNION ALL
        SELECT unnest(s.tags), least(d.ms / 60000.0, 1.0)
        FROM dwell_events d JOIN shaders s ON s.id = d.shader_id WHERE d.user_id = :user_id
    ) w GROUP BY tag HAVING sum(weight) > 0
), affinity AS (
    SELECT p.id, coalesce(sum(l.weight), 0) AS raw
    FROM pool p LEFT JOIN likes l ON l.tag = ANY (p.tags) GROUP BY p.id
), terms AS (
    SELECT p.id,
           CASE WHEN max(p.score) OVER () = min(p.score) OVER () THEN 0.5
                ELSE (p.score - min(p.score) OVER ())::float
                     / (max(p.score) OVER () - min(p.score) OVER ()) END AS score_n,
           exp(-ln(2) * extract(epoch FROM now() - p.published_at) / 3600.0 / :half_life)
               AS recency_n,
           CASE WHEN max(a.raw) OVER () > 0 THEN a.raw / max(a.raw) OVER () ELSE 0 END
               AS affinity_n,
           (hashtextextended(:seed || ':' || p.id, 0) & 2147483647)::float / 2147483647
               AS random_n
    FROM pool p JOIN affinity a ON a.id = p.id
)
SELECT id FROM terms
ORDER BY :w_score * score_n + :w_recency * recency_n + :w_affinity * affinity_n
         + :w_random * random_n DESC, id DESC
""")


def ranking_params(user_id: int, seed: str) -> dict[str, Any]:
    """The bind parameters of PERSONAL_RANKING."""
    return {"user_id": user_id, "candidates": CANDIDATES, "taste_candidates": TASTE_CANDIDATES,
            "taste_scan": TASTE_CANDIDATES * 2,
            "half_life": RECENCY_HALF_LIFE_HOURS, "seed": seed,
            **{f"w_{k}": v for k, v in WEIGHTS.items()}}


def personal_ranking(user_id: int, seed: str) -> list[int]:
    """Shader ids in the user's feed order (near their stored taste vector, when they have
    one)."""
    _allow_long_hnsw_scans()
    return list(db.session.scalars(PERSONAL_RANKING, ranking_params(user_id, seed)))


def _allow_long_hnsw_scans() -> None:
    # Without iterative scans an HNSW search returns at most hnsw.ef_search (40) rows.
    db.session.execute(sa.text("SET LOCAL hnsw.iterative_scan = relaxed_order"))


def anonymous_ranking() -> list[int]:
    """For visitors: two trending shaders, then one of the newest, and so on, without repeats."""
    hot = db.session.scalars(sa.select(Shader.id).where(Shader.in_feed())
                             .order_by(Shader.hot.desc(), Shader.id.desc()).limit(CANDIDATES))
    new = db.session.scalars(sa.select(Shader.id).where(Shader.in_feed())
                             .order_by(Shader.published_at.desc(), Shader.id.desc())
                             .limit(CANDIDATES // 2))
    hot_ids, new_ids = list(hot), list(new)
    ranked: list[int] = []
    seen: set[int] = set()
    while hot_ids or new_ids:
        for source, take in ((hot_ids, 2), (new_ids, 1)):
            for _ in range(take):
                while source and source[0] in seen:
                    source.pop(0)
                if source:
                    seen.add(source[0])
                    ranked.append(source.pop(0))
    return ranked


def feed_ids(user_id: int | None, snapshot: str | None, page: int,
             page_size: int) -> tuple[list[int], int, str]:
    """One page of the feed as shader ids, the feed's length and its snapshot id."""
    owner = f"u{user_id}" if user_id is not None else "anon"
    ids = _load_snapshot(owner, snapshot) if snapshot or page > 1 else None
    if ids is None:
        snapshot, ids = _current_ranking(owner, user_id)
    elif snapshot is None:
        snapshot = _latest(owner) or ""
    return ids[(page - 1) * page_size: page * page_size], len(ids), snapshot


def feed(user: User | None, snapshot: str | None, page: int,
         page_size: int) -> tuple[list[Shader], int, str]:
    """One page of the feed as shaders (deleted or hidden ones left out)."""
    chosen, total, snapshot = feed_ids(user.id if user is not None else None, snapshot, page,
                                       page_size)
    found = {s.id: s for s in db.session.scalars(sa.select(Shader).where(
        Shader.id.in_(chosen), Shader.live()))}
    return [found[i] for i in chosen if i in found], total, snapshot


def _current_ranking(owner: str, user_id: int | None) -> tuple[str, list[int]]:
    """The owner's materialised ranking without what they voted on since (computed here when
    missing, short and stale, or overdue; refreshed by a job when merely stale); a snapshot of
    it is saved for the next pages."""
    try:
        pipe = redis.pipeline(transaction=False)
        pipe.get(f"feed:{owner}:ranked")
        pipe.smembers(f"feed:{owner}:voted")
        pipe.get(shader_cache.FEED_GENERATION)
        pipe.get(f"feed:{owner}:latest")
        pipe.zadd(ACTIVE_READERS, {owner: time.time()})
        # A stale ranking is refreshed by a job; while one is queued, reads need not ask again.
        pipe.exists(_refresh_claim(owner))
        raw, voted, generation, latest, _active, claimed = pipe.execute()
    except RedisError as error:
        log.warning("feed ranking not read: %s", error)
        raw, voted, generation, latest, claimed = None, set(), None, None, False
    generation = int(generation or 0)
    stored = json.loads(raw) if raw else None
    stale = stored is not None and _stale(stored, generation)
    if stored is None or (stale and (len(stored["ids"]) < SHORT_FEED
                                     or time.time() - stored["at"] > REFRESH_OVERDUE)):
        if user_id is None:
            # Visitors share one ranking: computed once per process for those asking together.
            return _shared_builds.run(owner, lambda: _rank(owner, None, generation))
        if _ranking_now.acquire(blocking=False):
            try:
                return _rank(owner, user_id, generation)
            finally:
                _ranking_now.release()
        # Many rankings are due at once (a crowd signing in to a young site, or arriving after
        # a listing change while rankings were short): the ones computing now are enough.
        if not claimed:
            _refresh_later(owner, user_id)
        return _with_shared(owner, stored["ids"] if stored else [], voted)
    if stale and not claimed:
        _refresh_later(owner, user_id)
    snapshot, ids = stored["snapshot"], stored["ids"]
    gone = {int(v) for v in voted} & set(ids)
    if gone:
        # A snapshot of its own, named after what left, so pages 2+ follow this page 1.
        snapshot = f"{snapshot}-{_digest(sorted(gone))}"
        ids = [i for i in ids if i not in gone]
        if latest is None or latest.decode() != snapshot:  # else saved by an earlier page 1
            _save_snapshot(owner, snapshot, ids)
    return snapshot, ids


def _with_shared(owner: str, ids: list[int], voted: set[bytes]) -> tuple[str, list[int]]:
    """The owner's own (short or missing) ranking followed by the visitors' shared one, under
    a snapshot of its own, until the refresh job has ranked the owner's feed: no shader is
    missing from it meanwhile. Shaders voted on since are left out (the personal ranking
    leaves out every shader voted on, and the user's own; this stopgap lasts one refresh)."""
    _shared_snapshot, shared = _current_ranking("anon", None)
    gone = {int(v) for v in voted}
    merged = list(dict.fromkeys(i for i in [*ids, *shared] if i not in gone))
    snapshot = f"shared-{_digest(merged)}"
    _save_snapshot(owner, snapshot, merged)
    return snapshot, merged


def _rank(owner: str, user_id: int | None, generation: int) -> tuple[str, list[int]]:
    """Compute the owner's ranking now and materialise it."""
    snapshot = secrets.token_urlsafe(8)
    if user_id is None:
        ids = anonymous_ranking()
    else:
        ids = personal_ranking(user_id, f"{user_id}:{snapshot}")
    _save_snapshot(owner, snapshot, ids, ranked=True, generation=generation)
    return snapshot, ids


def warm(user_id: int) -> None:
    """Have a job materialise the user's ranking when they have none (on sign-in); from now
    on listing changes refresh it ahead of their reads (`refresh_active`)."""
    owner = f"u{user_id}"
    try:
        redis.zadd(ACTIVE_READERS, {owner: time.time()})
        if not redis.exists(f"feed:{owner}:ranked"):
            _refresh_later(owner, user_id)
    except RedisError as error:
        log.warning("feed ranking not warmed: %s", error)


def refresh_active() -> int:
    """Recompute the stale rankings of the ACTIVE_REFRESH_LIMIT most recent readers (of the
    last SNAPSHOT_TTL) and the visitors' one, most recent first (the refresh job a listing
    change queues, see shader_cache; Mastodon likewise rebuilds home timelines on write, for
    active users only). Readers further down compute theirs on their next read, as before.
    Returns how many were recomputed."""
    # Changes from now on get a refresh of their own.
    redis.delete(shader_cache.READERS_REFRESH_CLAIM)
    now = time.time()
    redis.zremrangebyscore(ACTIVE_READERS, "-inf", now - SNAPSHOT_TTL)
    owners = ["anon", *(o.decode() for o in
                        redis.zrevrange(ACTIVE_READERS, 0, ACTIVE_REFRESH_LIMIT - 1))]
    done = 0
    for start in range(0, len(owners), 100):
        batch = owners[start:start + 100]
        current, *stored = redis.mget(shader_cache.FEED_GENERATION,
                                      *(f"feed:{owner}:ranked" for owner in batch))
        generation = int(current or 0)
        for owner, raw in zip(batch, stored, strict=True):
            if raw is not None and json.loads(raw).get("generation") == generation:
                continue
            user_id = None if owner == "anon" else int(owner[1:])
            try:
                _rank(owner, user_id, generation)
                done += 1
            finally:
                db.session.rollback()
    return done


def _refresh_later(owner: str, user_id: int | None) -> None:
    """Queue one refresh of the owner's ranking (later stale reads find it claimed)."""
    queues.enqueue_claimed(_refresh_claim(owner), REFRESH_CLAIM, "default",
                           "fractafrag.jobs.feed.refresh_ranking", owner, user_id,
                           job_id=f"ranking-{owner}", result_ttl=0)


def _refresh_claim(owner: str) -> str:
    return f"feed:{owner}:refreshing"


def refresh_ranking(owner: str, user_id: int | None) -> int:
    """Recompute and materialise the owner's ranking (the refresh job); its length."""
    try:
        generation = int(redis.get(shader_cache.FEED_GENERATION) or 0)
        _snapshot, ids = _rank(owner, user_id, generation)
    finally:
        db.session.rollback()
        redis.delete(_refresh_claim(owner))
    return len(ids)


def _stale(stored: dict[str, Any], generation: int) -> bool:
    """A materialised ranking is due for a refresh once RANKING_REFRESH old; sooner when
    shaders were listed or unlisted since it was made: at once while it is shorter than a page
    (a young site: each newly rendered shader shows up on the next load), else after
    REFRESH_AFTER_CHANGE."""
    age = time.time() - stored["at"]
    if age > RANKING_REFRESH:
        return True
    if stored.get("generation", 0) == generation:
        return False
    return len(stored["ids"]) < SHORT_FEED or age > REFRESH_AFTER_CHANGE


def _digest(ids: list[int]) -> str:
    return hashlib.blake2s(json.dumps(ids).encode(), digest_size=6).hexdigest()


def note_vote(user_id: int, shader_id: int, value: int, pipe: Any = None) -> None:
    """Keep the user's materialised feed right after their vote: a voted shader leaves it (as a
    new ranking would leave it out), a withdrawn vote lets it back in at the next ranking.
    Given a Redis pipeline, the commands are added to it for the caller to send with its own."""
    key = f"feed:u{user_id}:voted"
    try:
        batch = pipe if pipe is not None else redis.pipeline(transaction=False)
        if value:
            batch.sadd(key, shader_id)
        else:
            batch.srem(key, shader_id)
            batch.delete(f"feed:u{user_id}:ranked")  # it may be missing from the ranking
        batch.expire(key, SNAPSHOT_TTL)
        if pipe is None:
            batch.execute()
    except RedisError as error:
        log.warning("feed not told of a vote: %s", error)


def _key(owner: str, snapshot: str) -> str:
    return f"feed:{owner}:{snapshot}"


def _save_snapshot(owner: str, snapshot: str, ids: list[int], ranked: bool = False,
                   generation: int = 0) -> None:
    try:
        pipe = redis.pipeline(transaction=False)
        pipe.set(_key(owner, snapshot), json.dumps(ids), ex=SNAPSHOT_TTL)
        pipe.set(f"feed:{owner}:latest", snapshot, ex=SNAPSHOT_TTL)
        if ranked:
            pipe.set(f"feed:{owner}:ranked", json.dumps(
                {"snapshot": snapshot, "ids": ids, "at": time.time(),
                 "generation": generation}), ex=SNAPSHOT_TTL)
        pipe.execute()
    except RedisError as error:
        log.warning("feed snapshot not saved: %s", error)


def _latest(owner: str) -> str | None:
    try:
        value = redis.get(f"feed:{owner}:latest")
    except RedisError:
        return None
    return value.decode() if value else None


def _load_snapshot(owner: str, snapshot: str | None) -> list[int] | None:
    snapshot = snapshot or _latest(owner)
    if not snapshot:
        return None
    try:
        raw = redis.get(_key(owner, snapshot))
    except RedisError:
        return None
    return json.loads(raw) if raw else None


def similar(shader_id: int, viewer_id: int | None, limit: int) -> list[Shader]:
    """Public rendered shaders closest in style (HNSW cosine over style vectors)."""
    shader = shaders.visible_shader(shader_id, viewer_id)
    if shader.style_vector is None:
        return []  # its vector job has not run yet
    _allow_long_hnsw_scans()
    distance = Shader.style_vector.cosine_distance(shader.style_vector)
    # The inner query orders by distance alone, so the HNSW index serves it.
    nearest = (sa.select(Shader.id, distance.label("distance")).order_by(distance)
               .limit(limit * 4 + 20).subquery())
    query = (sa.select(Shader).join(nearest, Shader.id == nearest.c.id)
             .where(Shader.in_feed(), Shader.id != shader_id)
             .order_by(nearest.c.distance).limit(limit))
    return list(db.session.scalars(query))
