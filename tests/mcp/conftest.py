"""A real web process, accounts with API keys, bridge sessions (stdio and HTTP) and a worker."""

from __future__ import annotations

import contextlib
import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from tests.helpers import process_env
from tests.mcp.helpers import Account, register
from tests.processes import ROOT, WebProcess, free_port


@pytest.fixture(scope="package")
def live(app, service_urls: dict[str, str]) -> Iterator[WebProcess]:
    """One real gunicorn web process for every bridge test."""
    web = WebProcess(service_urls, "mcp")
    try:
        yield web.wait_ready()
    finally:
        web.stop()


@pytest.fixture
def make_account(live: WebProcess) -> Callable[[str], Account]:
    """Register accounts with keys on the live instance (tables are emptied after each test)."""
    return lambda username: register(live.url, username)


@pytest.fixture
def account(make_account: Callable[[str], Account]) -> Account:
    """The agent's account and key."""
    return make_account("agent")


class Subprocess:
    """A child process in its own group, stopped with SIGTERM then SIGKILL."""

    def __init__(self, argv: list[str], env: dict[str, str] | None = None) -> None:
        self.proc = subprocess.Popen(argv, cwd=ROOT, env=env, start_new_session=True)

    def wait_listening(self, port: int, timeout: float = 30) -> None:
        """Block until something accepts connections on port."""
        deadline = time.monotonic() + timeout
        while True:
            with contextlib.suppress(OSError), socket.create_connection(("127.0.0.1", port), 0.5):
                return
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"{self.proc.args} did not listen on {port}")
            time.sleep(0.1)

    def stop(self) -> None:
        """SIGTERM the group and wait; SIGKILL what is left."""
        if self.proc.poll() is None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)


@pytest.fixture
def http_bridge(live: WebProcess) -> Iterator[Callable[..., str]]:
    """Start `python -m mcp_bridge --transport http` processes; returns their /mcp URL."""
    started: list[Subprocess] = []

    def start(key: str | None = None) -> str:
        port = free_port()
        argv = [sys.executable, "-m", "mcp_bridge", "--transport", "http", "--port", str(port),
                "--url", live.url]
        if key:
            argv += ["--api-key", key]
        env = {k: v for k, v in os.environ.items() if k != "FRACTAFRAG_API_KEY"}
        started.append(Subprocess(argv, env))
        started[-1].wait_listening(port)
        return f"http://127.0.0.1:{port}/mcp"

    yield start
    for process in started:
        process.stop()


def wait_for_worker(worker: Subprocess, redis_url: str, timeout: float = 60) -> None:
    """Block until the worker has registered for the render queue (its Chromium is warm then)."""
    from redis import Redis
    from rq import Queue, Worker

    connection = Redis.from_url(redis_url)
    deadline = time.monotonic() + timeout
    while not Worker.all(connection=connection, queue=Queue("render", connection=connection)):
        if worker.proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError("the render worker did not start")
        time.sleep(0.1)
    connection.close()


@pytest.fixture
def render_worker(app, service_urls: dict[str, str]) -> Iterator[Subprocess]:
    """`python -m render_worker` (RQ worker with a warm Chromium) on the test servers."""
    env = process_env(service_urls,
                      FRACTAFRAG_DATA_DIR=str(Path(service_urls["root"]) / "web-mcp"))
    worker = Subprocess([sys.executable, "-m", "render_worker"], env)
    try:
        wait_for_worker(worker, service_urls["REDIS_URL"])
        yield worker
    finally:
        worker.stop()
