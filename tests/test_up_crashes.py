"""`fractafrag up` survives `kill -9` of its PostgreSQL, and leaves no orphans when it is the one
killed with `kill -9` (render worker and Chromium included)."""

from __future__ import annotations

import contextlib
import os
import signal
import time
from pathlib import Path

import psutil
import pytest
import redis
import requests

from fractafrag import embedded
from tests.test_up import Up, _free_port


def _postmaster_pid(data_dir: Path) -> int:
    return int((data_dir / "postgres" / "postmaster.pid").read_text().split()[0])


def _alive(proc: psutil.Process) -> bool:
    try:
        return proc.status() != psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return False


def test_a_postgres_killed_with_sigkill_is_restarted_and_requests_recover(tmp_path):
    data_dir = tmp_path / "data"
    up = Up(data_dir, _free_port(), extra=("--web-processes", "1"))
    try:
        up.wait_for("Fractafrag is running at")
        created = requests.post(up.url + "/api/v1/auth/register", timeout=10, json={
            "username": "survivor", "email": "survivor@example.org",
            "password": "outlives the database"})
        assert created.status_code == 201, created.text
        old = _postmaster_pid(data_dir)
        os.kill(old, signal.SIGKILL)
        began = time.monotonic()
        while True:
            with contextlib.suppress(requests.RequestException):
                health = requests.get(up.url + "/api/v1/health", timeout=5)
                if health.status_code == 200:
                    break
            assert time.monotonic() - began < 30, "".join(up.lines[-30:])
            assert up.proc.poll() is None, "up itself keeps running"
            time.sleep(0.25)
        up.wait_for("restarted PostgreSQL")
        assert _postmaster_pid(data_dir) != old
        # Reads and writes answer again, with the data from before the crash.
        assert requests.get(up.url + "/", timeout=10).status_code == 200
        login = requests.post(up.url + "/api/v1/auth/login", timeout=10, json={
            "username": "survivor", "password": "outlives the database"})
        assert login.status_code == 200, login.text
        another = requests.post(up.url + "/api/v1/auth/register", timeout=10, json={
            "username": "after", "email": "after@example.org", "password": "after the crash"})
        assert another.status_code == 201, another.text
    finally:
        up.stop()
    assert up.proc.returncode == 0


# A render that keeps Chromium busy: the render worker's graceful stop would wait for it.
SLOW = ("void mainImage(out vec4 c, in vec2 f) { float a = 0.0; "
        "for (int i = 0; i < 400000; i++) { a = fract(a * 1.7 + sin(f.x + float(i))); } "
        "c = vec4(a, 0.0, 0.0, 1.0); }")


@pytest.mark.browser
def test_after_up_is_killed_with_sigkill_no_child_runs_on(tmp_path, monkeypatch):
    data_dir = tmp_path / "data"
    monkeypatch.setenv("FRACTAFRAG_RENDER_TIMEOUT", "120")
    up = Up(data_dir, _free_port(), extra=("--web-processes", "1"))
    descendants: list[psutil.Process] = []
    try:
        up.wait_for("Fractafrag is running at")
        render_worker = up.child("render_worker")
        created = requests.post(up.url + "/api/v1/auth/register", timeout=10, json={
            "username": "painter", "email": "painter@example.org", "password": "slow renders"})
        token = created.json()["access_token"]
        published = requests.post(up.url + "/api/v1/shaders", timeout=30, json={
            "title": "Slow", "code": SLOW}, headers={"Authorization": f"Bearer {token}"})
        assert published.status_code == 201, published.text
        deadline = time.monotonic() + 60
        while requests.get(f"{up.url}/api/v1/shaders/{published.json()['id']}",
                           timeout=10).json()["render_status"] != "rendering":
            assert time.monotonic() < deadline, "the render never started"
            time.sleep(0.2)
        assert any("chromium" in p.name() for p in render_worker.children(recursive=True))
        descendants = psutil.Process(up.proc.pid).children(recursive=True)
        names = " ".join(" ".join(p.cmdline()) for p in descendants)
        assert "gunicorn" in names and "worker default" in names and "chromium" in names
        up.proc.send_signal(signal.SIGKILL)
        up.proc.wait(10)
        deadline = time.monotonic() + 20
        while True:
            left = [p for p in descendants if _alive(p)]
            if not left:
                break
            assert time.monotonic() < deadline, f"orphans: {[p.cmdline()[:3] for p in left]}"
            time.sleep(0.25)
    finally:
        if up.proc.poll() is None:
            up.stop()
        for proc in descendants:  # whatever ran on (the test has failed then)
            if _alive(proc):
                proc.kill()
        # PostgreSQL is a daemon: the next `up` would reuse it; this test stops it.
        with contextlib.suppress(FileNotFoundError, ValueError):
            embedded.stop_postgres(_postmaster_pid(data_dir))


def test_the_data_folder_keeps_redis_private(tmp_path):
    data_dir = tmp_path / "data"
    # A folder from an older version: world-readable Redis files.
    (data_dir / "redis").mkdir(parents=True)
    (data_dir / "redis").chmod(0o755)
    (data_dir / "redis" / "appendonly.aof").write_text("")
    (data_dir / "redis" / "appendonly.aof").chmod(0o644)
    up = Up(data_dir, _free_port(), extra=("--web-processes", "1"))
    try:
        up.wait_for("Fractafrag is running at")
        created = requests.post(up.url + "/api/v1/auth/register", timeout=10, json={
            "username": "private", "email": "private@example.org", "password": "kept to itself"})
        assert created.status_code == 201
        redis_dir = data_dir / "redis"
        assert redis_dir.stat().st_mode & 0o777 == 0o700
        files = [p for p in redis_dir.rglob("*") if p.is_file()]
        assert any(p.name == "appendonly.aof" for p in files)
        for path in files:
            assert path.stat().st_mode & 0o777 == 0o600, path
        # A file Redis writes now (the snapshot) is private from the start.
        client = redis.Redis.from_url(f"unix://{embedded.redis_socket_path(redis_dir)}")
        client.save()
        client.close()
        assert (redis_dir / "dump.rdb").stat().st_mode & 0o777 == 0o600
        assert (data_dir / "secret_key").stat().st_mode & 0o777 == 0o600
    finally:
        up.stop()
