"""Work that must not hold the gevent hub runs on gevent's native thread pool.

The web process serves every request on one event loop; a call that keeps the CPU for more than
a few milliseconds (argon2, a big diff, Markdown, waiting on a compiler) would freeze all of
them. `off_hub` hands such a call to a real OS thread and lets the hub serve others meanwhile.
Outside gevent (tests in threading mode, workers, the CLI) it simply calls the function.
"""

from __future__ import annotations

import io
import json
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

    def __init__(self, wsgi_app: Callable[..., Any], limit: int,
                 largest_body: int = 16 * 1024 * 1024) -> None:
        self.wsgi_app = wsgi_app
        self.limit = limit
        self.largest_body = largest_body
        self.slots = FifoSlots(limit)
        self.holders: set[Any] = set()

    def __call__(self, environ: dict[str, Any], start_response: Callable[..., Any]) -> Any:
        if environ.get("PATH_INFO", "").startswith("/socket.io"):
            return self.wsgi_app(environ, start_response)
        from gevent import getcurrent

        refused = self._receive_body(environ)
        if refused is not None:
            status, message = refused
            code, name = status.split(" ", 1)
            body = json.dumps({"code": int(code), "status": name, "message": message}).encode()
            start_response(status, [("Content-Type", "application/json"),
                                    ("Content-Length", str(len(body))), ("Connection", "close")])
            return [body]
        current = getcurrent()
        self.slots.acquire()
        self.holders.add(current)
        try:
            return self.wsgi_app(environ, start_response)
        finally:
            if current in self.holders:
                self.holders.discard(current)
                self.slots.release()


    def _receive_body(self, environ: dict[str, Any]) -> tuple[str, str] | None:
        """Read the request's body before it queues for a slot, so a client that sends its body
        slowly holds its own connection and nothing else (a handful of them once held every slot
        of the site). Bodies larger than any route accepts are left to the app, which refuses
        them by their Content-Length without reading. Returns (status, message) to refuse."""
        length = environ.get("CONTENT_LENGTH") or ""
        chunked = "chunked" in environ.get("HTTP_TRANSFER_ENCODING", "").lower()
        if not chunked and (not length.isdigit() or int(length) == 0):
            return None
        if not chunked and int(length) > self.largest_body:
            return None
        import gevent

        want = self.largest_body + 1 if chunked else int(length)
        try:
            with gevent.Timeout(BODY_SECONDS):
                body = _read(environ["wsgi.input"], want)
        except gevent.Timeout:
            return "408 Request Timeout", (f"The request body did not arrive within "
                                           f"{BODY_SECONDS} s; send it at once.")
        if chunked and len(body) > self.largest_body:
            return "413 Request Entity Too Large", (f"The request body is over the largest "
                                                    f"accepted, {self.largest_body} bytes.")
        environ["wsgi.input"] = io.BytesIO(body)
        environ["CONTENT_LENGTH"] = str(len(body))
        environ.pop("HTTP_TRANSFER_ENCODING", None)
        return None


def _read(stream: Any, want: int) -> bytes:
    parts, got = [], 0
    while got < want:
        part = stream.read(min(want - got, 64 * 1024))
        if not part:
            break
        parts.append(part)
        got += len(part)
    return b"".join(parts)


BODY_SECONDS = 30  # a request body must arrive within this long


_slots: RequestSlots | None = None


def limit_requests(wsgi_app: Callable[..., Any], limit: int,
                   largest_body: int = 16 * 1024 * 1024) -> Callable[..., Any]:
    """Wrap this process's WSGI app in RequestSlots (only under gevent, and when limit > 0)."""
    global _slots
    if limit <= 0 or not under_gevent():
        return wsgi_app
    _slots = RequestSlots(wsgi_app, limit, largest_body)
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


class SingleFlight:
    """Concurrent callers of this process asking for the same key share one computation.

    A cache miss under a crowd (a shader page nobody has opened since it changed, a search
    answer just expired) was built by every request that missed at the same moment, each
    holding a request slot: at the start of a crowd the same 60 pages were built hundreds of
    times. Here the first caller builds; the others give their request slot back and wait up
    to `wait` seconds for its answer, then build it themselves (when it failed or is slow).
    """

    def __init__(self, wait: float = 5.0) -> None:
        import threading

        self._wait = wait
        self._lock = threading.Lock()
        self._running: dict[str, _Flight] = {}

    def run(self, key: str, build: Callable[[], T]) -> T:
        """build()'s answer, computed once for all the callers asking for key meanwhile."""
        with self._lock:
            flight = self._running.get(key)
            leader = flight is None
            if flight is None:
                flight = self._running[key] = _Flight()
        if not leader:
            with waiting():
                flight.done.wait(self._wait)
            if flight.ok:
                answer: T = flight.value
                return answer
            return build()
        try:
            built = build()
            flight.value, flight.ok = built, True
            return built
        finally:
            with self._lock:
                self._running.pop(key, None)
            flight.done.set()


class _Flight:
    def __init__(self) -> None:
        import threading

        self.done = threading.Event()
        self.ok = False
        self.value: Any = None
