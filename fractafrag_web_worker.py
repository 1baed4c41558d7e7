"""gunicorn's gevent worker, with the open connections shared evenly between the workers.

Several workers of one gunicorn accept from one listening socket, and whichever wakes first
takes the connection. Under a crowd that split is lumpy: 200 keep-alive clients arriving at
once were measured here as 141 connections on one worker and 59 on the other, and a
connection stays on its worker for all its requests, so the crowded worker's requests waited
2.7 times as long. Here each worker publishes its open-connection count in memory shared by
all the workers of the master (mapped before the fork), checks it before every accept, and
stops accepting while it holds more than the least loaded live worker (by a small slack); the
others take the new connections meanwhile. gunicorn's own guard against one worker taking a
burst (one accept per wake-up) is lifted: the check does that job, and a busy worker that
accepts one connection per turn of its event loop took seconds to let a crowd in.

A worker whose event loop stalls stops updating its heartbeat and no longer counts, so the
others never wait on it. With one worker (compose runs one per container) nothing changes.

    gunicorn -k fractafrag_web_worker.BalancedGeventWorker -w 2 wsgi:app

It lives outside the fractafrag package: gunicorn's master imports the worker class, and
importing the package there (Flask, Redis, aiohttp, ...) before a worker's gevent patching
made every worker warn that ssl was patched too late.
"""

from __future__ import annotations

import mmap
import os
import struct
import time
from typing import Any

import gevent
from gunicorn import util
from gunicorn.http import wsgi
from gunicorn.workers import ggevent

SLOTS = 64                    # worker entries in the shared table (gunicorn's age modulo this)
ENTRY = struct.Struct("=iid")  # pid, open connections, heartbeat (monotonic seconds)
HEARTBEAT_SECONDS = 0.05       # how often each worker re-publishes while it accepts
PAUSED_CHECK_SECONDS = 0.002   # how often a paused worker looks whether it may accept again
SLACK = 4                      # connections a worker may hold above the least loaded one...
SLACK_SHARE = 32               # ...or 1/32 of that one's count, when more (fewer hand-overs)
ACCEPT_BATCH = 16              # connections one wake-up may accept (each checked first)
STALE_SECONDS = 0.5            # a worker silent this long is left out of the comparison

# Anonymous shared memory, created when gunicorn's master imports this worker class, so every
# worker it forks sees the same table.
_table = mmap.mmap(-1, SLOTS * ENTRY.size)


class _TrackedServer(ggevent.StreamServer):
    """gevent's StreamServer that counts its connections for the worker and asks it before
    each accept, so a burst of arrivals is taken in batches yet split evenly."""

    worker: BalancedGeventWorker | None = None

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.worker is not None:
            self.worker.servers.append(self)

    # gunicorn sets 1 with several workers, so no worker takes a whole burst; the balance
    # check before each accept does that job, and one wake-up may take a batch.
    @property
    def max_accept(self) -> int:
        return ACCEPT_BATCH

    @max_accept.setter
    def max_accept(self, _value: int) -> None:
        pass

    def do_read(self) -> Any:
        worker = self.worker
        if worker is not None and not worker.may_accept():
            worker.pause()
            return None
        accepted = super().do_read()
        if accepted and worker is not None:
            worker.opened()
        return accepted

    def do_close(self, *args: Any) -> None:
        try:
            super().do_close(*args)
        finally:
            if self.worker is not None:
                self.worker.closed()


class _Gathered:
    """Stands in for the socket while a response's first write is gathered."""

    def __init__(self) -> None:
        self.parts: list[bytes] = []

    def sendall(self, data: bytes) -> None:
        self.parts.append(data)


class OneWriteResponse(wsgi.Response):
    """gunicorn's response, with its head and the first part of its body sent in one write.

    gunicorn writes the head, then the body: two sends, each waking the client over the
    loopback, and the head's send alone was ~4 % of a web process's CPU under a crowd (py-spy).
    Fractafrag's answers are one part (JSON, a page), so most now go out in one send."""

    def write(self, arg: bytes) -> None:
        if self.headers_sent or not arg:
            super().write(arg)
            return
        sock, gathered = self.sock, _Gathered()
        self.sock = gathered
        try:
            super().write(arg)
        finally:
            self.sock = sock
        if gathered.parts:
            sock.sendall(b"".join(gathered.parts))


_http_date = util.http_date
_date = (0, "")


def http_date(timestamp: float | None = None) -> str:
    """gunicorn's Date header, formatted once a second (email.utils is slow at it)."""
    global _date
    if timestamp is not None:
        return _http_date(timestamp)
    now = int(time.time())
    if _date[0] != now:
        _date = (now, _http_date(now))
    return _date[1]


class BalancedGeventWorker(ggevent.GeventWorker):
    """A gevent worker that takes new connections only while it holds no more than the others
    (plus SLACK)."""

    def init_process(self) -> None:
        self.slot = self.age % SLOTS
        self.connections = 0
        self.accepting = True
        self.servers: list[ggevent.StreamServer] = []
        self._publish()
        # run() builds its servers from this module attribute; they report to this worker.
        _TrackedServer.worker = self
        ggevent.StreamServer = _TrackedServer
        # Responses are built from these module attributes too (this worker process only).
        wsgi.Response = OneWriteResponse
        util.http_date = http_date
        super().init_process()

    def run(self) -> None:
        gevent.spawn(self._heartbeat)
        super().run()

    def may_accept(self) -> bool:
        """Whether this worker holds no more connections than the least loaded other one (plus
        the slack; the share keeps a burst of thousands from being handed over a few at a
        time, each hand-over waiting for the paused worker's next check)."""
        fewest = fewest_elsewhere(self.slot)
        return fewest is None or self.connections <= fewest + max(SLACK, fewest // SLACK_SHARE)

    def opened(self) -> None:
        self.connections += 1
        self._publish()

    def closed(self) -> None:
        self.connections -= 1
        self._publish()
        if not self.accepting and self.may_accept():
            self.resume()

    def handle_request(self, *args: Any) -> Any:
        try:
            return super().handle_request(*args)
        finally:
            # A busy worker's heartbeat comes late; its requests end every few milliseconds.
            if not self.accepting and self.may_accept():
                self.resume()

    def pause(self) -> None:
        """Stop accepting (the others take new connections) until the heartbeat resumes it."""
        self.accepting = False
        for server in self.servers:
            server.stop_accepting()

    def resume(self) -> None:
        self.accepting = True
        for server in self.servers:
            if not server.closed:
                server.start_accepting()

    def _publish(self) -> None:
        ENTRY.pack_into(_table, self.slot * ENTRY.size, os.getpid(), self.connections,
                        time.monotonic())

    def _heartbeat(self) -> None:
        while self.alive:
            self._publish()
            if not self.accepting and self.may_accept():
                self.resume()
            gevent.sleep(HEARTBEAT_SECONDS if self.accepting else PAUSED_CHECK_SECONDS)


def fewest_elsewhere(slot: int, now: float | None = None) -> int | None:
    """The fewest open connections of the other live workers (None when there are none)."""
    now = time.monotonic() if now is None else now
    fewest = None
    me = os.getpid()
    for index in range(SLOTS):
        if index == slot:
            continue
        pid, connections, beat = ENTRY.unpack_from(_table, index * ENTRY.size)
        if pid in (0, me) or now - beat > STALE_SECONDS:
            continue
        fewest = connections if fewest is None else min(fewest, connections)
    return fewest
