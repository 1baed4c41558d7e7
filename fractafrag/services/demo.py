"""Seed the demo shaders written for Fractafrag (once) under a `fractafrag` account."""

from __future__ import annotations

import json
import secrets
from typing import Any

import sqlalchemy as sa

from fractafrag.extensions import db
from fractafrag.models import User
from fractafrag.paths import PACKAGE_DIR
from fractafrag.services import passwords, shaders

DEMO_USERNAME = "fractafrag"


def demo_catalog() -> list[dict[str, Any]]:
    """The demo shaders shipped in fractafrag/demo/shaders.json."""
    catalog: list[dict[str, Any]] = json.loads(
        (PACKAGE_DIR / "demo" / "shaders.json").read_text())
    return catalog


def seed_demo() -> int:
    """Create the demo account and its shaders unless they exist; return how many were made."""
    exists = db.session.scalar(sa.select(User.id).where(User.username == DEMO_USERNAME))
    if exists is not None:
        return 0
    # A Pro account with an unguessable password: the demo content is not someone's login.
    user = User(username=DEMO_USERNAME, email="demo@fractafrag.invalid",
                password_hash=passwords.hash_password(secrets.token_urlsafe(32)),
                display_name="Fractafrag demos", tier="pro")
    db.session.add(user)
    db.session.commit()
    for entry in demo_catalog():
        meta = {key: entry[key] for key in ("title", "description", "tags", "license")}
        meta["visibility"] = "public"
        shaders.create_shader(user.id, meta, entry["version"])
    return len(demo_catalog())
