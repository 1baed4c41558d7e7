"""API keys for scripts and agents: `ff_…` secrets shown once, stored as SHA-256 and a prefix.

A key acts for its owner with the scopes it was given: `read` for GET/HEAD requests, `write` for
everything that changes something. Its use is counted against a per-key rate limit, and
`last_used_at` is updated at most once a minute (a Redis flag keeps it off the hot path).
"""

from __future__ import annotations

import hashlib
import secrets
from datetime import UTC, datetime

import sqlalchemy as sa

from fractafrag.extensions import db, redis
from fractafrag.models import ApiKey, User
from fractafrag.models.apikey import SCOPES
from fractafrag.services import NotFound, ServiceError

PREFIX = "ff_"
MAX_KEYS = 25
TOUCH_SECONDS = 60


class KeyRefused(ServiceError):
    """The key is unknown, revoked, or lacks the scope."""

    status = 401


def hash_key(secret: str) -> str:
    """The stored form of a key."""
    return hashlib.sha256(secret.encode()).hexdigest()


def create_key(user_id: int, name: str, scopes: list[str]) -> tuple[ApiKey, str]:
    """A new key for user; returns the row and the secret (never stored, shown once)."""
    wanted = list(dict.fromkeys(scopes or ["read"]))
    unknown = [s for s in wanted if s not in SCOPES]
    if unknown:
        raise ServiceError(f"Unknown scope {unknown[0]!r}; scopes are read and write.",
                           {"scopes": [f"Choose from: {', '.join(SCOPES)}."]})
    active = db.session.scalars(sa.select(sa.func.count()).select_from(ApiKey).where(
        ApiKey.user_id == user_id, ApiKey.revoked_at.is_(None))).one()
    if active >= MAX_KEYS:
        raise ServiceError(f"At most {MAX_KEYS} active keys; revoke one first.",
                           {"name": [f"You already have {active} active keys."]}, status=409)
    secret = PREFIX + secrets.token_urlsafe(32)
    key = ApiKey(user_id=user_id, name=name.strip(), prefix=secret[:10], scopes=wanted,
                 key_hash=hash_key(secret))
    db.session.add(key)
    db.session.commit()
    return key, secret


def list_keys(user_id: int) -> list[ApiKey]:
    """The user's keys, newest first (revoked ones too, marked)."""
    return list(db.session.scalars(sa.select(ApiKey).where(ApiKey.user_id == user_id)
                                   .order_by(ApiKey.id.desc())))


def revoke_key(user_id: int, key_id: int) -> ApiKey:
    """Revoke one of the user's keys at once; revoking twice is harmless."""
    key = db.session.get(ApiKey, key_id)
    if key is None or key.user_id != user_id:
        raise NotFound("No such key.")
    if key.revoked_at is None:
        key.revoked_at = datetime.now(UTC)
        db.session.commit()
    return key


def authenticate(secret: str, method: str, open_to_anyone: bool = False) -> tuple[User, ApiKey]:
    """The user a key acts for on a request of this HTTP method, or KeyRefused saying why.
    open_to_anyone: a write anonymous callers may make too (validate, dwell), which a read key
    may make."""
    if not secret.startswith(PREFIX):
        raise KeyRefused("X-API-Key must be a Fractafrag key (ff_…).")
    key = db.session.scalar(sa.select(ApiKey).where(ApiKey.key_hash == hash_key(secret)))
    if key is None:
        raise KeyRefused("This API key is not known; check it, or create one in Settings.")
    if key.revoked_at is not None:
        raise KeyRefused("This API key was revoked; create a new one in Settings.")
    needed = "read" if method in ("GET", "HEAD", "OPTIONS") or open_to_anyone else "write"
    if needed not in key.scopes:
        raise ServiceError(f"This API key lacks the {needed!r} scope.",
                           {"X-API-Key": [f"Give the key the {needed} scope."]}, status=403)
    if redis.set(f"apikey:touched:{key.id}", "1", nx=True, ex=TOUCH_SECONDS):
        db.session.execute(sa.update(ApiKey).where(ApiKey.id == key.id)
                           .values(last_used_at=sa.func.now()))
        db.session.commit()
    user = db.session.get(User, key.user_id)
    if user is None:
        raise KeyRefused("The account of this API key no longer exists.")
    return user, key
