"""Who is in each jam's room now, across every web process (a Redis sorted set per jam).

Members are `<sid>|<user id or 0>` scored by when they were last seen; each process re-stamps
its own every PRESENCE_TTL / 3 seconds, so entries of a process that died age out.
"""

from __future__ import annotations

import time

from flask import current_app
from redis.exceptions import RedisError

from fractafrag.extensions import redis
from fractafrag.realtime.guard import Tally

KEY = "jam:online:"
_failures = Tally()


def _ttl() -> float:
    return float(current_app.config["PRESENCE_TTL"])


def _member(sid: str, user_id: int | None) -> str:
    return f"{sid}|{user_id or 0}"


def enter(jam_id: int, sid: str, user_id: int | None) -> None:
    """Count the connection sid (signed in as user_id, or not) as in the jam's room."""
    stamp(jam_id, [(sid, user_id)])


def stamp(jam_id: int, members: list[tuple[str, int | None]]) -> None:
    """Mark these connections as in the room now (joins, and the heartbeat)."""
    if not members:
        return
    key = KEY + str(jam_id)
    now = time.time()
    try:
        pipe = redis.pipeline(transaction=False)
        pipe.zadd(key, {_member(sid, user_id): now for sid, user_id in members})
        pipe.expire(key, int(_ttl() * 2) + 1)
        pipe.execute()
    except RedisError as error:
        _failures.add(f"jam presence not stamped ({error})")


def leave(jam_id: int, sid: str, user_id: int | None) -> None:
    """Stop counting the connection in the jam's room."""
    try:
        redis.zrem(KEY + str(jam_id), _member(sid, user_id))
    except RedisError as error:
        _failures.add(f"jam presence leave not counted, it ages out ({error})")


def present(jam_id: int) -> list[int | None]:
    """The user of each connection in the room now (None for a signed-out watcher)."""
    key = KEY + str(jam_id)
    try:
        members = redis.zrangebyscore(key, time.time() - _ttl(), "+inf")
    except RedisError as error:
        _failures.add(f"jam presence not read ({error})")
        return []
    users: list[int | None] = []
    for member in members:
        text = member.decode() if isinstance(member, bytes) else str(member)
        user = int(text.rpartition("|")[2] or 0)
        users.append(user or None)
    return users
