"""gunicorn's gevent worker, with the open connections shared evenly between the workers.

Several workers of one gunicorn accept from one listening socket, and whichever wakes first
takes the connection. Under a crowd that split is lumpy: 200 keep-alive clients arriving at
once were measured here as 141 connections on one worker and 59 on the other, and a
connection stays on its worker for all its requests, so the crowded worker's requests waited
2.7 times as long. Here each worker publishes its open-connection count in memory shared by
all the workers of the master (mapped before the fork), and stops accepting while it holds more
than the least loaded live worker (by a small slack); the others take the new connections meanwhile.

A worker whose event loop stalls stops updating its heartbeat and no longer counts, so the
others never wait on it. With one worker (compose runs one per container) nothing changes.

    gunicorn -k fractafrag.web_worker.BalancedGeventWorker -w 2 wsgi:app
"""

from __future__ import annotations

import mmap
import os
import struct
import time
from typing import Any

import gevent
from gunicorn.workers import ggevent

SLOTS = 64                    # worker entries in the shared table (gunicorn's age modulo this)
ENTRY = struct.Struct("=iid")  # pid, open connections, heartbeat (monotonic seconds)
HEARTBEAT_SECONDS = 0.05       # how often each worker re-publishes while it accepts
PAUSED_CHECK_SECONDS = 0.005   # how often a paused worker looks whether it may accept again
SLACK = 2                      # connections a worker may hold above the least loaded one
STALE_SECONDS = 0.5            # a worker silent this long is left out of the comparison

# Anonymous shared memory, created when gunicorn's master imports this worker class, so every
# worker it forks sees the same table.
_table = mmap.mmap(-1, SLOTS * ENTRY.size)


class _TrackedServer(ggevent.StreamServer):
    """gevent's StreamServer, remembered by the worker so it can pause and resume accepting."""

    servers: list[ggevent.StreamServer] = []

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        _TrackedServer.servers.append(self)


class BalancedGeventWorker(ggevent.GeventWorker):
    """A gevent worker that takes new connections only while it holds no more than the others.
    """

    def init_process(self) -> None:
        self.slot = self.age % SLOTS
        self.connections = 0
        self.accepting = True
        self._publish()
        # run() builds its servers from this module attribute; they register themselves.
        ggevent.StreamServer = _TrackedServer
        super().init_process()

    def run(self) -> None:
        gevent.spawn(self._heartbeat)
        super().run()

    def handle(self, listener: Any, client: Any, addr: Any) -> None:
        self.connections += 1
        self._rebalance()
        try:
            super().handle(listener, client, addr)
        finally:
            self.connections -= 1
            self._rebalance()

    def _publish(self) -> None:
        ENTRY.pack_into(_table, self.slot * ENTRY.size, os.getpid(), self.connections,
                        time.monotonic())

    def _heartbeat(self) -> None:
        while self.alive:
            self._rebalance()
            gevent.sleep(HEARTBEAT_SECONDS if self.accepting else PAUSED_CHECK_SECONDS)

    def _rebalance(self) -> None:
        self._publish()
        fewest = fewest_elsewhere(self.slot)
        accept = fewest is None or self.connections <= fewest + SLACK
        if accept == self.accepting:
            return
        self.accepting = accept
        for server in _TrackedServer.servers:
            if server.closed:
                continue
            if accept:
                server.start_accepting()
            else:
                server.stop_accepting()


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
