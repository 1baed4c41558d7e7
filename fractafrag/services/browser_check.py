"""The browser is the judge: where glslang is stricter than Chromium's WebGL2 (ANGLE), a refusal
is confirmed by compiling in a real browser before it stands.

glslang refuses a few things every browser compiles, chiefly constant initialisers built from
built-in functions it does not fold (`const mat2 T = transpose(R);` at global scope: "global
const initializers must be constant"; inside a function: "'non-constant initializer' : not
supported with this profile: es"). The same messages also come for real errors (a constant
made from a uniform, or from a user function), so they cannot simply be ignored.

When every error of a version is one of KNOWN_STRICTER, the version is handed to the render
worker's compile checker (render_worker/compile_check.py: a warm Chromium that only compiles,
loading the version into static/js/player.js exactly as the player does) through Redis: a
request pushed on REQUESTS_KEY, the answer on a reply key. If the browser compiles and links
every pass, the version is valid; if it refuses, glslang's errors stand. The bounds:

- only for those messages, after glslang (the compile budget, slots and rate limits of
  services/compile_gate.py and the API apply first, unchanged);
- the web waits at most COMPILE_CONFIRM_SECONDS (the worker drops a request past that due
  time, and kills its browser past it while compiling);
- at most COMPILE_CONFIRM_MAX_QUEUED requests wait at once, site-wide, each giving its web
  slot back while it waits; none is sent unless a checker said it is alive (ALIVE_KEY) in the
  last few seconds, or says it is starting (STARTING_KEY: right after `fractafrag up` its
  Chromium is still launching; waited for up to STARTUP_WAIT): otherwise (and when Redis is
  down or the answer is late) the refusal stands, saying the browser check could not be made.
"""

from __future__ import annotations

import contextlib
import json
import math
import re
import time
import uuid
from typing import Any

from flask import current_app
from redis import Redis
from redis.exceptions import RedisError

from fractafrag.services.shader_format import GlslError

REQUESTS_KEY = "fractafrag:compile-check:requests"
REPLY_KEY = "fractafrag:compile-check:reply:{id}"
ALIVE_KEY = "fractafrag:compile-check:alive"
ALIVE_TTL = 10  # seconds a checker's heartbeat lasts; it beats every ALIVE_TTL / 4
ALIVE_POLL = 0.25  # how often a request waiting for a checker's first heartbeat looks again
STARTING_KEY = "fractafrag:compile-check:starting"
STARTING_TTL = 60  # a checker still not alive this long after saying it starts is not waited for
STARTUP_WAIT = 20.0  # seconds a request waits for a starting checker's first heartbeat
WAITERS_KEY = "fractafrag:compile-check:waiters"
WAITERS_TTL = 120
REPLY_TTL = 30

# glslang messages for code ANGLE may accept. Anything else is refused without asking.
KNOWN_STRICTER = (
    re.compile(r"^'=' : global const initializers must be constant\b"),
    re.compile(r"^'non-constant initializer' : not supported with this profile: es$"),
)
UNCONFIRMED = (" (glslang is stricter than browsers here, and the browser check that would "
               "settle it could not be made just now: try again in a moment)")


def stricter_only(errors: list[GlslError]) -> bool:
    """Whether errors is non-empty and each is a message where glslang is stricter than ANGLE."""
    return bool(errors) and all(any(p.search(e.message) for p in KNOWN_STRICTER)
                                for e in errors)


def confirm(common: str, passes: list[dict[str, Any]], errors: list[GlslError],
            conn: Redis | None = None) -> list[GlslError]:
    """glslang's errors for a version, judged by the browser where glslang is stricter: [] when
    every error is KNOWN_STRICTER and Chromium compiles the version; the errors otherwise (with a
    note when the browser could not be asked in time)."""
    if not stricter_only(errors):
        return errors
    config = current_app.config
    if conn is None:
        from fractafrag.extensions import redis

        conn = redis.conn
    verdict = ask_browser(conn, {"common": common, "passes": passes},
                          float(config["COMPILE_CONFIRM_SECONDS"]),
                          int(config["COMPILE_CONFIRM_MAX_QUEUED"]))
    if verdict is None:
        return [GlslError(e.pass_name, e.line, e.message + UNCONFIRMED) for e in errors]
    return [] if verdict else errors


def ask_browser(conn: Redis, version: dict[str, Any], timeout: float, max_queued: int
                ) -> bool | None:
    """True when the compile checker's Chromium compiles and links version, False when it
    refuses it, None when no checker answered within timeout seconds (none alive or starting,
    too many waiting, Redis down, or too slow).

    At most max_queued requests wait at once, site-wide (WAITERS_KEY counts them), and while
    waiting a request gives its web slot back (offload.waiting). A checker that is starting
    (STARTING_KEY: its Chromium is being launched, just after `fractafrag up`) is waited for
    up to STARTUP_WAIT seconds, then the request has its usual timeout."""
    from fractafrag.offload import waiting

    request_id = uuid.uuid4().hex
    reply_key = REPLY_KEY.format(id=request_id)
    counted = False
    try:
        if not conn.exists(ALIVE_KEY) and not conn.exists(STARTING_KEY):
            return None
        pipe = conn.pipeline()
        pipe.incr(WAITERS_KEY)
        pipe.expire(WAITERS_KEY, WAITERS_TTL)
        waiters, _ = pipe.execute()
        counted = True
        if int(waiters) > max_queued or conn.llen(REQUESTS_KEY) >= max_queued:
            return None
        with waiting():
            started = time.monotonic() + STARTUP_WAIT
            while not conn.exists(ALIVE_KEY):
                if time.monotonic() > started or not conn.exists(STARTING_KEY):
                    return None
                time.sleep(ALIVE_POLL)
            deadline = time.monotonic() + timeout
            conn.rpush(REQUESTS_KEY, json.dumps(
                {"id": request_id, "version": version, "due": time.time() + timeout}))
            while (left := deadline - time.monotonic()) > 0:
                # Short waits: the connection's socket timeout (3 s) must not cut a long BLPOP.
                item = conn.blpop([reply_key], timeout=max(0.1, min(1.0, left)))
                if item is not None:
                    answer = json.loads(item[1])
                    return None if answer.get("ok") is None else bool(answer["ok"])
    except (RedisError, ValueError):
        return None
    finally:
        if counted:
            with contextlib.suppress(RedisError):
                conn.decr(WAITERS_KEY)
    return None


def starting(conn: Redis) -> None:
    """A checker launching its browser: requests wait for its first heartbeat meanwhile."""
    conn.set(STARTING_KEY, "1", ex=STARTING_TTL)


def compile_check_request(raw: bytes | str) -> tuple[str, dict[str, Any], float] | None:
    """(id, version, due epoch seconds) of a queued request; None when malformed."""
    try:
        request = json.loads(raw)
        version = request["version"]
        if not isinstance(version, dict) or not isinstance(version.get("passes"), list):
            return None
        return str(request["id"]), version, float(request["due"])
    except (ValueError, KeyError, TypeError):
        return None


def reply(conn: Redis, request_id: str, ok: bool | None, errors: list[Any] | None = None) -> None:
    """Answer a request: ok True (compiles), False (refused, with the browser's errors), or
    None (could not tell)."""
    key = REPLY_KEY.format(id=request_id)
    pipe = conn.pipeline()
    pipe.rpush(key, json.dumps({"ok": ok, "errors": errors or []}))
    pipe.expire(key, REPLY_TTL)
    pipe.execute()


def beat(conn: Redis) -> None:
    """A checker's heartbeat: requests are sent only while one is recent."""
    conn.set(ALIVE_KEY, "1", ex=math.ceil(ALIVE_TTL))


def validate(common: str, passes: list[dict[str, Any]], publishing: bool = False
             ) -> list[GlslError]:
    """compile_gate.validate (glslang within the site's bounds), then confirm: what /validate
    and publishing use."""
    from fractafrag.services import compile_gate

    errors = compile_gate.validate(common, passes, publishing=publishing)
    return confirm(common, passes, errors)
