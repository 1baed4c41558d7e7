"""Rendered images on disk, named by content hash, served at /renders/…."""

from __future__ import annotations

import hashlib
import os
from pathlib import Path

from flask import current_app


def renders_dir() -> Path:
    """The folder holding every rendered image (shared by web and render workers)."""
    return Path(current_app.config["DATA_DIR"]) / "renders"


def store(data: bytes, extension: str) -> str:
    """Write data once under its SHA-256 name and return its URL path."""
    digest = hashlib.sha256(data).hexdigest()
    relative = f"{digest[:2]}/{digest}.{extension}"
    path = renders_dir() / relative
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        temporary = path.with_suffix(f".{os.getpid()}.tmp")
        temporary.write_bytes(data)
        temporary.replace(path)  # atomic: a reader never sees half a file
    return f"/renders/{relative}"
