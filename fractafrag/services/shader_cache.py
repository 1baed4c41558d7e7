"""Cached answers about shaders, and their invalidation when a shader changes.

The hot reads (the feed, lists, the shader page) show the same facts of a shader to everyone:
its summary (title, author, counters, render state) and, for visitors, the whole page. Both are
kept in Redis:

- `shader:summary:<id>`: the shader's summary as JSON (what `ShaderSummarySchema` gives), for
  SUMMARY_TTL seconds;
- `shader:page:<id>`: the shader page as a visitor sees it, for PAGE_TTL seconds (its CSRF
  token and, without FRACTAFRAG_PUBLIC_URL, its site root are placeholders filled in as it is
  served).

Both are dropped the moment the shader changes: every commit that inserts, changes or deletes a
shader row through the ORM, or adds or changes one of its comments, forgets them (a hook run
after every commit, services/after_commit, so no service has to remember to); writes that bypass
the ORM (the vote and view counters) call `forget` themselves, except a vote, which writes its
new counters into the cached summary (`update_counters`). The TTLs bound what nothing announces
(an author renaming themselves shows on their cards within a minute).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from datetime import timedelta
from itertools import chain
from typing import Any

import sqlalchemy as sa
from flask import has_app_context
from redis.exceptions import RedisError
from sqlalchemy.orm import Session

from fractafrag.extensions import queues, redis
from fractafrag.models import Comment, Shader
from fractafrag.services import after_commit

log = logging.getLogger(__name__)
SUMMARY_TTL = 60
PAGE_TTL = 120
# A change to one of these can add a shader to the feeds or take one out of them.
LISTING_FIELDS = ("render_status", "visibility", "hidden_at", "deleted_at")
FEED_GENERATION = "feed:generation"


def summary_key(shader_id: int) -> str:
    """Where a shader's summary JSON is kept."""
    return f"shader:summary:{shader_id}"


def page_key(shader_id: int) -> str:
    """Where a shader's page, as a visitor sees it, is kept."""
    return f"shader:page:{shader_id}"


def forget(shader_ids: Iterable[int], pages: bool = True) -> None:
    """Drop the cached summary (and page) of these shaders (a Redis outage is only logged: the
    TTLs bound how long a copy can outlive it)."""
    keys = [key for i in set(shader_ids)
            for key in ((summary_key(i), page_key(i)) if pages else (summary_key(i),))]
    if not keys or not has_app_context():
        return
    try:
        redis.delete(*keys)
    except RedisError as error:
        log.warning("cached shaders not forgotten: %s", error)


def summaries(shader_ids: list[int]) -> list[bytes | None]:
    """The cached summaries of these shaders, in order (None where not cached)."""
    if not shader_ids:
        return []
    try:
        cached: list[bytes | None] = redis.mget([summary_key(i) for i in shader_ids])
        return cached
    except RedisError as error:
        log.warning("cached summaries unavailable: %s", error)
        return [None] * len(shader_ids)


def keep_summaries(encoded: dict[int, str]) -> None:
    """Cache these summaries (id -> JSON)."""
    if not encoded:
        return
    try:
        pipe = redis.pipeline(transaction=False)
        for shader_id, body in encoded.items():
            pipe.set(summary_key(shader_id), body, ex=SUMMARY_TTL)
        pipe.execute()
    except RedisError as error:
        log.warning("summaries not cached: %s", error)


def update_counters(shader_id: int, counters: dict[str, Any]) -> None:
    """Put a vote's new counters (up, down, score, hot) into the shader's cached summary, if
    there is one, keeping its TTL. Called before the vote commits, while the shader row is
    locked, so concurrent votes write here in the order they commit; if the summary cannot be
    updated it is dropped."""
    key = summary_key(shader_id)
    if not has_app_context():
        return
    try:
        body = redis.get(key)
        if body is None:
            return
        summary = json.loads(body)
        summary.update({name: counters[name] for name in ("up", "down", "score", "hot")})
        redis.set(key, json.dumps(summary, separators=(",", ":")), keepttl=True, xx=True)
    except RedisError as error:
        log.warning("cached summary of shader %s not updated: %s", shader_id, error)
        forget([shader_id], pages=False)


def page(shader_id: int) -> str | None:
    """The cached visitor's page of a shader, or None."""
    try:
        body = redis.get(page_key(shader_id))
    except RedisError as error:
        log.warning("cached page unavailable: %s", error)
        return None
    return body.decode() if body is not None else None


def keep_page(shader_id: int, html: str) -> None:
    """Cache the visitor's page of a shader for PAGE_TTL seconds."""
    try:
        redis.set(page_key(shader_id), html, ex=PAGE_TTL)
    except RedisError as error:
        log.warning("page not cached: %s", error)


def _changed(objects: Iterable[Any]) -> set[int]:
    ids = set()
    for obj in objects:
        if isinstance(obj, Shader) and obj.id is not None:
            ids.add(obj.id)
        elif isinstance(obj, Comment) and obj.shader_id is not None:
            ids.add(obj.shader_id)
    return ids


def feed_generation() -> int:
    """How many times the set of listed shaders may have changed (feeds recompute sooner when
    it moved since their ranking)."""
    try:
        return int(redis.get(FEED_GENERATION) or 0)
    except RedisError:
        return 0


def _listing_changed(session: Session) -> bool:
    for obj in chain(session.new, session.deleted):
        if isinstance(obj, Shader):
            return True
    for obj in session.dirty:
        if isinstance(obj, Shader):
            state = sa.inspect(obj)
            if any(state.attrs[name].history.has_changes() for name in LISTING_FIELDS):
                return True
    return False


def _note_changes(session: Session) -> tuple[set[int], bool] | None:
    ids = _changed(chain(session.new, session.dirty, session.deleted))
    return (ids, _listing_changed(session)) if ids else None


def _forget_committed(notes: list[tuple[set[int], bool]]) -> None:
    forget(set().union(*(ids for ids, _ in notes)))
    if any(listing for _, listing in notes) and has_app_context():
        try:
            redis.incr(FEED_GENERATION)
        except RedisError as error:
            log.warning("feeds not told of a listing change: %s", error)
            return
        _refresh_readers_later()


# After a listing change one job (feed.refresh_active) refreshes the rankings of the feed's
# recent readers before they read, READERS_REFRESH_DELAY later so that a burst of changes (a
# crowd's publishes rendering) makes one; while it is pending later changes find it claimed.
READERS_REFRESH_CLAIM = "feed:active:refreshing"
READERS_REFRESH_DELAY = 2
READERS_REFRESH_CLAIM_SECONDS = 20  # a claim outlives a lost job no longer than this


def _refresh_readers_later() -> None:
    queues.enqueue_claimed(READERS_REFRESH_CLAIM, READERS_REFRESH_CLAIM_SECONDS, "default",
                           "fractafrag.jobs.feed.refresh_active_rankings",
                           delay=timedelta(seconds=READERS_REFRESH_DELAY),
                           job_id="rankings-active", result_ttl=0)


after_commit.on_commit("shader_cache", _note_changes, _forget_committed)
