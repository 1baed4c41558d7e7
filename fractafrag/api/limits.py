"""The caller's address, for per-address rate limits (the limits: services.ratelimit)."""

from __future__ import annotations

from flask import request


def client_ip() -> str:
    """The caller's address (ProxyFix has already applied trusted X-Forwarded-For)."""
    return request.remote_addr or "unknown"
