"""Shedding connections before the process runs out, and logging floods as a few lines.

ConnectionGuard counts this process's Engine.IO sessions, in total and per client address,
and answers a new session's handshake past SOCKET_MAX_CONNECTIONS or SOCKET_MAX_PER_IP with
`503 Service Unavailable` (and Retry-After) before Engine.IO allocates anything for it.

Tally replaces a log line per refused or failed packet with one summary line at most every
LOG_SECONDS: how many of each were refused, and at most one traceback per interval.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable
from typing import Any
from urllib.parse import parse_qs

log = logging.getLogger("fractafrag.realtime")
LOG_SECONDS = 10.0
RETRY_AFTER_SECONDS = 10


class Tally:
    """Counts of refusals and failures, logged together at most every LOG_SECONDS."""

    def __init__(self, interval: float = LOG_SECONDS) -> None:
        self.interval = interval
        self.counts: Counter[str] = Counter()
        self.started = time.monotonic()
        self._last_traceback = float("-inf")
        self._lock = threading.Lock()

    def add(self, what: str, count: int = 1) -> None:
        """Count one refusal or failure described by what; log the summary when due."""
        with self._lock:
            self.counts[what] += count
        self.flush()

    def exception(self, what: str) -> None:
        """Inside an except block: log the traceback if none was logged this interval, else
        only count it."""
        now = time.monotonic()
        if now - self._last_traceback >= self.interval:
            self._last_traceback = now
            log.exception("%s (further ones are counted, not logged, for %.0f s)", what,
                          self.interval)
        else:
            self.add(what)

    def flush(self, force: bool = False) -> None:
        """Log and reset the counts if the interval is over (or force)."""
        now = time.monotonic()
        with self._lock:
            if not self.counts or (not force and now - self.started < self.interval):
                return
            counts, seconds = dict(self.counts), now - self.started
            self.counts.clear()
            self.started = now
        summary = ", ".join(f"{n} × {what}" for what, n in sorted(counts.items()))
        log.warning("realtime, last %.0f s: %s", seconds, summary)


def client_address(environ: dict[str, Any], proxy_count: int) -> str:
    """The client's address: REMOTE_ADDR, or behind proxy_count trusted proxies the address
    they put in X-Forwarded-For (as werkzeug's ProxyFix reads it)."""
    if proxy_count > 0:
        forwarded = [part.strip() for part in
                     environ.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
        if len(forwarded) >= proxy_count:
            return forwarded[-proxy_count]
    return str(environ.get("REMOTE_ADDR") or "?")


def _settings(environ: dict[str, Any]) -> Any:
    """The config of the Flask app serving environ (Flask-SocketIO's middleware puts it there)."""
    app = environ.get("flask.app")
    return app.config if app is not None else {}


class ConnectionGuard:
    """Caps on this process's Engine.IO sessions: in total and per client address."""

    def __init__(self, eio: Any, tally: Tally) -> None:
        self.eio = eio
        self.tally = tally
        self.sessions: dict[str, str] = {}  # Engine.IO sid -> client address
        self.per_address: Counter[str] = Counter()

    def install(self) -> None:
        """Wrap the Engine.IO server's request entry point and its connect/disconnect hooks."""
        eio = self.eio
        handle_request = eio.handle_request
        connect = eio.handlers["connect"]
        disconnect = eio.handlers["disconnect"]

        def guarded_request(environ: dict[str, Any], start_response: Callable[..., Any]
                            ) -> Iterable[bytes]:
            if "sid" not in parse_qs(environ.get("QUERY_STRING", "")):
                refusal = self.refusal(environ)
                if refusal is not None:
                    return self._refuse(refusal, start_response)
            return handle_request(environ, start_response)

        def guarded_connect(eio_sid: str, environ: dict[str, Any]) -> Any:
            # The handshake passed the caps a moment ago; checked again since concurrent
            # handshakes may have taken the last places in between.
            refusal = self.refusal(environ)
            if refusal is not None:
                self.tally.add(refusal)
                return False
            address = self._address(environ)
            self.sessions[eio_sid] = address
            self.per_address[address] += 1
            answer = connect(eio_sid, environ)
            if answer is False:
                self._forget(eio_sid)
            return answer

        def guarded_disconnect(eio_sid: str, *args: Any) -> Any:
            self._forget(eio_sid)
            return disconnect(eio_sid, *args)

        eio.handle_request = guarded_request
        eio.on("connect", guarded_connect)
        eio.on("disconnect", guarded_disconnect)

    def refusal(self, environ: dict[str, Any]) -> str | None:
        """Why a new session from environ must be refused now, or None to accept it."""
        settings = _settings(environ)
        limit = settings.get("SOCKET_MAX_CONNECTIONS")
        if limit and len(self.sessions) >= limit:
            return f"connections refused: this process holds its limit of {limit}"
        per_ip = settings.get("SOCKET_MAX_PER_IP")
        if per_ip and self.per_address[self._address(environ)] >= per_ip:
            return f"connections refused: an address holds its limit of {per_ip}"
        return None

    def reconcile(self) -> None:
        """Forget sessions Engine.IO no longer has (a safety net for a missed disconnect)."""
        for eio_sid in [sid for sid in self.sessions if sid not in self.eio.sockets]:
            self._forget(eio_sid)

    def _address(self, environ: dict[str, Any]) -> str:
        return client_address(environ, int(_settings(environ).get("PROXY_COUNT") or 0))

    def _forget(self, eio_sid: str) -> None:
        address = self.sessions.pop(eio_sid, None)
        if address is not None:
            self.per_address[address] -= 1
            if self.per_address[address] <= 0:
                del self.per_address[address]

    def _refuse(self, refusal: str, start_response: Callable[..., Any]) -> list[bytes]:
        self.tally.add(refusal)
        body = json.dumps({"code": 503, "message": "The server is full; try again in "
                                                   f"{RETRY_AFTER_SECONDS} s."}).encode()
        start_response("503 Service Unavailable", [
            ("Content-Type", "application/json"), ("Content-Length", str(len(body))),
            ("Retry-After", str(RETRY_AFTER_SECONDS))])
        return [body]
