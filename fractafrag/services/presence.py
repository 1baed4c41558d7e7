"""Who is watching each shader, counted across every web process.

Each shader has a Redis sorted set of Socket.IO sids scored by when they were last seen. A web
process adds its sids on subscribe, removes them on unsubscribe or disconnect, and re-stamps
them every PRESENCE_TTL / 3 seconds; entries older than PRESENCE_TTL belong to a process that
died, and whichever process sweeps next drops them and announces the new count.
"""

from __future__ import annotations

import time

from flask import current_app
from redis.exceptions import RedisError

from fractafrag.extensions import redis
from fractafrag.realtime import broadcast
from fractafrag.realtime.guard import Tally

# Redis failures are counted and logged as one line every few seconds, not one per join.
_failures = Tally()
KEY = "presence:shader:"
WATCHED = "presence:shaders"
SWEEP_LOCK = "presence:sweep"
# A count that changes again within this many seconds is sent once, a moment later, so a crowd
# arriving at one shader does not make everyone in its room receive every step.
COALESCE_SECONDS = 1.0

# Drop entries last seen before ARGV[1] from every watched shader in one round trip; return
# [shader_id, count, …] for the shaders that lost someone.
_SWEEP = """
local changed = {}
for _, id in ipairs(redis.call('SMEMBERS', KEYS[1])) do
  local key = ARGV[2] .. id
  local removed = redis.call('ZREMRANGEBYSCORE', key, '-inf', ARGV[1])
  local left = redis.call('ZCARD', key)
  if left == 0 then redis.call('SREM', KEYS[1], id) end
  if removed > 0 then
    table.insert(changed, id)
    table.insert(changed, left)
  end
end
return changed
"""


def _ttl() -> float:
    return float(current_app.config["PRESENCE_TTL"])


class Presence:
    """This process's viewers of shader rooms and their mirror in Redis."""

    def __init__(self) -> None:
        self.watching: dict[str, set[int]] = {}
        self._last_sent: dict[int, float] = {}
        self._pending: set[int] = set()

    def join(self, sid: str, shader_id: int) -> int | None:
        """Count sid as watching shader_id; return the viewer count (None if Redis is down)."""
        self.watching.setdefault(sid, set()).add(shader_id)
        now = time.time()
        key = KEY + str(shader_id)
        try:
            pipe = redis.pipeline()
            pipe.zadd(key, {sid: now})
            pipe.zremrangebyscore(key, "-inf", now - _ttl())
            pipe.zcard(key)
            pipe.expire(key, int(_ttl() * 2) + 1)
            pipe.sadd(WATCHED, shader_id)
            added, removed, count, _, _ = pipe.execute()
        except RedisError as error:
            _failures.add(f"presence joins not counted ({error})")
            return None
        if added or removed:
            self._changed(shader_id, count)
        return int(count)

    def leave(self, sid: str, shader_id: int) -> None:
        """Stop counting sid as a viewer of shader_id."""
        watched = self.watching.get(sid)
        if watched is None or shader_id not in watched:
            return
        watched.discard(shader_id)
        if not watched:
            del self.watching[sid]
        self._remove([(sid, shader_id)])

    def leave_all(self, sid: str) -> None:
        """Stop counting sid anywhere (it disconnected)."""
        self._remove([(sid, shader_id) for shader_id in self.watching.pop(sid, ())])

    def count(self, shader_id: int) -> int:
        """How many connections, in every process, watch shader_id now."""
        return int(redis.zcount(KEY + str(shader_id), time.time() - _ttl(), "+inf"))

    def _remove(self, pairs: list[tuple[str, int]]) -> None:
        if not pairs:
            return
        try:
            pipe = redis.pipeline()
            for sid, shader_id in pairs:
                pipe.zrem(KEY + str(shader_id), sid)
                pipe.zcard(KEY + str(shader_id))
            results = pipe.execute()
        except RedisError as error:
            _failures.add(f"presence leaves not counted, the sweep will catch up ({error})")
            return
        for (_, shader_id), removed, count in zip(pairs, results[::2], results[1::2],
                                                  strict=True):
            if removed:
                self._changed(shader_id, count)

    def _changed(self, shader_id: int, count: int) -> None:
        now = time.monotonic()
        if now - self._last_sent.get(shader_id, 0.0) >= COALESCE_SECONDS:
            self._last_sent[shader_id] = now
            broadcast.viewers(shader_id, count)
        else:
            self._pending.add(shader_id)

    def flush(self) -> None:
        """Send the counts that changed too soon after the last one; call a few times a second."""
        now = time.monotonic()
        due = [s for s in list(self._pending)
               if now - self._last_sent.get(s, 0.0) >= COALESCE_SECONDS]
        for shader_id in due:
            self._pending.discard(shader_id)
            self._last_sent[shader_id] = now
            broadcast.viewers(shader_id, self.count(shader_id))
        for shader_id in [s for s, t in list(self._last_sent.items()) if now - t > 60]:
            self._last_sent.pop(shader_id, None)

    def heartbeat(self) -> None:
        """Re-stamp this process's viewers, then (one process at a time) sweep the dead ones."""
        now = time.time()
        pairs = [(sid, s) for sid, watched in list(self.watching.items()) for s in list(watched)]
        if pairs:
            pipe = redis.pipeline(transaction=False)
            for sid, shader_id in pairs:
                pipe.zadd(KEY + str(shader_id), {sid: now})
                pipe.expire(KEY + str(shader_id), int(_ttl() * 2) + 1)
            pipe.sadd(WATCHED, *{shader_id for _, shader_id in pairs})
            added = pipe.execute()[:-1:2]
            created = [pair for pair, new in zip(pairs, added, strict=True) if new]
            # A viewer who left while the stamps were in flight was just re-added: undo that.
            ghosts = [(sid, s) for sid, s in created if s not in self.watching.get(sid, ())]
            self._remove(ghosts)
            # Other stamps that re-created an entry (Redis had lost it) change the count.
            for shader_id in {s for sid, s in created if (sid, s) not in ghosts}:
                self._changed(shader_id, self.count(shader_id))
        if redis.set(SWEEP_LOCK, 1, nx=True, px=max(int(_ttl() * 1000 / 3) - 50, 50)):
            self.sweep(now)

    def sweep(self, now: float | None = None) -> None:
        """Drop viewers not seen for PRESENCE_TTL in any process; announce the new counts."""
        cutoff = (now or time.time()) - _ttl()
        changed = redis.conn.register_script(_SWEEP)(keys=[WATCHED], args=[cutoff, KEY])
        for shader_id, count in zip(changed[::2], changed[1::2], strict=True):
            self._changed(int(shader_id), int(count))


def tracker() -> Presence:
    """The current app's presence tracker (one per process)."""
    presence: Presence = current_app.extensions.setdefault("fractafrag.presence", Presence())
    return presence
