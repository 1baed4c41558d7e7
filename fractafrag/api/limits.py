"""The caller's address for per-address rate limits; the limits themselves are in
services.ratelimit (one place for API views, page forms and services)."""

from __future__ import annotations

from flask import request

from fractafrag.services.ratelimit import enforce

__all__ = ["client_ip", "enforce"]


def client_ip() -> str:
    """The caller's address (ProxyFix has already applied trusted X-Forwarded-For)."""
    return request.remote_addr or "unknown"
