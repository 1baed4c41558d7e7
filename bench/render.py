"""Seconds per render job with the warm browser vs a browser launched per job; memory drift."""

from __future__ import annotations

import os
import statistics
import sys
import time
from pathlib import Path

import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import write_section  # noqa: E402
from _services import bench_app  # noqa: E402

from fractafrag.extensions import db  # noqa: E402
from fractafrag.jobs.render import render_shader  # noqa: E402
from fractafrag.models import Shader  # noqa: E402
from fractafrag.services import renders  # noqa: E402
from fractafrag.services.demo import seed_demo  # noqa: E402
from render_worker import pool  # noqa: E402

MEMORY_JOBS = int(os.environ.get("MEMORY_JOBS", "200"))


def tree_rss() -> int:
    """Resident memory of this process and every child (Chromium's processes)."""
    me = psutil.Process()
    return sum(p.memory_info().rss for p in [me, *me.children(recursive=True)])


def run_job(shader: Shader) -> float:
    renders.rerender([shader.id])
    began = time.perf_counter()
    outcome = render_shader(shader.id, shader.current_version)
    elapsed = time.perf_counter() - began
    assert outcome == "rendered", (shader.title, outcome, shader.render_error)
    return elapsed


def main() -> None:
    with bench_app() as app, app.app_context():
        seed_demo()
        shaders = list(db.session.query(Shader).order_by(Shader.id))
        pool.shared_renderer().chromium.browser()
        for shader in shaders:  # warm-up pass: caches, JIT
            run_job(shader)
        warm = {s.title: run_job(s) for s in shaders}
        cold = {}
        for shader in shaders:
            pool.shutdown()  # the next job launches its own browser, as without a warm one
            cold[shader.title] = run_job(shader)
        pool.shutdown()

        pool.shared_renderer().chromium.browser()
        for shader in shaders[:5]:
            run_job(shader)
        baseline = tree_rss()
        for index in range(MEMORY_JOBS):
            run_job(shaders[index % len(shaders)])
        after = tree_rss()
        launches = pool.shared_renderer().chromium.launches
        pool.shutdown()

    rows = [f"| {title} | {warm[title]:.2f} s | {cold[title]:.2f} s |" for title in warm]
    warm_median, cold_median = statistics.median(warm.values()), statistics.median(cold.values())
    growth = (after - baseline) / baseline * 100
    body = "\n".join([
        "## Render jobs (bench/render.py)",
        "",
        "`render_shader` on each demo shader: 30 preview frames at 320×180 (10 fps, 3 s) and a "
        "512×288 thumbnail in headless Chromium (SwiftShader WebGL2), WebP encoding and "
        "storage included. Warm: the worker's one browser; cold: a browser launched for the job.",
        "",
        "| shader | warm | cold |",
        "|---|---|---|",
        *rows,
        f"| **median** | **{warm_median:.2f} s** | **{cold_median:.2f} s** |",
        "",
        f"Warm is {cold_median / warm_median:.1f}× faster than a browser per job (median), "
        f"{sum(cold.values()) / sum(warm.values()):.1f}× over the whole set.",
        "",
        f"Memory of the worker and its Chromium: {baseline / 2**20:.0f} MiB after 5 jobs, "
        f"{after / 2**20:.0f} MiB after {MEMORY_JOBS} more ({growth:+.1f} %); the browser was "
        f"launched {launches} time(s) in that run.",
    ])
    write_section("render", body)
    print(body)


if __name__ == "__main__":
    main()
