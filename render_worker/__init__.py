"""Headless Chromium renderer: thumbnails and animated previews of shader versions."""
