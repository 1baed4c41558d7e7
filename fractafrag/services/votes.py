"""Votes and dwell: exact counters under concurrency, hot score kept current, view counts."""

from __future__ import annotations

import json
import logging
from datetime import timedelta
from typing import Any

import sqlalchemy as sa
from redis.exceptions import RedisError

from fractafrag.extensions import db, queues, redis
from fractafrag.models import Vote
from fractafrag.models.shader import LISTED
from fractafrag.realtime import admission, broadcast
from fractafrag.services import Forbidden, NotFound, feed, notifications, shader_cache, shaders
from fractafrag.services.ranking import hot_score_sql

log = logging.getLogger(__name__)
VIEW_WINDOW_SECONDS = 3600
TASTE_DELAY = 60   # seconds: votes and dwells within it make one taste refresh


def tally(shader: Any) -> dict[str, Any]:
    """The public counters of a shader."""
    return {"shader_id": shader.id, "up": shader.up, "down": shader.down,
            "score": shader.score, "hot": shader.hot}


# The shader's visibility, counters and the voter's name, read under an advisory lock per
# (voter, shader), so one person's concurrent votes on one shader take turns. Plain SQL: the
# ORM's statement compilation was a fifth of a vote's CPU.
_LOCK_AND_READ = sa.text("""
SELECT id, owner_id, title, visibility, deleted_at, hidden_at, up, down, score, hot,
       (SELECT username FROM users WHERE id = :user_id) AS voter,
       pg_advisory_xact_lock(hashtextextended(:lock, 0)) AS locked
FROM shaders WHERE id = :shader_id
""")


# Under the (voter, shader) advisory lock taken by the statement before (so it reads the
# previous vote after any concurrent vote of the same person committed), one statement reads
# the previous vote and stores the new one (nothing when they are the same), and a first vote
# notifies the shader's owner (its row, whose foreign-key checks run here, before the shader
# row is locked by _COUNT).
_VOTE = sa.text("""
WITH previous AS (
    SELECT coalesce((SELECT value FROM votes
                     WHERE user_id = :user_id AND shader_id = :shader_id), 0) AS value
), removed AS (
    DELETE FROM votes
    WHERE CAST(:value AS int) = 0 AND user_id = :user_id AND shader_id = :shader_id
), stored AS (
    INSERT INTO votes (user_id, shader_id, value)
    SELECT :user_id, :shader_id, :value FROM previous
    WHERE CAST(:value AS int) <> 0 AND previous.value <> :value
    ON CONFLICT (user_id, shader_id) DO UPDATE SET value = EXCLUDED.value, updated_at = now()
), noted AS (
    INSERT INTO notifications (user_id, actor_id, kind, shader_id, data)
    SELECT :owner_id, :user_id, 'vote', :shader_id, CAST(:note AS jsonb) FROM previous
    WHERE previous.value = 0 AND CAST(:value AS int) <> 0
    RETURNING id, created_at
)
SELECT previous.value, noted.id AS note_id, noted.created_at AS noted_at
FROM previous LEFT JOIN noted ON true
""")
# The counters move by the difference, and the hot score follows in the same statement. A
# vote leaves the shader's updated_at alone: that says when its content or state changed
# (stale-render checks read it), not when someone voted.
_COUNT = sa.text(f"""
UPDATE shaders SET up = up + :up, down = down + :down, score = score + :up - :down,
    hot = {hot_score_sql("score + :up - :down", "coalesce(published_at, created_at)")}
WHERE id = :shader_id
RETURNING up, down, score, hot
""")


def cast_vote(shader_id: int, user_id: int, value: int) -> dict[str, Any]:
    """Set user's vote to +1, -1 or 0 (withdraw); return the shader's new counters.

    Four round trips: the shader's visibility (and the voter's name) read with an advisory
    lock per (voter, shader), so one person's concurrent votes on one shader take turns; the
    previous vote read, the new one written and the owner's notification of a first vote
    inserted in one statement; the counters and hot score moved by the difference in one
    relative UPDATE; the commit. The shader row is locked only from that UPDATE to the
    commit, after every foreign-key check of the transaction (its vote and notification
    rows), so callers that lock an account row and then a shader cannot deadlock with it. The
    cached summary gets the new counters inside that window, so concurrent votes (which the
    row lock puts in order) leave the last one's counters in the cache.
    """
    # The columns a vote needs, not the whole row with its author (a vote is a hot path).
    shader = db.session.execute(_LOCK_AND_READ, {
        "shader_id": shader_id, "user_id": user_id,
        "lock": f"vote:{user_id}:{shader_id}"}).first()
    if shader is None or not shaders.can_see(shader, user_id):
        db.session.rollback()
        raise NotFound(f"No shader {shader_id}.")
    if shader.owner_id == user_id:
        db.session.rollback()
        raise Forbidden("You cannot vote on your own shader.")
    note = {"title": shader.title, "value": value}
    voted = db.session.execute(_VOTE, {"user_id": user_id, "shader_id": shader_id,
                                       "value": value, "owner_id": shader.owner_id,
                                       "note": json.dumps(note)}).one()
    previous = voted.value
    if previous == value:
        db.session.rollback()
        return {**tally(shader), "vote": value}
    message = None
    if voted.note_id is not None:
        message = notifications.payload_of(voted.note_id, "vote", shader_id, shader.voter,
                                           note, False, voted.noted_at)
    up, down = (value == 1) - (previous == 1), (value == -1) - (previous == -1)
    row = db.session.execute(_COUNT, {"up": up, "down": down, "shader_id": shader_id}).one()
    counters = {"shader_id": shader_id, "up": row.up, "down": row.down, "score": row.score,
                "hot": row.hot}
    shader_cache.update_counters(shader_id, counters)
    db.session.commit()
    # What Redis learns of the vote (the voter's feed, their taste refresh) in one round trip,
    # and the live counters in one message, to the rooms the vote's own read allows.
    try:
        pipe = redis.pipeline(transaction=False)
        feed.note_vote(user_id, shader_id, value, pipe)
        _mark_taste_pending(pipe, user_id)
        marked = pipe.execute()[-1]
    except RedisError as error:
        log.warning("vote not passed on to the feed and taste refresh: %s", error)
        marked = False
    if shader.visibility in LISTED:
        broadcast.vote_updated(counters, admission.state_of(
            shader.owner_id, shader.visibility, shader.deleted_at is not None,
            shader.hidden_at is not None))
    if marked:
        _schedule_taste_update(user_id)
    if message is not None:
        broadcast.notification(shader.owner_id, message)
    return {**counters, "vote": value}


# A dwell and, on the first visit per visitor and hour, the view it counts: one statement.
_DWELL = sa.text("""
WITH dwelt AS (
    INSERT INTO dwell_events (shader_id, user_id, ms) VALUES (:shader_id, :user_id, :ms)
)
UPDATE shaders SET view_count = view_count + 1 WHERE id = :shader_id AND :counted
""")


def record_dwell(shader_id: int, viewer_id: int | None, ms: int, visitor: str) -> None:
    """Store time spent on a shader page; the first visit per visitor and hour is a view.

    Who may see the shader comes from the state rooms are admitted by (cached in Redis, kept
    right on every change), so a dwell costs one insert and no shader row load. The view
    count in cached summaries catches up within their TTL (counted views are not announced).
    """
    if not admission.may_join(admission.state_for_request(shader_id), viewer_id):
        raise NotFound(f"No shader {shader_id}.")
    # The view's first-visit mark and the viewer's pending taste refresh: one round trip.
    visitor_key = f"u{viewer_id}" if viewer_id else visitor
    try:
        pipe = redis.pipeline(transaction=False)
        pipe.set(f"view:{shader_id}:{visitor_key}", 1, nx=True, ex=VIEW_WINDOW_SECONDS)
        if viewer_id is not None:
            _mark_taste_pending(pipe, viewer_id)
        marks = pipe.execute()
    except RedisError as error:
        log.warning("view dedup and taste refresh unavailable: %s", error)
        marks = [False, False]
    db.session.execute(_DWELL, {"shader_id": shader_id, "user_id": viewer_id, "ms": ms,
                                "counted": bool(marks[0])})
    db.session.commit()
    if viewer_id is not None and marks[-1]:
        _schedule_taste_update(viewer_id)


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
        pipe = redis.pipeline(transaction=False)
        _mark_taste_pending(pipe, user_id)
        if not pipe.execute()[-1]:
            return
    except RedisError as error:
        log.warning("taste update of user %s not scheduled: %s", user_id, error)
        return
    _schedule_taste_update(user_id)


def _mark_taste_pending(pipe: Any, user_id: int) -> None:
    """Add to pipe the mark that a taste refresh is pending (its answer: whether it was new)."""
    pipe.set(taste_pending_key(user_id), 1, nx=True, ex=TASTE_DELAY * 10)


def _schedule_taste_update(user_id: int) -> None:
    try:
        queues.get("default").enqueue_in(
            timedelta(seconds=TASTE_DELAY), "fractafrag.jobs.vectors.update_taste", user_id,
            job_id=f"taste-{user_id}", result_ttl=0)
    except RedisError as error:
        log.warning("taste update of user %s not scheduled: %s", user_id, error)


def taste_pending_key(user_id: int) -> str:
    """Set while a taste refresh of the user is scheduled."""
    return f"taste:pending:{user_id}"
