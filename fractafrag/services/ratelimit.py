"""Fixed-window rate limits counted in Redis, shared by every web process.

Why not Flask-Limiter (issue 23 asked: use the library or write down why not). It was weighed
against what this module does today, and kept out for these reasons, each checked in the code:

- The rule lives with the action, not the route. Limits are counted inside services
  (`count_community_write` in comments, desires, playlists, follows and moderation;
  RATELIMIT_MEDIA in media) or by one named helper every door calls (`count_new_shader` from the
  API's publish, fork and import and from the /new page form), so one counter holds whichever
  door the action comes through.
  Flask-Limiter's unit is a route (decorators, blueprints, defaults per endpoint) checked before
  the view; sharing would mean a `shared_limit` scope repeated on every route that can lead to
  the action, and a forgotten route is an unlimited one.
- Keys that exist only halfway through a request. The per-account sign-in bucket is the
  account's id found from what was typed (username or email, any case, share one bucket:
  `account_bucket`); the API-key limit is keyed by the key's id once `apikeys.authenticate` has
  found it (`auth._api_key_user`, on every /api/ request carrying a key); /validate picks the
  per-address or the per-account limit by whether the caller is signed in; a code edit counts
  against RATELIMIT_VERSION but a metadata edit does not. Flask-Limiter's `key_func` takes no
  arguments and reads the request; its context-manager form could run mid-view, but each call
  site would then build closures and translate its exception, which is this module again.
- Shared budgets across purposes: checking a current password outside sign-in (PATCH
  /users/me, the settings form, deleting the account) spends the sign-in buckets per address
  and per account (`count_password_check`), so guesses there and at the login form share one.
- A policy per limit while Redis is down: votes, publishing, new versions and validation go
  through uncounted (`without_redis`: they are built to work without Redis, and the monthly
  quota or the site's compile slots still bound them); everything else, sign-in first, answers
  503 naming Redis (tests/test_faults.py checks both). Flask-Limiter has one `swallow_errors`
  switch for the whole extension, or an in-memory fallback that counts per process and forgets
  on restart.
- The answer's shape: ServiceError's JSON (`code`, `status`, `message`, and `errors` naming
  `current_password` for password checks), a message with the count, the window, the wait and,
  for community writes, the setting (`(limit RATELIMIT_COMMENT)`), the same message on the HTML
  forms, which re-render with a 429, and `Retry-After` in seconds on every one of them (the MCP
  bridge relays it to the agent). Flask-Limiter raises werkzeug's TooManyRequests ("10 per 5
  minute"), which would need translating back into all of that.
- Settings: FRACTAFRAG_RATELIMIT_* accept '10/5min', '100/1h', '5/30s' (`parse_limit`); the
  `limits` grammar Flask-Limiter uses only knows second/minute/hour/day/month/year, so every
  deployed value would need rewriting or this parser kept anyway.
- Cost per check: one round trip (SET NX EX and INCR in one pipeline) on the app's own Redis
  client and pool. That happens on every vote (a tenth of issue 19's crowd mix) and on every request
  that carries an API key (the MCP bridge's, when it has one). Flask-Limiter's hit is also one
  round trip, but the `RateLimit-*` headers that are its main gain read the window back after
  the view (a second round trip per request), it runs a before_request resolution on every
  request, and it is configured with a storage URI of its own beside the app's Redis client.

What is given up: a fixed window lets a client spend up to twice a limit across a window's
edge (these limits guard against abuse; none is a quota, the monthly quota lives in
PostgreSQL), and no `RateLimit-*` headers on successful answers (a 429 always says when to come
back). A sliding window could be added here in the same one round trip if that edge matters.
The Socket.IO per-connection event limit (SOCKET_EVENTS_PER_10S, realtime/handlers.py) is not
counted here: it is per connection, in memory, and answered with an `error` event.
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass

from flask import current_app
from redis.exceptions import RedisError

from fractafrag.extensions import redis
from fractafrag.services import ServiceError

log = logging.getLogger(__name__)

_UNITS = {"s": 1, "sec": 1, "min": 60, "m": 60, "h": 3600, "hour": 3600, "d": 86400, "day": 86400}
_SPEC = re.compile(r"^\s*(\d+)\s*/\s*(\d*)\s*([a-z]+)\s*$")


@dataclass(frozen=True)
class Limit:
    """At most `count` hits per `seconds`."""

    count: int
    seconds: int


def parse_limit(spec: str) -> Limit:
    """Parse '10/5min', '30/min', '100/1h' or '5/30s' into a Limit."""
    match = _SPEC.match(spec.lower())
    if not match or match.group(3) not in _UNITS:
        raise ValueError(f"bad rate limit {spec!r}: write it like '10/5min' or '100/1h'")
    count, amount, unit = int(match.group(1)), int(match.group(2) or 1), match.group(3)
    return Limit(count=count, seconds=amount * _UNITS[unit])


def hit(bucket: str, limit: Limit) -> int | None:
    """Count one hit in bucket; return seconds to wait when over the limit, else None."""
    now = time.time()
    window = int(now // limit.seconds)
    key = f"rl:{bucket}:{limit.seconds}:{window}"
    pipe = redis.pipeline()
    pipe.set(key, 0, ex=limit.seconds + 1, nx=True)
    pipe.incr(key)
    _, count = pipe.execute()
    if count <= limit.count:
        return None
    return max(int((window + 1) * limit.seconds - now) + 1, 1)


class RateLimited(ServiceError):
    """Over a rate limit: 429 with Retry-After."""

    status = 429


def enforce(setting: str, identity: str, what: str, without_redis: bool = False) -> None:
    """Count a hit against the limit named by setting (e.g. RATELIMIT_LOGIN_IP) for identity;
    raise RateLimited (429, Retry-After) when over. Nothing is counted with limits off.

    The counters live in Redis: while it is down the request fails with a 503 naming Redis,
    unless without_redis lets it through uncounted: votes and publishing live in PostgreSQL and
    are built to work without Redis (publishing is still bounded by the monthly quota).
    """
    if not current_app.config["RATELIMIT_ENABLED"]:
        return
    limit = parse_limit(current_app.config[setting])
    try:
        retry_after = hit(f"{setting}:{identity}", limit)
    except RedisError as error:
        if not without_redis:
            raise
        log.warning("rate limit %s not counted, Redis is unavailable: %s", setting, error)
        return
    if retry_after is not None:
        raise RateLimited(
            f"Too many {what}: at most {limit.count} per {limit.seconds} s. "
            f"Try again in {retry_after} s.",
            headers={"Retry-After": str(retry_after)},
        )


def count_new_shader(user_id: int) -> None:
    """One new shader (publish, fork, import) against RATELIMIT_PUBLISH; works without Redis
    (publishing does, and the monthly quota in PostgreSQL still bounds it)."""
    enforce("RATELIMIT_PUBLISH", str(user_id), "new shaders", without_redis=True)


def count_new_version(user_id: int) -> None:
    """One new version (a code edit, a restore) against RATELIMIT_VERSION; works without Redis."""
    enforce("RATELIMIT_VERSION", str(user_id), "new versions", without_redis=True)


COMMUNITY_LIMITS = {"desire": ("RATELIMIT_DESIRE", "new desires"),
                    "comment": ("RATELIMIT_COMMENT", "new comments"),
                    "playlist": ("RATELIMIT_PLAYLIST", "new playlists"),
                    "report": ("RATELIMIT_REPORT", "reports"),
                    "follow": ("RATELIMIT_FOLLOW", "follows")}


def count_community_write(kind: str, user_id: int) -> None:
    """One new desire, comment, playlist, report or follow (kind) by user_id against its
    per-account limit (RATELIMIT_DESIRE, …): 429 with Retry-After naming the setting."""
    setting, what = COMMUNITY_LIMITS[kind]
    try:
        enforce(setting, str(user_id), what)
    except RateLimited as refused:
        raise RateLimited(f"{refused.message} (limit {setting})", headers=refused.headers
                          ) from None


def account_bucket(user_id: int | None, typed: str) -> str:
    """The per-account sign-in bucket: the account's id whatever was typed (username or email,
    any case); for a login that names no account, what was typed."""
    return f"user:{user_id}" if user_id is not None else "unknown:" + typed.strip().lower()


def count_sign_in(user_id: int | None, typed: str, ip: str) -> None:
    """One sign-in attempt against RATELIMIT_LOGIN_IP (per address) and RATELIMIT_LOGIN_ACCOUNT
    (per account: its username and its email share one bucket)."""
    enforce("RATELIMIT_LOGIN_IP", ip, "sign-in attempts from this address")
    enforce("RATELIMIT_LOGIN_ACCOUNT", account_bucket(user_id, typed),
            "sign-in attempts for this account")


def count_password_check(user_id: int, ip: str) -> None:
    """A check of an account's current password outside sign-in (changing the password or
    email): counted against the sign-in limits, per address and per account, so guesses there
    share the budget of guesses at the sign-in form. Refused (503) while Redis is down."""
    try:
        count_sign_in(user_id, "", ip)
    except RateLimited as refused:
        raise RateLimited(refused.message, {"current_password": [refused.message]},
                          headers=refused.headers) from None
