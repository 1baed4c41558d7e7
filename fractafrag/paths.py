"""Where the bundled templates, static files and migrations live, installed or in a checkout."""

from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent


def bundled_dir(name: str) -> Path:
    """Return templates/, static/ or migrations/ inside the wheel, else at the repository top."""
    inside = PACKAGE_DIR / name
    if inside.is_dir():
        return inside
    return PACKAGE_DIR.parent / name
