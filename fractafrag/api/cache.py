"""Micro-caching of public answers that are the same for every caller (trending)."""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from functools import wraps
from typing import Any

from flask import Response, request
from redis.exceptions import RedisError

from fractafrag.extensions import redis

log = logging.getLogger(__name__)
KEPT_HEADERS = ("Content-Type", "X-Pagination")


def shared_for(seconds: float) -> Callable:
    """Serve the same answer to everyone for `seconds`: one computation per URL and period."""

    def decorator(view: Callable) -> Callable:
        @wraps(view)
        def wrapper(*args: Any, **kwargs: Any) -> Response:
            key = "answer:" + request.full_path
            try:
                cached = redis.get(key)
            except RedisError:
                cached = None
            if cached:
                stored = json.loads(cached)
                return Response(stored["body"], 200, stored["headers"])
            response = view(*args, **kwargs)
            if response.status_code == 200:
                headers = {h: response.headers[h] for h in KEPT_HEADERS if h in response.headers}
                try:
                    redis.set(key, json.dumps({"body": response.get_data(as_text=True),
                                               "headers": headers}), px=int(seconds * 1000))
                except RedisError as error:
                    log.warning("answer not cached: %s", error)
            return response

        return wrapper

    return decorator
