"""Password policy and hashing (argon2id at OWASP's recommended parameters).

A hash or a verification keeps a core busy for tens of milliseconds: both run on gevent's thread
pool (`offload.off_hub`; argon2-cffi releases the GIL), never on the web process's event loop.
"""

from __future__ import annotations

import gzip
from functools import lru_cache

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from fractafrag.offload import off_hub
from fractafrag.paths import PACKAGE_DIR

MIN_LENGTH = 8
MAX_LENGTH = 128

# OWASP Password Storage Cheat Sheet: argon2id, m=19 MiB, t=2, p=1.
_hasher = PasswordHasher(time_cost=2, memory_cost=19 * 1024, parallelism=1)


@lru_cache(maxsize=1)
def common_passwords() -> frozenset[str]:
    """The 20,000 most common passwords (list from Royce Williams, via Django; BSD)."""
    path = PACKAGE_DIR / "data" / "common-passwords.txt.gz"
    with gzip.open(path, "rt", encoding="utf-8") as handle:
        return frozenset(line.strip() for line in handle if line.strip())


def password_problem(password: str, username: str = "", email: str = "") -> str | None:
    """Say what is wrong with a new password, or None when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return f"Password must be at least {MIN_LENGTH} characters."
    if len(password) > MAX_LENGTH:
        return f"Password must be at most {MAX_LENGTH} characters."
    lowered = password.lower()
    if lowered in common_passwords():
        return "This password is one of the most common passwords; choose another."
    if username and lowered == username.lower():
        return "Password must not be the same as the username."
    if email and lowered == email.lower():
        return "Password must not be the same as the email address."
    return None


def hash_password(password: str) -> str:
    """Hash a password with argon2id (off the event loop)."""
    return off_hub(_hasher.hash, password)


def _verify(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def verify_password(password_hash: str, password: str) -> bool:
    """True when password matches the stored hash (checked off the event loop)."""
    return off_hub(_verify, password_hash, password)


def needs_rehash(password_hash: str) -> bool:
    """True when the hash was made with weaker parameters than today's."""
    return _hasher.check_needs_rehash(password_hash)


@lru_cache(maxsize=1)
def dummy_hash() -> str:
    """A hash to verify against when an account does not exist, so timing does not tell."""
    return hash_password("fractafrag-timing-equaliser")
