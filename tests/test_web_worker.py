"""The web workers share a crowd's connections evenly, and a stalled worker does not keep new
connections from the others (gunicorn with fractafrag_web_worker's worker class, two workers)."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections import Counter
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from tests.processes import free_port

ROOT = Path(__file__).resolve().parents[1]


@pytest.fixture
def two_workers() -> Iterator[tuple[int, list[int]]]:
    port = free_port()
    server = subprocess.Popen(
        [sys.executable, "-m", "gunicorn", "-k", "fractafrag_web_worker.BalancedGeventWorker",
         "-w", "2", "-b", f"127.0.0.1:{port}", "--log-level", "warning", "tests.pid_app:app"],
        cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    try:
        deadline = time.monotonic() + 30
        workers: set[int] = set()
        while len(workers) < 2 and time.monotonic() < deadline:
            try:
                workers.add(int(ask(open_connection(port))))
            except OSError:
                time.sleep(0.1)
        assert len(workers) == 2, "both workers answer"
        time.sleep(0.3)  # the probing connections are closed and counted out
        yield port, sorted(workers)
    finally:
        server.terminate()
        server.wait(20)


def open_connection(port: int) -> socket.socket:
    return socket.create_connection(("127.0.0.1", port), timeout=10)


def ask(connection: socket.socket) -> str:
    """One keep-alive request on the connection; the serving worker's pid."""
    connection.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
    answer = b""
    while b"\r\n\r\n" not in answer or not answer.split(b"\r\n\r\n", 1)[1]:
        chunk = connection.recv(4096)
        if not chunk:
            raise ConnectionError("closed")
        answer += chunk
    return answer.split(b"\r\n\r\n", 1)[1].decode()


def test_a_crowd_arriving_at_once_is_split_evenly_between_the_workers(two_workers) -> None:
    port, workers = two_workers
    # 120 keep-alive clients connect at the same moment, then each sends a request.
    with ThreadPoolExecutor(120) as pool:
        connections = list(pool.map(lambda _: open_connection(port), range(120)))
        served = Counter(pool.map(ask, connections))
    try:
        assert set(served) == {str(pid) for pid in workers}
        low, high = sorted(served.values())
        assert high - low <= 6, f"connections per worker: {dict(served)}"
    finally:
        for connection in connections:
            connection.close()


def test_a_stalled_worker_does_not_keep_connections_from_the_other(two_workers) -> None:
    port, workers = two_workers
    held = [open_connection(port) for _ in range(20)]
    for connection in held:
        ask(connection)
    stalled, other = workers
    os.kill(stalled, signal.SIGSTOP)  # its event loop stops: it accepts and counts nothing
    try:
        time.sleep(0.6)
        began = time.monotonic()
        fresh = [open_connection(port) for _ in range(20)]
        answers = [ask(connection) for connection in fresh]
        assert set(answers) == {str(other)}, "every new connection is served by the live worker"
        assert time.monotonic() - began < 5
        for connection in fresh:
            connection.close()
    finally:
        os.kill(stalled, signal.SIGCONT)
        for connection in held:
            connection.close()



def _answer(headers: list[tuple[str, str]], parts: list[bytes]) -> list[bytes]:
    """What OneWriteResponse hands the socket for one response, send by send."""
    from gunicorn.config import Config
    from gunicorn.http.parser import RequestParser

    from fractafrag_web_worker import OneWriteResponse

    class Socket:
        sends: list[bytes] = []

        def sendall(self, data: bytes) -> None:
            self.sends.append(data)

    ours, theirs = socket.socketpair()
    with ours, theirs:
        theirs.sendall(b"GET /x HTTP/1.1\r\nHost: x\r\n\r\n")
        config = Config()
        request = next(RequestParser(config, ours, ("127.0.0.1", 1)))
        sock = Socket()
        response = OneWriteResponse(request, sock, config)
        response.start_response("200 OK", headers)
        for part in parts:
            response.write(part)
        response.close()
    return sock.sends


def test_a_response_goes_out_in_one_write_with_its_head() -> None:
    sends = _answer([("Content-Type", "application/json"), ("Content-Length", "11")],
                    [b'{"ok":true}'])
    assert len(sends) == 1, "head and body in one send"
    head, body = sends[0].split(b"\r\n\r\n", 1)
    assert head.startswith(b"HTTP/1.1 200 OK\r\n")
    assert b"\r\nContent-Length: 11" in head and b"\r\nDate: " in head
    assert body == b'{"ok":true}'


def test_a_streamed_response_keeps_its_chunks_after_a_joined_first_write() -> None:
    sends = _answer([("Content-Type", "text/plain")], [b"hello ", b"world"])
    wire = b"".join(sends)
    head, body = wire.split(b"\r\n\r\n", 1)
    assert b"Transfer-Encoding: chunked" in head
    assert body == b"6\r\nhello \r\n5\r\nworld\r\n0\r\n\r\n"
    assert sends[0].endswith(b"6\r\nhello \r\n"), "the head went out with the first chunk"
