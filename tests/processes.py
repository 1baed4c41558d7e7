"""Real Fractafrag processes for tests: a web process (gunicorn -k gevent -w 1) on a free port."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.helpers import process_env

ROOT = Path(__file__).resolve().parents[1]
# What a WebProcess allows unless told otherwise: Socket.IO events per connection per 10 s, and
# how long presence lasts without a refresh (short, so the realtime tests see it expire).
EVENTS_PER_10S = 20
PRESENCE_TTL = 2.0


def free_port() -> int:
    """A TCP port nobody listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class WebProcess:
    """`gunicorn -k gevent -w 1 wsgi:app` on a free port, in its own process group."""

    def __init__(self, urls: dict[str, str], name: str,
                 settings: dict[str, str] | None = None) -> None:
        env = process_env(urls, **{
            "FRACTAFRAG_DATA_DIR": str(Path(urls["root"]) / f"web-{name}"),
            "FRACTAFRAG_RATELIMIT_ENABLED": "0",
            "FRACTAFRAG_SOCKET_EVENTS_PER_10S": str(EVENTS_PER_10S),
            "FRACTAFRAG_PRESENCE_TTL": str(PRESENCE_TTL), **(settings or {})})
        self.name = name
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-k", "gevent", "-w", "1", "-b",
             f"127.0.0.1:{self.port}", "--graceful-timeout", "2", "--log-level", "warning",
             "wsgi:app"],
            cwd=ROOT, env=env, start_new_session=True)

    def wait_ready(self) -> WebProcess:
        """Block until /api/v1/health answers 200."""
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(self.url + "/api/v1/health", timeout=2).status_code == 200:
                    return self
            except requests.RequestException:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.kill()
                raise RuntimeError(f"web process {self.name} did not start")
            time.sleep(0.1)

    def terminate(self) -> None:
        """SIGTERM the process group (gunicorn drains, then exits)."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)

    def stop(self) -> None:
        """SIGTERM the process group and wait; SIGKILL what is left."""
        self.terminate()
        try:
            self.proc.wait(10)
        except subprocess.TimeoutExpired:
            self.kill()

    def kill(self) -> None:
        """SIGKILL master and worker at once: nothing gets to clean up."""
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        self.proc.wait(10)
