"""RQ worker that runs every job inside the Flask app context."""

from __future__ import annotations

import logging

from flask import current_app
from rq import Worker

from fractafrag.extensions import redis


class AppWorker(Worker):
    """An RQ worker whose jobs see the app's config, database session and Redis."""

    def __init__(self, *args, app=None, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.app = app

    def perform_job(self, job, queue) -> bool:
        """Run one job in an app context and release its DB session afterwards."""
        with self.app.app_context():
            return super().perform_job(job, queue)


def run_worker(queue_names: list[str]) -> None:
    """Work the named queues until SIGTERM (a warm shutdown finishes the current job)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    app = current_app._get_current_object()
    worker = AppWorker(queue_names, connection=redis.conn, app=app)
    worker.work(with_scheduler=False)
