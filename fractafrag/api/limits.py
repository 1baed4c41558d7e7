"""Apply the configured rate limits in views: 429 with Retry-After when over."""

from __future__ import annotations

from flask import current_app, request

from fractafrag.errors import abort
from fractafrag.services.ratelimit import hit, parse_limit


def client_ip() -> str:
    """The caller's address (ProxyFix has already applied trusted X-Forwarded-For)."""
    return request.remote_addr or "unknown"


def enforce(setting: str, identity: str, what: str) -> None:
    """Count a hit against the limit named by setting (e.g. RATELIMIT_LOGIN_IP) for identity."""
    if not current_app.config["RATELIMIT_ENABLED"]:
        return
    limit = parse_limit(current_app.config[setting])
    retry_after = hit(f"{setting}:{identity}", limit)
    if retry_after is not None:
        abort(
            429,
            f"Too many {what}: at most {limit.count} per {limit.seconds} s. "
            f"Try again in {retry_after} s.",
            headers={"Retry-After": str(retry_after)},
        )
