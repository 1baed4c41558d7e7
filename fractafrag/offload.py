"""Work that must not hold the gevent hub runs on gevent's native thread pool.

The web process serves every request on one event loop; a call that keeps the CPU for more than
a few milliseconds (argon2, a big diff, Markdown, waiting on a compiler) would freeze all of
them. `off_hub` hands such a call to a real OS thread and lets the hub serve others meanwhile.
Outside gevent (tests in threading mode, workers, the CLI) it simply calls the function.
"""

from __future__ import annotations

from collections import deque
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

T = TypeVar("T")


def under_gevent() -> bool:
    """True in a process whose sockets gevent has patched (the web process)."""
    try:
        from gevent import monkey
    except ImportError:  # pragma: no cover - gevent is a dependency
        return False
    return monkey.is_module_patched("socket")


def off_hub(function: Callable[..., T], *args: Any, timeout: float | None = None,
            **kwargs: Any) -> T:
    """Run function(*args, **kwargs) on a pool thread and wait for it cooperatively.

    With a timeout, raises TimeoutError when the answer takes longer (the thread finishes in
    the background; only use it for calls that end by themselves). The pool is gevent's, so at
    most its size (10 by default) of these run at once; more wait their turn.
    """
    if not under_gevent():
        return function(*args, **kwargs)
    import gevent
    from gevent import get_hub

    with waiting():
        pending = get_hub().threadpool.spawn(function, *args, **kwargs)
        try:
            return pending.get(timeout=timeout)
        except gevent.Timeout as expired:
            raise TimeoutError(f"gave up after {timeout} s") from expired


class FifoSlots:
    """A counting semaphore that serves waiters strictly in arrival order.

    gevent's Semaphore lets a newcomer take a slot that was just released before the waiter it
    was meant for wakes up; under a steady stream of requests that barging made some requests
    wait twice as long as their neighbours. Here a released slot goes straight to the oldest
    waiter, and a newcomer only takes a free slot when nobody waits.
    """

    def __init__(self, limit: int) -> None:
        from gevent.event import Event

        self._turn = Event
        self.free = limit
        self.waiters: deque[Any] = deque()

    def acquire(self) -> None:
        """Take a slot, waiting behind everyone who came earlier."""
        if self.free > 0 and not self.waiters:
            self.free -= 1
            return
        turn = self._turn()
        self.waiters.append(turn)
        try:
            turn.wait()
        except BaseException:
            # Gone while waiting (killed, timed out): leave the line, or pass on a slot that
            # was already handed over.
            if turn.is_set():
                self.release()
            else:
                self.waiters.remove(turn)
            raise

    def release(self) -> None:
        """Give a slot back: to the oldest waiter when there is one."""
        if self.waiters:
            self.waiters.popleft().set()
        else:
            self.free += 1


class RequestSlots:
    """WSGI middleware: at most `limit` HTTP requests of this process are served at once; the
    others wait their turn (first come, first served). Socket.IO traffic is not counted.

    Under a crowd, gevent would otherwise run hundreds of requests interleaved: each takes the
    whole crowd's time to finish and holds its database connection all along, so the pool runs
    dry and cheap requests queue behind it. A few at a time finish in their own time. A request
    waiting for something slow and bounded (the thread pool, the compiler) gives its slot back
    meanwhile (`waiting`), so such requests cannot fill the slots and stall the site, and then
    finishes without queueing again.
    """

    def __init__(self, wsgi_app: Callable[..., Any], limit: int) -> None:
        self.wsgi_app = wsgi_app
        self.limit = limit
        self.slots = FifoSlots(limit)
        self.holders: set[Any] = set()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if environ.get("PATH_INFO", "").startswith("/socket.io"):
            return self.wsgi_app(environ, start_response)
        from gevent import getcurrent

        current = getcurrent()
        self.slots.acquire()
        self.holders.add(current)
        try:
            return self.wsgi_app(environ, start_response)
        finally:
            if current in self.holders:
                self.holders.discard(current)
                self.slots.release()


_slots: RequestSlots | None = None


def limit_requests(wsgi_app: Callable[..., Any], limit: int) -> Callable[..., Any]:
    """Wrap this process's WSGI app in RequestSlots (only under gevent, and when limit > 0)."""
    global _slots
    if limit <= 0 or not under_gevent():
        return wsgi_app
    _slots = RequestSlots(wsgi_app, limit)
    return _slots


@contextmanager
def waiting() -> Iterator[None]:
    """Give the current request's slot back while it waits for something slow and bounded.

    The request then carries on without queueing again: it has had its turn, and what it waits
    for is bounded (the compiler slots, the thread pool), so at most that many requests run
    past the limit, briefly. Queueing again would make it wait for the crowd twice."""
    slots = _slots
    if slots is None:
        yield
        return
    from gevent import getcurrent

    current = getcurrent()
    if current not in slots.holders:
        yield
        return
    slots.holders.discard(current)
    slots.slots.release()
    yield
