"""Micro-caching of public answers that are the same for every caller (trending).

An answer is shared through Redis, so every web process serves the same copy, and each
process also keeps the copies it has seen in memory until they stop being fresh: while fresh
the in-memory copy is the very one Redis holds, so serving it changes nothing for callers and
saves a round trip and a JSON decode on a hot path.
"""

from __future__ import annotations

import json
import logging
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Response, request
from redis.exceptions import RedisError

from fractafrag.extensions import redis
from fractafrag.offload import SingleFlight

log = logging.getLogger(__name__)
KEPT_HEADERS = ("Content-Type", "X-Pagination")
STALE_FACTOR = 12   # a stale copy is still served (while one caller refreshes) this many periods
KEPT_LIMIT = 256    # fresh answers one process keeps in memory (distinct searches are many)
_builds = SingleFlight()
_kept: dict[str, dict[str, Any]] = {}  # key -> the stored answer, while fresh


def _keep(key: str, stored: dict[str, Any]) -> None:
    if len(_kept) >= KEPT_LIMIT:
        now = time.time()
        for old in [k for k, v in _kept.items() if v["fresh_until"] <= now]:
            del _kept[old]
        while len(_kept) >= KEPT_LIMIT:
            del _kept[next(iter(_kept))]
    _kept[key] = stored


def forget_kept() -> None:
    """Drop this process's in-memory copies (Redis's stay): tests that empty Redis, or move
    the clock past an answer's period, call it."""
    _kept.clear()


def shared_for(seconds: float, when: Callable[[], bool] | None = None) -> Callable:
    """Serve the same answer to everyone for `seconds`; then one caller refreshes it while the
    others keep getting the previous copy, so an expiry never makes every request recompute.
    With `when`, only requests for which it answers True share (the others are computed)."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Response:
            if when is not None and not when():
                return view(*args, **kwargs)
            key = "answer:" + request.full_path
            kept = _kept.get(key)
            if kept is not None and time.time() < kept["fresh_until"]:
                return Response(kept["body"], 200, kept["headers"])
            try:
                cached = redis.get(key)
                if cached:
                    stored = json.loads(cached)
                    fresh = time.time() < stored["fresh_until"]
                    if fresh:
                        _keep(key, stored)
                    if fresh or not redis.set(key + ":refresh", 1, nx=True, ex=10):
                        return Response(stored["body"], 200, stored["headers"])
            except RedisError:
                pass

            def build() -> tuple[int, dict[str, Any], str]:
                response = view(*args, **kwargs)
                body = response.get_data(as_text=True)
                headers = {h: response.headers[h] for h in KEPT_HEADERS if h in response.headers}
                if response.status_code == 200:
                    stored = {"body": body, "headers": headers,
                              "fresh_until": time.time() + seconds}
                    _keep(key, stored)
                    try:
                        pipe = redis.pipeline()
                        pipe.set(key, json.dumps(stored), px=int(seconds * STALE_FACTOR * 1000))
                        pipe.delete(key + ":refresh")
                        pipe.execute()
                    except RedisError as error:
                        log.warning("answer not cached: %s", error)
                return response.status_code, headers, body

            # Callers that missed together share one computation of the answer.
            status, headers, body = _builds.run(key, build)
            return Response(body, status, headers)

        return wrapper

    return decorator
