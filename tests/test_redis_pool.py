"""The app's Redis pool hands out only clean connections, and checks them without the hub."""

from __future__ import annotations

import select
import time


def test_a_pooled_connection_left_with_an_unread_reply_is_not_reused(app) -> None:
    from fractafrag.extensions import redis

    with app.app_context():
        pool = redis.conn.connection_pool
        dirty = pool.get_connection()
        dirty.send_command("PING")  # its reply is never read
        pool.release(dirty)
        time.sleep(0.05)  # the reply has arrived
        redis.conn.set("pool:check", "mine")
        assert redis.conn.get("pool:check") == b"mine", "no command read another's reply"


def test_the_pool_check_is_the_operating_systems_poll(app, monkeypatch) -> None:
    """gevent replaces select.poll in the web processes; the check must not go through it."""
    from fractafrag.extensions import redis

    def hub_poll() -> None:
        raise AssertionError("select.poll was used for a zero-timeout check")

    with app.app_context():
        redis.conn.ping()  # a pooled connection exists
        monkeypatch.setattr(select, "poll", hub_poll)
        for _ in range(3):
            assert redis.conn.ping()


def test_a_check_that_may_wait_is_left_to_redis_py(monkeypatch) -> None:
    from fractafrag import extensions

    seen = []
    monkeypatch.setattr(extensions, "_redis_socket_can_read",
                        lambda sock, wait: seen.append(wait) or False)
    assert extensions._socket_can_read(object(), 0.01) is False
    assert seen == [0.01]
