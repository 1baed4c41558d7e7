"""Votes and dwell: exact counters under concurrency, hot score kept current, view counts."""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from redis.exceptions import RedisError

from fractafrag.extensions import db, queues, redis
from fractafrag.models import DwellEvent, Shader, Vote
from fractafrag.realtime import broadcast
from fractafrag.services import Forbidden, NotFound, feed, notifications, shader_cache, shaders
from fractafrag.services.ranking import hot_score

log = logging.getLogger(__name__)
VIEW_WINDOW_SECONDS = 3600
TASTE_DELAY = 60   # seconds: votes and dwells within it make one taste refresh


def tally(shader: Any) -> dict[str, Any]:
    """The public counters of a shader."""
    return {"shader_id": shader.id, "up": shader.up, "down": shader.down,
            "score": shader.score, "hot": shader.hot}


def cast_vote(shader_id: int, user_id: int, value: int) -> dict[str, Any]:
    """Set user's vote to +1, -1 or 0 (withdraw); return the shader's new counters.

    Two locks, each held briefly: an advisory lock per (voter, shader) makes one person's
    concurrent votes on one shader take turns (the previous value and the stored row agree),
    and the counters change by one relative UPDATE, so the shader's row is locked only from that
    UPDATE to the commit, not while the vote is read and written; voters of a popular shader
    queue behind three round trips (two UPDATEs and the commit) instead of six.
    """
    # The columns a vote needs, not the whole row with its author (a vote is a hot path).
    shader = db.session.execute(sa.select(
        Shader.id, Shader.owner_id, Shader.title, Shader.visibility, Shader.deleted_at,
        Shader.hidden_at, Shader.up, Shader.down, Shader.score, Shader.hot,
    ).where(Shader.id == shader_id)).first()
    if shader is None or not shaders.can_see(shader, user_id):
        raise NotFound(f"No shader {shader_id}.")
    if shader.owner_id == user_id:
        raise Forbidden("You cannot vote on your own shader.")
    owner_id, title, public = shader.owner_id, shader.title, shader.visibility == "public"
    db.session.execute(sa.select(sa.func.pg_advisory_xact_lock(
        sa.func.hashtextextended(f"vote:{user_id}:{shader_id}", 0))))
    previous = db.session.scalar(sa.select(Vote.value).where(
        Vote.user_id == user_id, Vote.shader_id == shader_id)) or 0
    if value == previous:
        counters = tally(shader)
        db.session.rollback()
        return {**counters, "vote": value}
    if value == 0:
        db.session.execute(sa.delete(Vote).where(Vote.user_id == user_id,
                                                 Vote.shader_id == shader_id))
    elif previous == 0:
        db.session.execute(sa.insert(Vote).values(user_id=user_id, shader_id=shader_id,
                                                  value=value))
    else:
        db.session.execute(sa.update(Vote).where(
            Vote.user_id == user_id, Vote.shader_id == shader_id).values(value=value))
    message = None
    if previous == 0:
        note = notifications.stage(owner_id, "vote", actor_id=user_id, shader_id=shader_id,
                                   data={"title": title, "value": value})
        db.session.flush()  # its foreign-key checks before the shader row is locked
        if note is not None:
            # Worded now, while its row and the voter are loaded (after the commit both would
            # be read again).
            message = notifications.payload(note)
    up, down = (value == 1) - (previous == 1), (value == -1) - (previous == -1)
    row = db.session.execute(
        sa.update(Shader).where(Shader.id == shader_id)
        .values(up=Shader.up + up, down=Shader.down + down, score=Shader.score + up - down)
        .returning(Shader.up, Shader.down, Shader.score, Shader.published_at,
                   Shader.created_at)).one()
    hot = hot_score(row.score, row.published_at or row.created_at)
    db.session.execute(sa.update(Shader).where(Shader.id == shader_id).values(hot=hot))
    db.session.commit()
    # The counters changed behind the ORM's back. A visitor's cached page keeps its counts:
    # they arrive live over Socket.IO, and the voter (signed in) never gets that copy.
    shader_cache.forget([shader_id], pages=False)
    feed.note_vote(user_id, shader_id, value)
    counters = {"shader_id": shader_id, "up": row.up, "down": row.down, "score": row.score,
                "hot": hot}
    if public:
        broadcast.vote_updated(counters)
    request_taste_update(user_id)
    if message is not None:
        broadcast.notification(owner_id, message)
    return {**counters, "vote": value}


def record_dwell(shader_id: int, viewer_id: int | None, ms: int, visitor: str) -> None:
    """Store time spent on a shader page; the first visit per visitor and hour is a view.

    Who may see the shader comes from the state rooms are admitted by (cached in Redis, kept
    right on every change), so a dwell costs one insert and no shader row load. The view
    count in cached summaries catches up within their TTL (counted views are not announced).
    """
    from fractafrag.realtime import admission

    if not admission.may_join(admission.state_for_request(shader_id), viewer_id):
        raise NotFound(f"No shader {shader_id}.")
    counted = _first_view(shader_id, f"u{viewer_id}" if viewer_id else visitor)
    db.session.execute(sa.insert(DwellEvent).values(shader_id=shader_id, user_id=viewer_id,
                                                    ms=ms))
    if counted:
        db.session.execute(sa.update(Shader).where(Shader.id == shader_id)
                           .values(view_count=Shader.view_count + 1))
    db.session.commit()
    if viewer_id is not None:
        request_taste_update(viewer_id)


def _first_view(shader_id: int, visitor: str) -> bool:
    try:
        return bool(redis.set(f"view:{shader_id}:{visitor}", 1, nx=True,
                              ex=VIEW_WINDOW_SECONDS))
    except RedisError as error:
        log.warning("view dedup unavailable: %s", error)
        return False


def my_votes(user_id: int, shader_ids: list[int]) -> dict[int, int]:
    """The user's votes on the given shaders, in one query."""
    rows = db.session.execute(sa.select(Vote.shader_id, Vote.value).where(
        Vote.user_id == user_id, Vote.shader_id.in_(shader_ids)))
    return dict(rows.all())


def request_taste_update(user_id: int) -> None:
    """Refresh the user's taste vector TASTE_DELAY seconds from now, once for everything they
    vote on and dwell over meanwhile: the first action after a quiet spell schedules the job
    (the default worker runs RQ's scheduler), later ones find it pending. The job clears the
    mark when it starts, so what happens while it runs schedules the next one."""
    try:
        if not redis.set(taste_pending_key(user_id), 1, nx=True, ex=TASTE_DELAY * 10):
            return
        queues.get("default").enqueue_in(
            timedelta(seconds=TASTE_DELAY), "fractafrag.jobs.vectors.update_taste", user_id,
            job_id=f"taste-{user_id}", result_ttl=0)
    except RedisError as error:
        log.warning("taste update of user %s not scheduled: %s", user_id, error)


def taste_pending_key(user_id: int) -> str:
    """Set while a taste refresh of the user is scheduled."""
    return f"taste:pending:{user_id}"
