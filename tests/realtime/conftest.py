"""Real web processes (gunicorn -k gevent -w 1) on the test servers, and recording clients."""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests
import socketio

from tests.processes import WebProcess


@pytest.fixture(scope="package")
def web_pair(app, service_urls: dict[str, str]) -> Iterator[tuple[WebProcess, WebProcess]]:
    """Two web processes on the same PostgreSQL and Redis."""
    pair = (WebProcess(service_urls, "a"), WebProcess(service_urls, "b"))
    try:
        for process in pair:
            process.wait_ready()
        yield pair
    finally:
        for process in pair:
            process.terminate()
        for process in pair:
            process.stop()


@pytest.fixture
def web(web_pair: tuple[WebProcess, WebProcess]) -> WebProcess:
    """One real web process."""
    return web_pair[0]


@pytest.fixture
def spare_web(app, service_urls: dict[str, str]) -> Iterator[Callable[[], WebProcess]]:
    """Start extra web processes for one test (for killing); stopped afterwards."""
    started: list[WebProcess] = []

    def start() -> WebProcess:
        started.append(WebProcess(service_urls, f"spare{len(started)}"))
        return started[-1].wait_ready()

    yield start
    for process in started:
        process.stop()


class Listener:
    """A python-socketio client that records every event it receives, in order."""

    def __init__(self, transport: str, http_session: requests.Session | None = None) -> None:
        self.transport = transport
        # http_session: the requests.Session long-polling uses (e.g. bound to an address).
        self.sio = socketio.Client(reconnection=False, http_session=http_session)
        self.events: list[tuple[str, Any]] = []
        self.seen = 0
        self.cond = threading.Condition()
        self.sio.on("*", self._record)
        self.sio.on("disconnect", lambda *_: self._record("__disconnected__", None))

    def _record(self, event: str, data: Any = None) -> None:
        with self.cond:
            self.events.append((event, data))
            self.cond.notify_all()

    def connect(self, url: str, token: str | None = None,
                headers: dict[str, str] | None = None) -> Listener:
        """Connect over this listener's transport only."""
        self.sio.connect(url, transports=[self.transport], auth={"token": token} if token else None,
                         headers=headers or {}, wait_timeout=10)
        return self

    def call(self, event: str, data: Any = None) -> Any:
        """Emit and wait for the server's ack."""
        return self.sio.call(event, data, timeout=10)

    def subscribe(self, room: str) -> dict[str, Any]:
        """Join a room; fail unless the server says ok."""
        answer = self.call("subscribe", {"room": room})
        assert answer["ok"], answer
        return answer

    def next(self, event: str, match: Callable[[Any], bool] = lambda _: True,
             timeout: float = 10) -> Any:
        """The next not-yet-consumed `event` that matches; skips everything before it."""
        deadline = time.monotonic() + timeout
        with self.cond:
            while True:
                for index in range(self.seen, len(self.events)):
                    name, data = self.events[index]
                    if name == event and match(data):
                        self.seen = index + 1
                        return data
                left = deadline - time.monotonic()
                if left <= 0:
                    raise AssertionError(f"no {event!r} within {timeout} s; got {self.events}")
                self.cond.wait(left)

    def names(self) -> list[str]:
        """Event names received so far."""
        with self.cond:
            return [name for name, _ in self.events]

    def close(self) -> None:
        """Disconnect if still connected."""
        if self.sio.connected:
            self.sio.disconnect()


@pytest.fixture
def listen() -> Iterator[Callable[[str], Listener]]:
    """Make listeners that are all disconnected after the test."""
    made: list[Listener] = []

    def make(transport: str, http_session: requests.Session | None = None) -> Listener:
        made.append(Listener(transport, http_session))
        return made[-1]

    yield make
    for listener in made:
        listener.close()
