"""Faults under traffic, against real processes: Redis and PostgreSQL restarted, a render worker
killed mid-job, a full render queue, a worker stopped by a deploy, an exhausted pool.

Each test gives a real web process (gunicorn + gevent) servers of its own, takes one away while
requests keep coming, and checks what people would notice: reads keep working where they can,
what cannot work says so (503 naming the part), and everything recovers by itself when the
server is back, with no restart of the web process.
"""

from __future__ import annotations

import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest
import requests

from fractafrag import embedded
from tests.api.shader_helpers import GRADIENT
from tests.processes import WebProcess


def _start_redis(folder: Path) -> tuple[subprocess.Popen, str]:
    argv, url = embedded.redis_command(folder)
    proc = subprocess.Popen(argv, preexec_fn=embedded.parent_death_signal,
                            stdout=subprocess.DEVNULL)
    embedded.wait_for_redis(url)
    return proc, url


def _register(url: str, name: str) -> str:
    return _tokens(url, name)["access_token"]


def _tokens(url: str, name: str) -> dict:
    answer = requests.post(f"{url}/api/v1/auth/register", timeout=30, json={
        "username": name, "email": f"{name}@example.org", "password": "fault tolerant pw"})
    assert answer.status_code == 201, answer.text
    return answer.json()


def _publish(url: str, token: str, title: str) -> int:
    answer = requests.post(f"{url}/api/v1/shaders", timeout=30, json={
        "title": title, "code": GRADIENT}, headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == 201, answer.text
    return answer.json()["id"]


class Traffic:
    """A thread reading the shader list in a loop, recording every status it gets."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.statuses: list[int] = []
        self.stop = threading.Event()
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self) -> None:
        while not self.stop.is_set():
            try:
                status = requests.get(f"{self.url}/api/v1/shaders", timeout=10).status_code
            except requests.RequestException:
                status = 0
            self.statuses.append(status)
            time.sleep(0.02)

    def finish(self) -> list[int]:
        self.stop.set()
        self.thread.join(15)
        return self.statuses


def test_redis_restarted_under_traffic(app, service_urls, tmp_path):
    redis_proc, redis_url = _start_redis(tmp_path / "redis")
    web = WebProcess({**service_urls, "REDIS_URL": redis_url}, "redis-fault",
                     {"FRACTAFRAG_RATELIMIT_ENABLED": "1"})  # as deployed: limits on
    try:
        web.wait_ready()
        artist, fan_tokens = _register(web.url, "artist"), _tokens(web.url, "fan")
        fan = fan_tokens["access_token"]
        shader = _publish(web.url, artist, "Sturdy")
        traffic = Traffic(web.url)
        time.sleep(0.5)

        redis_proc.terminate()
        redis_proc.wait(10)
        time.sleep(0.5)
        assert requests.get(f"{web.url}/api/v1/shaders/{shader}", timeout=10).status_code == 200
        assert requests.get(f"{web.url}/shaders/{shader}", timeout=10).status_code == 200
        # A vote lives in PostgreSQL: it is still taken (its live event and the taste update
        # are what Redis would have carried; its rate limit goes uncounted meanwhile).
        vote = requests.post(f"{web.url}/api/v1/shaders/{shader}/vote", json={"value": 1},
                             headers={"Authorization": f"Bearer {fan}"}, timeout=10)
        assert vote.status_code == 200 and vote.json()["score"] == 1
        # So is a new shader: it waits 'pending' until the render sweeper can queue it.
        offline = requests.post(f"{web.url}/api/v1/shaders", timeout=10, json={
            "title": "Offline", "code": GRADIENT}, headers={"Authorization": f"Bearer {artist}"})
        assert offline.status_code == 201 and offline.json()["render_status"] == "pending"
        # Signing in is limited per address and account; without the counters it says so.
        login = requests.post(f"{web.url}/api/v1/auth/login", timeout=10, json={
            "username": "fan", "password": "wrong password"})
        assert login.status_code == 503 and "Redis" in login.json()["message"]
        # Signing out needs Redis (the revocation list): it says so instead of pretending.
        logout = requests.post(f"{web.url}/api/v1/auth/logout", timeout=10, headers={
            "Authorization": f"Bearer {fan_tokens['refresh_token']}"})
        assert logout.status_code == 503 and "Redis" in logout.json()["message"]
        assert logout.headers["Retry-After"]
        health = requests.get(f"{web.url}/api/v1/health", timeout=10)
        assert health.status_code == 503 and health.json()["redis"] != "ok"

        redis_proc, _ = _start_redis(tmp_path / "redis")  # the same socket and AOF
        deadline = time.monotonic() + 20
        while requests.get(f"{web.url}/api/v1/health", timeout=10).status_code != 200:
            assert time.monotonic() < deadline, "the web process did not recover"
            time.sleep(0.2)
        logout = requests.post(f"{web.url}/api/v1/auth/logout", timeout=10, headers={
            "Authorization": f"Bearer {fan_tokens['refresh_token']}"})
        assert logout.status_code == 204
        again = requests.post(f"{web.url}/api/v1/auth/refresh", timeout=10, headers={
            "Authorization": f"Bearer {fan_tokens['refresh_token']}"})
        assert again.status_code == 401, "the revocation took after the recovery"
        vote = requests.post(f"{web.url}/api/v1/shaders/{shader}/vote", json={"value": 0},
                             headers={"Authorization": f"Bearer {fan}"}, timeout=10)
        assert vote.status_code == 200 and vote.json()["score"] == 0
        statuses = traffic.finish()
        assert statuses and set(statuses) == {200}, "reads never failed while Redis was away"
    finally:
        web.stop()
        redis_proc.terminate()


def _start_postgres_elsewhere(folder: Path) -> tuple[str, int]:
    """Start the embedded PostgreSQL again from a fresh process (the library keeps a handle of
    the stopped server per folder in this one); returns (url, pid)."""
    code = ("import sys; from pathlib import Path; from fractafrag import embedded; "
            "url, pid = embedded.start_postgres(Path(sys.argv[1]), 'faults'); print(url); "
            "print(pid)")
    out = subprocess.run([sys.executable, "-c", code, str(folder)], capture_output=True,
                         text=True, check=True, timeout=60).stdout.split()
    return out[-2], int(out[-1])


@pytest.fixture
def own_postgres(tmp_path, service_urls):
    """A PostgreSQL of its own (embedded), migrated, that a test may stop and start."""
    from flask_migrate import upgrade

    from fractafrag import create_app
    from tests.helpers import make_config

    url, pid = embedded.start_postgres(tmp_path / "pg", "faults")
    state = {"url": url, "pid": pid, "folder": tmp_path / "pg"}
    app = create_app(make_config({**service_urls, "DATABASE_URL": url, "root": str(tmp_path)}))
    with app.app_context():
        upgrade()
    yield state
    embedded.stop_postgres(state["pid"])


def test_postgres_restarted_connections_are_re_established(service_urls, own_postgres,
                                                           tmp_path):
    web = WebProcess({**service_urls, "DATABASE_URL": own_postgres["url"],
                      "root": str(tmp_path)}, "pg-fault")
    try:
        web.wait_ready()
        token = _register(web.url, "keeper")
        shader = _publish(web.url, token, "Before the restart")

        embedded.stop_postgres(own_postgres["pid"])
        down = requests.get(f"{web.url}/api/v1/shaders/{shader}", timeout=10)
        assert down.status_code == 503 and "database" in down.json()["message"].lower()

        url, own_postgres["pid"] = _start_postgres_elsewhere(own_postgres["folder"])
        assert url == own_postgres["url"]
        deadline = time.monotonic() + 20
        while True:
            answer = requests.get(f"{web.url}/api/v1/shaders/{shader}", timeout=10)
            if answer.status_code == 200:
                break
            assert time.monotonic() < deadline, f"no recovery: {answer.status_code}"
            time.sleep(0.2)
        assert answer.json()["title"] == "Before the restart", "the data survived"
        after = _publish(web.url, token, "After the restart")
        assert requests.get(f"{web.url}/api/v1/shaders/{after}", timeout=10).status_code == 200
    finally:
        web.stop()


def test_a_full_render_queue_does_not_hold_up_publishing(app, client, make_user):
    from rq import Queue

    from fractafrag.extensions import redis
    from tests.helpers import bearer

    user = make_user()
    with app.app_context():
        queue = Queue("render", connection=redis.conn)
        for n in range(2000):  # nobody is rendering: the backlog only grows
            queue.enqueue("fractafrag.jobs.render.render_shader", 10_000_000 + n, 1)
        before = queue.count
    began = time.perf_counter()
    answer = client.post("/api/v1/shaders", json={"title": "In the queue", "code": GRADIENT},
                         headers=bearer(user["access_token"]))
    took = time.perf_counter() - began
    assert answer.status_code == 201 and answer.json["render_status"] == "pending"
    with app.app_context():
        assert Queue("render", connection=redis.conn).count == before + 1, "queued, not waited"
    print(f"publish with {before} renders waiting: {took * 1000:.0f} ms")


def _render_worker(service_urls: dict, data_dir: Path) -> subprocess.Popen:
    """`python -m render_worker` (RQ worker + warm Chromium + sweeper) in its own process group."""
    from tests.helpers import process_env

    env = process_env(service_urls, FRACTAFRAG_DATA_DIR=str(data_dir),
                      FRACTAFRAG_RENDER_STALE_AFTER="2")
    return subprocess.Popen([sys.executable, "-m", "render_worker"], env=env,
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            start_new_session=True)


@pytest.mark.browser
def test_a_render_worker_killed_mid_job_is_replaced_and_the_shader_renders(
        app, client, make_user, service_urls, tmp_path):
    import os
    import signal

    from tests.api.shader_helpers import published

    shader = published(client, make_user(), title="Survivor")  # its render is queued
    path = f"/api/v1/shaders/{shader['id']}"
    first = _render_worker(service_urls, tmp_path / "renders")
    second = None
    try:
        deadline = time.monotonic() + 60
        while client.get(path).json["render_status"] != "rendering":
            assert time.monotonic() < deadline, "the first worker never started the render"
            time.sleep(0.02)
        os.killpg(first.pid, signal.SIGKILL)  # the worker and its Chromium die mid-render
        first.wait(10)
        assert client.get(path).json["render_status"] == "rendering", "killed before it ended"
        time.sleep(2.5)  # the render is now stale (FRACTAFRAG_RENDER_STALE_AFTER=2)
        second = _render_worker(service_urls, tmp_path / "renders")  # sweeps as it starts
        deadline = time.monotonic() + 90
        while (body := client.get(path).json)["render_status"] != "ready":
            assert body["render_status"] != "failed", body["render_error"]
            assert time.monotonic() < deadline, f"never rendered: {body['render_status']}"
            time.sleep(0.2)
        assert body["thumbnail_url"] and body["preview_url"]
        thumbnail = tmp_path / "renders" / "renders" / body["thumbnail_url"].split("/renders/")[-1]
        assert thumbnail.stat().st_size > 0, "the new worker wrote the image"
    finally:
        for worker in (first, second):
            if worker is not None and worker.poll() is None:
                os.killpg(worker.pid, signal.SIGKILL)
                worker.wait(10)


def test_sigterm_lets_a_worker_finish_the_job_in_hand(app, service_urls):
    import os
    import signal

    from rq import Queue
    from rq.job import JobStatus

    from fractafrag.extensions import redis
    from tests.helpers import process_env

    env = process_env(service_urls)
    with app.app_context():
        job = Queue("default", connection=redis.conn).enqueue("time.sleep", 3)
    worker = subprocess.Popen([sys.executable, "-m", "fractafrag", "worker", "default"], env=env,
                              stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        with app.app_context():
            while job.get_status(refresh=True) != JobStatus.STARTED:
                assert time.monotonic() < deadline, "the worker never took the job"
                time.sleep(0.1)
        worker.send_signal(signal.SIGTERM)  # a deploy stops the worker mid-job
        assert worker.wait(30) == 0
        with app.app_context():
            assert job.get_status(refresh=True) == JobStatus.FINISHED, "the job was finished"
    finally:
        if worker.poll() is None:
            os.kill(worker.pid, signal.SIGKILL)


def test_an_exhausted_connection_pool_is_a_503_not_a_500(make_app):
    from fractafrag.extensions import db

    app = make_app(SQLALCHEMY_ENGINE_OPTIONS={"pool_size": 1, "max_overflow": 0,
                                              "pool_timeout": 0.2})
    with app.app_context():
        held = db.engine.connect()  # the only connection, taken
        try:
            answer = app.test_client().get("/api/v1/shaders")
        finally:
            held.close()
    assert answer.status_code == 503
    assert "database is busy" in answer.json["message"] and answer.headers["Retry-After"] == "2"
