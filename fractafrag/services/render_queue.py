"""A fair render queue: who renders next, and how many test renders one account may queue.

Every job on the `render` queue carries in its RQ meta whose it is (`user`: the account that
asked for a test render, or the owner of the shader being rendered) and its kind (`preview`:
a test render someone is waiting on; `publication`: the thumbnail and preview of a published
version). RQ keeps the queue itself (enqueueing, retries, cancelling, expiry, `rq info` all work
as before); the render worker only chooses which queued job to take next (see `choose`):

1. **Publications are never starved by previews.** Right after a preview, a waiting publication
   goes next: previews get at most every other turn of the worker while publications wait,
   and each preview holds the worker at most RENDER_PREVIEW_TIMEOUT (publications have
   RENDER_TIMEOUT).
2. **Round-robin between users.** Among the candidates, the user served longest ago goes
   first (one who was never served, or not for a day, ranks first; ties by queue order), so
   one account's many queued renders delay another account's single render by about one job.
3. Within one user: their previews first (someone is waiting on the answer), else queue order.

Each account may have at most RENDER_PREVIEW_MAX_QUEUED test renders queued or running at
once (`reserve_preview`); one more is refused with 429 naming the limit.
"""

from __future__ import annotations

import math
import time
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from redis import Redis

PREVIEW = "preview"
PUBLICATION = "publication"
SERVED_KEY = "fractafrag:render:served"      # hash: user -> turn number of their last job
TURN_KEY = "fractafrag:render:turn"          # counter of jobs taken
LAST_KIND_KEY = "fractafrag:render:last-kind"
PREVIEWS_KEY = "fractafrag:render:previews:{user}"  # zset: job id -> give-up time (epoch s)
STATE_TTL = 86400                            # fairness history older than a day is forgotten
PREVIEW_AT_LEAST = 1.0  # a test render taken just before its deadline still gets this long


@dataclass(frozen=True)
class Entry:
    """One queued job, as the scheduler sees it."""

    job_id: str
    user: str    # "" when the job does not say (queued by older code): one shared "user"
    kind: str    # PREVIEW or PUBLICATION


def job_meta(user: int | str | None, kind: str) -> dict[str, str]:
    """The RQ meta that tells the scheduler whose render a job is and what kind."""
    return {"user": "" if user is None else str(user), "kind": kind}


def entry_from_meta(job_id: str, meta: dict[str, Any] | None, func_name: str = "") -> Entry:
    """An Entry from a job's meta; jobs without one count as publications of nobody."""
    meta = meta or {}
    kind = meta.get("kind") or (PREVIEW if func_name.endswith("render_still") else PUBLICATION)
    return Entry(job_id, str(meta.get("user") or ""), kind)


def choose(entries: Sequence[Entry], last_kind: str | None, served: dict[str, int]
           ) -> Entry | None:
    """The job to run next among entries (in queue order), given the kind of the last job and
    each user's last turn; None when there is nothing to run."""
    if not entries:
        return None
    candidates = list(entries)
    if last_kind == PREVIEW and any(e.kind == PUBLICATION for e in candidates):
        candidates = [e for e in candidates if e.kind == PUBLICATION]
    first_seen: dict[str, int] = {}
    for position, entry in enumerate(candidates):
        first_seen.setdefault(entry.user, position)
    user = min(first_seen, key=lambda u: (served.get(u, -1), first_seen[u]))
    mine = [e for e in candidates if e.user == user]
    return next((e for e in mine if e.kind == PREVIEW), mine[0])


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def read_state(conn: Redis) -> tuple[str | None, dict[str, int]]:
    """The kind of the last job taken and each user's last turn."""
    pipe = conn.pipeline()
    pipe.get(LAST_KIND_KEY)
    pipe.hgetall(SERVED_KEY)
    last_kind, served = pipe.execute()
    return (_text(last_kind) if last_kind else None,
            {_text(k): int(v) for k, v in served.items()})


def record_taken(conn: Redis, entry: Entry) -> None:
    """Remember that entry's user was served now and which kind ran."""
    turn = conn.incr(TURN_KEY)
    pipe = conn.pipeline()
    pipe.hset(SERVED_KEY, entry.user, turn)
    pipe.set(LAST_KIND_KEY, entry.kind, ex=STATE_TTL)
    pipe.expire(SERVED_KEY, STATE_TTL)
    pipe.expire(TURN_KEY, STATE_TTL)
    pipe.execute()


# At most `cap` live previews per user: drop the expired, count, add, in one step.
_RESERVE = """
redis.call('ZREMRANGEBYSCORE', KEYS[1], '-inf', ARGV[1])
local held = redis.call('ZCARD', KEYS[1])
if held >= tonumber(ARGV[2]) then return {0, held} end
redis.call('ZADD', KEYS[1], ARGV[3], ARGV[4])
redis.call('EXPIRE', KEYS[1], ARGV[5])
return {1, held + 1}
"""


def reserve_preview(conn: Redis, user: int | str, job_id: str, cap: int, hold_for: float
                    ) -> tuple[bool, int]:
    """Claim one of the user's `cap` preview slots for job_id, for at most hold_for seconds
    (so a web process that died mid-request frees its slots by then). Returns (granted, held):
    held counts the user's live previews, this one included when granted."""
    now = time.time()
    granted, held = conn.eval(_RESERVE, 1, PREVIEWS_KEY.format(user=user), now, cap,
                              now + hold_for, job_id, math.ceil(hold_for) + 60)
    return bool(granted), int(held)


def release_preview(conn: Redis, user: int | str, job_id: str) -> None:
    """Free the slot job_id held (its request has its answer)."""
    conn.zrem(PREVIEWS_KEY.format(user=user), job_id)
