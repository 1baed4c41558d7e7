"""`fractafrag up` end to end: embedded services, supervision, clean stop, data kept."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import psutil
import pytest
import requests

FRACTAFRAG = [sys.executable, "-m", "fractafrag"]


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


class Up:
    """A running `fractafrag up` whose output is collected line by line."""

    def __init__(self, data_dir: Path, port: int, keep_urls: bool = False,
                 mcp_port: int = 0, extra: tuple[str, ...] = ()) -> None:
        env = {k: v for k, v in os.environ.items()
               if keep_urls or k not in ("DATABASE_URL", "REDIS_URL")}
        self.proc = subprocess.Popen(
            [*FRACTAFRAG, "up", "--port", str(port), "--data-dir", str(data_dir),
             "--mcp-port", str(mcp_port), *extra],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env,
        )
        self.lines: list[str] = []
        self.url = f"http://127.0.0.1:{port}"
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line)

    def wait_for(self, text: str, timeout: float = 90) -> str:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            for line in self.lines:
                if text in line:
                    return line
            if self.proc.poll() is not None and not any(text in line for line in self.lines):
                break
            time.sleep(0.1)
        raise AssertionError(f"{text!r} not seen; output:\n{''.join(self.lines)}")

    def child(self, fragment: str) -> psutil.Process:
        for proc in psutil.Process(self.proc.pid).children(recursive=True):
            if fragment in " ".join(proc.cmdline()):
                return proc
        raise AssertionError(f"no child process matching {fragment!r}")

    def stop(self) -> float:
        began = time.monotonic()
        self.proc.send_signal(signal.SIGTERM)
        self.proc.wait(20)
        return time.monotonic() - began


GRADIENT = ("void mainImage(out vec4 c, in vec2 f) "
            "{ c = vec4(f / iResolution.xy, 0.5 + 0.5 * sin(iTime), 1.0); }")


def _wait_rendered(url: str, shader_id: int, timeout: float = 60) -> dict:
    deadline = time.monotonic() + timeout
    while True:
        shader = requests.get(f"{url}/api/v1/shaders/{shader_id}", timeout=5).json()
        if shader["render_status"] in ("ready", "failed") or time.monotonic() > deadline:
            return shader
        time.sleep(0.25)


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "data"


def test_up_runs_a_healthy_app_restarts_workers_and_keeps_data(data_dir):
    port, mcp_port = _free_port(), _free_port()
    up = Up(data_dir, port, mcp_port=mcp_port)
    try:
        up.wait_for(f"Fractafrag is running at http://127.0.0.1:{port}")
        up.wait_for(f"MCP bridge (streamable HTTP) at http://127.0.0.1:{mcp_port}/mcp")
        hello = requests.post(f"http://127.0.0.1:{mcp_port}/mcp", timeout=10, json={
            "jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
                "protocolVersion": "2025-06-18", "capabilities": {},
                "clientInfo": {"name": "test", "version": "1"}}},
            headers={"Accept": "application/json, text/event-stream"})
        assert hello.status_code == 200 and '"tools"' in hello.text
        health = requests.get(up.url + "/api/v1/health", timeout=5).json()
        assert health["status"] == health["database"] == health["redis"] == "ok"
        created = requests.post(up.url + "/api/v1/auth/register", timeout=10, json={
            "username": "keeper", "email": "keeper@example.org", "password": "kept across runs"})
        assert created.status_code == 201
        token = created.json()["access_token"]
        published = requests.post(up.url + "/api/v1/shaders", timeout=10, json={
            "title": "Live", "code": GRADIENT}, headers={"Authorization": f"Bearer {token}"})
        assert published.status_code == 201
        shader = _wait_rendered(up.url, published.json()["id"])
        assert shader["render_status"] == "ready", shader["render_error"]
        thumbnail = requests.get(up.url + shader["thumbnail_url"], timeout=10)
        assert thumbnail.status_code == 200 and thumbnail.headers["Content-Type"] == "image/webp"

        # The kernel shares the CPU between sessions (autogroups): the web leads a session of
        # its own, apart from whoever started `up`, and the background workers lead niced ones.
        started = {name: proc for proc in psutil.Process(up.proc.pid).children()
                   for name in ("gunicorn", "worker default", "render_worker")
                   if name in " ".join(proc.cmdline())}
        web = started["gunicorn"]
        assert os.getsid(web.pid) == web.pid != os.getsid(up.proc.pid)
        for name in ("worker default", "render_worker"):
            background = started[name]
            assert os.getsid(background.pid) == background.pid, name
            group = Path(f"/proc/{background.pid}/autogroup")
            if group.exists():
                assert int(group.read_text().split()[-1]) > 0, f"{name}'s session is niced"

        worker = up.child("worker default")
        worker.send_signal(signal.SIGKILL)
        up.wait_for("restarted worker default", timeout=30)
        replacement = up.child("worker default")
        assert replacement.pid != worker.pid and replacement.is_running()
    finally:
        elapsed = up.stop()
    assert up.proc.returncode == 0
    assert elapsed < 10, f"stopping took {elapsed:.1f} s"
    leftovers = [p for p in psutil.process_iter(["cmdline"])
                 if str(data_dir) in " ".join(p.info["cmdline"] or [])]
    assert leftovers == [], "every child stopped"

    again = Up(data_dir, port)
    try:
        again.wait_for("Fractafrag is running at")
        login = requests.post(again.url + "/api/v1/auth/login", timeout=10, json={
            "username": "keeper", "password": "kept across runs"})
        assert login.status_code == 200, "the account survived the restart"
    finally:
        again.stop()


def test_up_refuses_a_port_in_use(data_dir):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        result = subprocess.run(
            [*FRACTAFRAG, "up", "--port", str(port), "--data-dir", str(data_dir)],
            capture_output=True, text=True, timeout=60,
        )
    assert result.returncode == 2
    assert "already in use" in result.stderr


def test_up_uses_the_servers_given_by_url(data_dir, service_urls):
    port = _free_port()
    env_before = dict(os.environ)
    os.environ["DATABASE_URL"] = service_urls["DATABASE_URL"]
    os.environ["REDIS_URL"] = service_urls["REDIS_URL"]
    try:
        up = Up(data_dir, port, keep_urls=True)
    finally:
        os.environ.clear()
        os.environ.update(env_before)
    try:
        up.wait_for("Fractafrag is running at")
        health = requests.get(up.url + "/api/v1/health", timeout=5).json()
        assert health["database"] == "ok" and health["redis"] == "ok"
        assert not (data_dir / "postgres").exists() and not (data_dir / "redis").exists()
    finally:
        up.stop()


def test_up_serves_one_port_with_several_web_processes_sharing_socketio(data_dir):
    """`--web-processes 2`: two gunicorn workers answer the port; browsers' WebSocket sessions
    land on either, and an event raised on one reaches clients of both (through Redis);
    long-polling, whose requests could land on the other process, is refused."""
    import socketio

    port = _free_port()
    up = Up(data_dir, port, extra=("--web-processes", "2"))
    clients: list[socketio.Client] = []
    try:
        up.wait_for("Fractafrag is running at")
        master = up.child("gunicorn")
        workers = master.children()
        assert len(workers) == 2
        polling = requests.get(up.url + "/socket.io/?EIO=4&transport=polling", timeout=5)
        assert polling.status_code == 400

        author = requests.post(up.url + "/api/v1/auth/register", timeout=10, json={
            "username": "author", "email": "author@example.org",
            "password": "several processes"}).json()
        fan = requests.post(up.url + "/api/v1/auth/register", timeout=10, json={
            "username": "fan", "email": "fan@example.org", "password": "several processes"})
        shader = requests.post(up.url + "/api/v1/shaders", timeout=10, json={
            "title": "Shared", "code": GRADIENT},
            headers={"Authorization": f"Bearer {author['access_token']}"}).json()
        received: list[dict] = []

        def holder(client: socketio.Client) -> int:
            local = client.eio.ws.sock.getsockname()[1]
            for worker in workers:
                if any(c.raddr and c.raddr.port == local for c in worker.net_connections()):
                    return worker.pid
            raise AssertionError("no web process holds this connection")

        holders: set[int] = set()
        while len(holders) < 2 and len(clients) < 24:
            client = socketio.Client(reconnection=False)
            client.on("vote:updated", received.append)
            client.connect(up.url, transports=["websocket"], wait_timeout=10)
            assert client.call("subscribe", {"room": f"shader:{shader['id']}"},
                               timeout=10)["ok"] is True
            clients.append(client)
            holders.add(holder(client))
        assert len(holders) == 2, "connections landed on both web processes"

        vote = requests.post(f"{up.url}/api/v1/shaders/{shader['id']}/vote", timeout=10,
                             json={"value": 1},
                             headers={"Authorization": f"Bearer {fan.json()['access_token']}"})
        assert vote.status_code == 200
        deadline = time.monotonic() + 10
        while len(received) < len(clients) and time.monotonic() < deadline:
            time.sleep(0.05)
        assert len(received) == len(clients) and all(e["up"] == 1 for e in received)
    finally:
        for client in clients:
            client.disconnect()
        up.stop()
