"""RQ workers that run every job inside the Flask app context."""

from __future__ import annotations

import logging

from flask import Flask, current_app
from rq import SimpleWorker, Worker

from fractafrag.extensions import redis


class AppContextMixin:
    """Run each job in an app context, so it sees config, the DB session and Redis."""

    app: Flask

    def perform_job(self, *args, **kwargs) -> bool:
        """Run one job in an app context; the DB session is released afterwards."""
        with self.app.app_context():
            return super().perform_job(*args, **kwargs)


class AppWorker(AppContextMixin, Worker):
    """Forks a work horse per job: isolation for the default queue."""


class AppSimpleWorker(AppContextMixin, SimpleWorker):
    """Runs jobs in its own process: state such as a warm browser survives between jobs."""


def run_worker(queue_names: list[str]) -> None:
    """Work the named queues until SIGTERM (a warm shutdown finishes the current job)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    worker = AppWorker(queue_names, connection=redis.conn)
    worker.app = current_app._get_current_object()
    worker.work(with_scheduler=False)
