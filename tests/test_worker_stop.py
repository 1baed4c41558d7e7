"""A worker stops promptly: its command listener (RQ's pubsub thread) never holds up a warm
shutdown (tests/test_faults.py stops a real worker with SIGTERM; this pins the cause)."""

from __future__ import annotations

import time

from flask import Flask


def test_the_command_listener_stops_at_once_even_when_it_reads_the_reply_first(app: Flask):
    from fractafrag.extensions import redis
    from fractafrag.jobs.worker import AppSimpleWorker

    with app.app_context():
        worker = AppSimpleWorker(["default"], connection=redis.conn)
        worker.app = app
        worker.subscribe()
        deadline = time.monotonic() + 5
        while not worker.pubsub.subscribed:
            assert time.monotonic() < deadline, "never subscribed"
            time.sleep(0.01)
        send = worker.pubsub.unsubscribe

        def unsubscribe_then_lag(*args):
            # The listener reads the reply and loops again before the worker goes on (what a
            # busy, niced worker does): RQ's own order then waits out get_message(timeout=60).
            answer = send(*args)
            until = time.monotonic() + 5
            while worker.pubsub.subscribed and time.monotonic() < until:
                time.sleep(0.01)
            time.sleep(0.3)
            return answer

        worker.pubsub.unsubscribe = unsubscribe_then_lag
        began = time.monotonic()
        worker.unsubscribe()
        took = time.monotonic() - began
    assert not worker.pubsub_thread.is_alive()
    assert took < 3, f"the listener held the shutdown up for {took:.1f} s"
