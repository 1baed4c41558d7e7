"""`python -m render_worker`: the RQ worker of the `render` queue (then `export`), with one warm
Chromium."""

from __future__ import annotations

import logging
import threading

from flask import Flask
from redis import Redis

from fractafrag import create_app
from fractafrag.embedded import exit_with_supervisor
from fractafrag.extensions import redis
from render_worker.compile_check import CompileChecker
from render_worker.fair import RenderWorker
from render_worker.pool import kill_browser, shared_renderer, shutdown
from render_worker.priority import run_in_background

log = logging.getLogger("render_worker")
SWEEP_EVERY = 30.0


def _sweeper(app, stop: threading.Event) -> None:
    from fractafrag.jobs.export import sweep_exports
    from fractafrag.jobs.render import sweep_renders

    while not stop.wait(SWEEP_EVERY):
        for name, sweep in (("render", sweep_renders), ("export", sweep_exports)):
            try:
                with app.app_context():
                    sweep()
            except Exception:  # noqa: BLE001 - a failed sweep must not end the worker
                log.exception("%s sweep failed", name)


def redis_for(app: Flask) -> Redis:
    """The app's Redis client (thread-safe; the checker thread uses it outside a request)."""
    with app.app_context():
        return redis.conn


def main() -> None:
    """Launch Chromium, start the sweeper, and work the render queue until SIGTERM."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    app = create_app()
    # Under `fractafrag up`: when `up` dies (even by SIGKILL), this worker and its Chromium go.
    checker = CompileChecker(redis_for(app), app.config["CHROMIUM"],
                             budget=app.config["COMPILE_CONFIRM_SECONDS"])

    def kill_browsers() -> None:
        kill_browser()
        checker.kill_process()

    exit_with_supervisor(cleanup=kill_browsers)
    niceness = run_in_background(app.config["RENDER_NICE"])
    log.info("rendering at nice %d", niceness)
    stop = threading.Event()
    try:
        with app.app_context():
            shared_renderer().chromium.browser()  # warm before the first job arrives
            checker.start()  # browser confirmations for the web (services/browser_check)
            from fractafrag.jobs.render import sweep_renders

            sweep_renders()
            threading.Thread(target=_sweeper, args=(app, stop), daemon=True).start()
            # Exports after renders: a publication or a test render never waits behind the
            # export queue (only behind the one export in hand, under FRACTAFRAG_EXPORT_TIMEOUT).
            worker = RenderWorker(["render", "export"], connection=redis.conn)
            worker.app = app
            worker.work(with_scheduler=False, logging_level=app.config["LOG_LEVEL"])
    finally:
        stop.set()
        checker.stop()
        shutdown()


if __name__ == "__main__":
    main()
