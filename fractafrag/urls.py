"""Absolute URLs of this site, for links that leave it: canonical and Open Graph tags, Stripe's
return addresses.

With FRACTAFRAG_PUBLIC_URL set (e.g. https://shaders.example.org) they are built on it, so a
forged Host header cannot put another site into them; without it (a local `fractafrag up`)
they follow the request's host.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping
from contextlib import contextmanager
from typing import Any
from urllib.parse import urlsplit

from flask import current_app, g, request, url_for

# Stands for the request's own site root in a page built once for every visitor (the shader
# page's cache) when no FRACTAFRAG_PUBLIC_URL fixes it: replaced as the page is served.
ROOT_PLACEHOLDER = "\x00root\x00"


def site_root() -> str:
    """The site's base URL without a trailing slash (ROOT_PLACEHOLDER while a page shared by
    every visitor is built, `shared_root`)."""
    configured = current_app.config.get("PUBLIC_URL") or ""
    if configured:
        return configured.rstrip("/")
    return ROOT_PLACEHOLDER if g.get("shared_root") else request.host_url.rstrip("/")


@contextmanager
def shared_root() -> Iterator[None]:
    """Build absolute URLs on ROOT_PLACEHOLDER meanwhile (a page for every visitor)."""
    g.shared_root = True
    try:
        yield
    finally:
        g.shared_root = False


def public_url(endpoint: str, **values: Any) -> str:
    """url_for(endpoint, **values) as an absolute URL on the site's public address."""
    return site_root() + url_for(endpoint, **values)


def same_site_origins(environ: Mapping[str, Any], public: str = "") -> set[str]:
    """The Origins a page of this site sends: scheme://Host of the request as it arrived (port
    included), as a proxy forwarded it (X-Forwarded-Proto/-Host), and FRACTAFRAG_PUBLIC_URL's."""
    origins: set[str] = set()
    scheme = environ.get("wsgi.url_scheme", "http")
    host = environ.get("HTTP_HOST", "")
    if host:
        origins.add(f"{scheme}://{host}")
        forwarded_scheme = environ.get("HTTP_X_FORWARDED_PROTO", scheme).split(",")[0].strip()
        forwarded_host = environ.get("HTTP_X_FORWARDED_HOST", host).split(",")[0].strip()
        origins.add(f"{forwarded_scheme}://{forwarded_host}")
    if public:
        parts = urlsplit(public)
        if parts.scheme and parts.netloc:
            origins.add(f"{parts.scheme}://{parts.netloc}")
    return origins


def socket_origin_check(public: str) -> Callable[[str | None, Mapping[str, Any]], bool]:
    """Engine.IO's cors_allowed_origins: a browser's Socket.IO must come from this site."""

    def allowed(origin: str | None, environ: Mapping[str, Any]) -> bool:
        return origin is not None and origin.rstrip("/") in same_site_origins(environ, public)

    return allowed
