"""Seconds of work per exported second at 720p30, for three demo shaders and each video format.

The render worker's path (render_worker/export.py) with its warm browser: frames drawn by the
player in headless Chromium (SwiftShader), read back as raw pixels and POSTed by the page to the
worker's loopback frame sink, encoded by ffmpeg. The machine's load average is printed with the
results (the numbers mean little on a busy machine). Usage: `.venv/bin/python bench/export.py`
(EXPORT_SECONDS, default 2, sets the length)."""

from __future__ import annotations

import json
import os
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import write_section  # noqa: E402
from _services import bench_app  # noqa: E402

from render_worker import pool  # noqa: E402
from render_worker.export import ExportSpec, render_export  # noqa: E402

ROOT = Path(__file__).resolve().parent.parent
SHADERS = ("plasma", "julia-drift", "sdf-garden")
FORMATS = ("webm", "mp4", "gif")
SECONDS = float(os.environ.get("EXPORT_SECONDS", "2"))


def main() -> None:
    demos = {d["slug"]: d for d in json.loads(
        (ROOT / "fractafrag" / "demo" / "shaders.json").read_text(encoding="utf-8"))}
    results: dict[tuple[str, str], tuple[float, int]] = {}
    load_before = os.getloadavg()
    with bench_app() as app, app.app_context(), tempfile.TemporaryDirectory() as folder:
        renderer = pool.shared_renderer()
        renderer.chromium.browser()
        render_export(renderer, demos["plasma"]["version"],  # warm-up: caches, JIT
                      ExportSpec("webm", 1280, 720, 0.5, 30), Path(folder) / "warm.webm", 600)
        for slug in SHADERS:
            for fmt in FORMATS:
                out = Path(folder) / f"{slug}.{fmt}"
                began = time.perf_counter()
                size = render_export(renderer, demos[slug]["version"],
                                     ExportSpec(fmt, 1280, 720, SECONDS, 30), out, 900)
                results[slug, fmt] = (time.perf_counter() - began, size)
        pool.shutdown()
    load_after = os.getloadavg()

    rows = [f"| {demos[slug]['title']} | " + " | ".join(
        f"{results[slug, fmt][0] / SECONDS:.1f} s ({results[slug, fmt][1] / 2**20:.1f} MiB)"
        for fmt in FORMATS) + " |" for slug in SHADERS]
    body = "\n".join([
        "## Exports (bench/export.py)",
        "",
        f"Seconds of work per exported second, 1280×720 at 30 fps ({SECONDS:g} s exported), "
        "with the render worker's warm browser (SwiftShader WebGL2): frames drawn, read back as "
        "raw pixels, POSTed by the page to the worker's loopback frame sink and encoded by "
        "ffmpeg (VP9 crf 30, H.264 crf 18, palette GIF). File size in brackets. Load average "
        f"(1 min) {load_before[0]:.1f} before, {load_after[0]:.1f} after.",
        "",
        "| shader | " + " | ".join(FORMATS) + " |",
        "|---|" + "---|" * len(FORMATS),
        *rows,
    ])
    write_section("export", body)
    print(body)


if __name__ == "__main__":
    main()
