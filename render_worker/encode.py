"""Turn captured PNG frames into a WebP thumbnail and an animated WebP preview."""

from __future__ import annotations

import io

from PIL import Image

from render_worker.capture import Captured

THUMBNAIL_QUALITY = 85
PREVIEW_QUALITY = 75
# libwebp effort 0-6: 2 encodes 30 frames several times faster than 4 for slightly larger files.
PREVIEW_METHOD = 2


def _image(png: bytes) -> Image.Image:
    return Image.open(io.BytesIO(png)).convert("RGB")


def encode_thumbnail(captured: Captured) -> bytes:
    """The thumbnail frame as a still WebP."""
    out = io.BytesIO()
    _image(captured.thumbnail).save(out, format="WEBP", quality=THUMBNAIL_QUALITY, method=4)
    return out.getvalue()


def encode_preview(captured: Captured, fps: float | None = None,
                   size: tuple[int, int] = (320, 180)) -> bytes:
    """The preview frames as a looping animated WebP that an <img> plays, at fps (default:
    the captured preview's frame rate); with no preview frame (the budget ended after the
    thumbnail), the thumbnail scaled to `size` as a one-frame WebP."""
    frames = [_image(data) for data in captured.preview]
    if not frames:
        frames = [_image(captured.thumbnail).resize(size, Image.Resampling.LANCZOS)]
    rate = captured.preview_fps if fps is None else fps
    out = io.BytesIO()
    frames[0].save(out, format="WEBP", save_all=True, append_images=frames[1:],
                   duration=round(1000 / rate) if rate > 0 else 1000, loop=0,
                   quality=PREVIEW_QUALITY, method=PREVIEW_METHOD)
    return out.getvalue()
