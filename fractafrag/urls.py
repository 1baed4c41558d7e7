"""Absolute URLs of this site, for links that leave it: canonical and Open Graph tags, Stripe's
return addresses.

With FRACTAFRAG_PUBLIC_URL set (e.g. https://shaders.example.org) they are built on it, so a
forged Host header cannot put another site into them; without it (a local `fractafrag up`)
they follow the request's host.
"""

from __future__ import annotations

from typing import Any

from flask import current_app, request, url_for


def site_root() -> str:
    """The site's base URL without a trailing slash."""
    configured = current_app.config.get("PUBLIC_URL") or ""
    return configured.rstrip("/") if configured else request.host_url.rstrip("/")


def public_url(endpoint: str, **values: Any) -> str:
    """url_for(endpoint, **values) as an absolute URL on the site's public address."""
    return site_root() + url_for(endpoint, **values)
