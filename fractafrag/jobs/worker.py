"""RQ workers that run every job inside the Flask app context."""

from __future__ import annotations

import contextlib
import logging
import os
from typing import Any

from flask import Flask, current_app
from rq import SimpleWorker
from sqlalchemy import Engine, event

from fractafrag import embedded
from fractafrag.extensions import redis

BACKEND_NICE = 10  # the most a worker's database backends are niced


class AppContextMixin:
    """Run each job in an app context, so it sees config, the DB session and Redis."""

    app: Flask

    def perform_job(self, *args, **kwargs) -> bool:
        """Run one job in an app context; the DB session is released afterwards."""
        with self.app.app_context():
            return super().perform_job(*args, **kwargs)

    @property
    def dequeue_timeout(self) -> int:
        """Wait for a job 1 s at a time: RQ's default wait (~400 s) outlasts the app's Redis
        socket timeout (3 s), which RQ takes for a lost connection and backs off up to 60 s,
        so an idle worker would start the next job a minute late."""
        return 1

    def unsubscribe(self) -> None:
        """Stop the command listener (the pubsub thread) first, then unsubscribe.

        RQ unsubscribes first and then calls the thread's stop(), which since redis-py 8 joins
        the thread with no timeout. The unsubscribe reply wakes the thread; when it sees that
        reply before stop() has cleared its running flag, it loops into get_message(timeout=60),
        which, unsubscribed, waits 60 s for a subscription that never comes: a SIGTERMed worker
        outlived the job in hand by up to a minute (more likely when the worker is niced on a
        busy machine). Clearing the flag before the reply can arrive makes the thread leave
        right after it."""
        thread = getattr(self, "pubsub_thread", None)
        if thread is None:
            return
        self.log.info("Worker %s: unsubscribing from channel %s", self.name,
                      self.pubsub_channel_name)
        try:
            thread.stop(timeout=0)  # clears the running flag; the join below waits
        except TypeError:  # redis-py before 8: stop() only clears the flag
            thread.stop()
        if thread.is_alive():
            self.pubsub.unsubscribe()  # the reply wakes the thread's blocking read; it exits
        thread.join(timeout=5)
        self.pubsub.close()


class AppSimpleWorker(AppContextMixin, SimpleWorker):
    """Runs jobs in its own process: state such as a warm browser, the sentence model and the
    pooled database connections survives between jobs.

    RQ's default Worker forks a work horse per job; measured under bench/load.py that cost the
    default queue 64 % of a core (a fork, a fresh database connection and the app's imports
    warmed again for each taste and style vector update) on a 2-core machine, CPU the web
    process was waiting for. Jobs still get their timeouts (SIGALRM in this process).
    """


def nice_database_backends(engine: Engine) -> None:
    """Run this process's PostgreSQL backends at its own priority, where the server runs on
    this machine and lets us.

    A niced worker's queries run in PostgreSQL backends at full priority (each backend is its
    own process): under a crowd, the feed refresh jobs a publish sets off took PostgreSQL CPU
    the web's own queries were waiting for. With `fractafrag up` the embedded server is ours;
    elsewhere (another user's server, another host) this does nothing. At most BACKEND_NICE:
    a job's transaction may hold a row a vote waits for, and nice 19 would starve it.

    Where the kernel groups processes by session for scheduling (autogroup, on by default in
    Debian's kernels), a process's nice only orders it within its session, and every
    PostgreSQL backend starts a session of its own: a niced backend still weighed as much as
    all the web processes together. Its session's nice is set too (/proc/<pid>/autogroup).
    """
    mine = min(os.getpriority(os.PRIO_PROCESS, 0), BACKEND_NICE)
    if mine <= 0:
        return

    @event.listens_for(engine, "connect")
    def _renice(dbapi_connection: Any, _record: Any) -> None:
        with contextlib.suppress(Exception):  # not ours, not here, or not allowed: leave it
            cursor = dbapi_connection.cursor()
            cursor.execute("SELECT pg_backend_pid(), inet_server_addr() IS NULL")
            pid, local_socket = cursor.fetchone()
            cursor.close()
            if local_socket:  # reached over a unix socket: the server runs on this machine
                os.setpriority(os.PRIO_PROCESS, pid, mine)
                embedded.nice_session(mine, pid)


def run_worker(queue_names: list[str]) -> None:
    """Work the named queues until SIGTERM (a warm shutdown finishes the current job)."""
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(name)s %(message)s")
    from fractafrag.embedded import exit_with_supervisor
    from fractafrag.extensions import db

    exit_with_supervisor()  # under `fractafrag up`: no orphan when `up` is killed
    nice_database_backends(db.engine)
    worker = AppSimpleWorker(queue_names, connection=redis.conn)
    worker.app = current_app._get_current_object()
    fallback = current_app.config.get("DESIRE_EMBEDDER_FALLBACK")
    if fallback and "default" in queue_names:
        logging.getLogger("fractafrag.desires").warning("desire board: %s", fallback)
    # The scheduler moves jobs queued for later (taste refreshes) onto their queue when due.
    # RQ's per-job lines at the app's level (WARNING under `fractafrag up`), not RQ's INFO.
    worker.work(with_scheduler=True, logging_level=current_app.config["LOG_LEVEL"])
