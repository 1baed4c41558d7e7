"""The render worker's one warm renderer, shared by every job in the process."""

from __future__ import annotations

from flask import current_app

from render_worker.browser import Chromium
from render_worker.capture import Renderer

_renderer: Renderer | None = None


def shared_renderer() -> Renderer:
    """The process's renderer, created (and its browser launched) on first use."""
    global _renderer
    if _renderer is None:
        config = current_app.config
        _renderer = Renderer(Chromium(config["CHROMIUM"]), timeout=config["RENDER_TIMEOUT"])
    return _renderer


def shutdown() -> None:
    """Close the browser (worker exit)."""
    global _renderer
    if _renderer is not None:
        _renderer.chromium.close()
        _renderer = None


def kill_browser() -> None:
    """SIGKILL the browser's process group at once, if one runs; safe from any thread."""
    if _renderer is not None:
        _renderer.chromium.kill_process()
