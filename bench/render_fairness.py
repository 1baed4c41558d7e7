"""The render-queue attack of issue 19, measured: while user A posts a test render of a hanging
shader every 10 s (under its rate limit), other users publish one shader each; how long does
each publication wait for its render?

    .venv/bin/python bench/render_fairness.py [--seconds 120] [--every 10]

Embedded PostgreSQL and Redis in a temporary folder, a real `python -m render_worker` (its
Chromium included), and the web app through Flask's test client in threads (a preview request
is synchronous: it holds its thread until its PNG, its error or its timeout). Prints the wait of
each publication (published -> render started, published -> ready) and what each attack
request answered. Runs whatever code is first on PYTHONPATH (so a checkout of an older commit
can be measured the same way).
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

HANGING = (
    "void mainImage(out vec4 fragColor, in vec2 fragCoord) {\n"
    "    float x = fragCoord.x;\n"
    "    while (x >= 0.0) { x = abs(x) + 1.0; }\n"
    "    fragColor = vec4(x);\n"
    "}\n"
)
GRADIENT = (
    "void mainImage(out vec4 fragColor, in vec2 fragCoord) {\n"
    "    vec2 uv = fragCoord / iResolution.xy;\n"
    "    fragColor = vec4(uv, 0.5 + 0.5 * sin(iTime * %d.0), 1.0);\n"
    "}\n"
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=float, default=120.0, help="how long A attacks")
    parser.add_argument("--every", type=float, default=10.0, help="seconds between A's previews")
    parser.add_argument("--publish-every", type=float, default=20.0,
                        help="seconds between other users' publications")
    args = parser.parse_args()

    from fractafrag import create_app, embedded
    from fractafrag.config import Config

    root = Path(tempfile.mkdtemp(prefix="ff-render-fairness-"))
    database_url, pg_pid = embedded.start_postgres(root / "postgres", "fractafrag")
    argv, redis_url = embedded.redis_command(root / "redis")
    redis_proc = subprocess.Popen(argv, preexec_fn=embedded.parent_death_signal)
    embedded.wait_for_redis(redis_url)
    secret = "bench-secret-0123456789abcdef0123456789abcdef0123"
    env = {**os.environ, "DATABASE_URL": database_url, "REDIS_URL": redis_url,
           "SECRET_KEY": secret, "FRACTAFRAG_JWT_SECRET": secret,
           "FRACTAFRAG_DATA_DIR": str(root / "data"), "FRACTAFRAG_LOG_LEVEL": "WARNING"}
    os.environ.update(env)
    app = create_app(Config(SOCKETIO_ASYNC_MODE="threading"))
    worker = None
    worker_log = open(root / "worker.log", "w")  # noqa: SIM115 - open for the worker's life
    try:
        from flask_migrate import upgrade

        with app.app_context():
            upgrade()
        worker = subprocess.Popen([sys.executable, "-m", "render_worker"], env=env,
                                  stdout=subprocess.DEVNULL, stderr=worker_log,
                                  start_new_session=True)
        run(app, args)
    finally:
        if worker is not None:
            os.killpg(worker.pid, 9)
            worker.wait(10)
        redis_proc.terminate()
        redis_proc.wait(5)
        embedded.stop_postgres(pg_pid)
        print(f"(data and worker log kept in {root})")


def _user(app, name: str) -> str:
    from fractafrag.auth import issue_tokens
    from fractafrag.services import accounts

    with app.app_context():
        user = accounts.register(name, f"{name}@example.org", "correct horse battery")
        return issue_tokens(user)["access_token"]


def run(app, args: argparse.Namespace) -> None:
    from rq.job import Job

    from fractafrag.extensions import redis

    attacker = _user(app, "attacker")
    # Wait for the worker to be up (its Chromium warm) before the clock starts.
    from rq import Queue, Worker
    with app.app_context():
        deadline = time.monotonic() + 60
        while not Worker.all(connection=redis.conn, queue=Queue("render", connection=redis.conn)):
            assert time.monotonic() < deadline, "the render worker did not start"
            time.sleep(0.2)
    time.sleep(2)
    attacks: list[tuple[float, int, float, str]] = []
    threads: list[threading.Thread] = []

    def attack(at: float) -> None:
        client = app.test_client()
        began = time.monotonic()
        response = client.post("/api/v1/render-preview", json={"code": HANGING},
                               headers={"Authorization": f"Bearer {attacker}"})
        message = (response.json or {}).get("message", "") if response.is_json else "png"
        attacks.append((at, response.status_code, time.monotonic() - began, message[:90]))

    publications: list[dict] = []

    def publish(at: float, n: int) -> None:
        token = _user(app, f"artist{n}")
        client = app.test_client()
        published = time.time()
        answer = client.post("/api/v1/shaders", json={"title": f"Art {n}",
                                                      "code": GRADIENT % (n + 1)},
                             headers={"Authorization": f"Bearer {token}"})
        assert answer.status_code == 201, answer.json
        shader = answer.json["id"]
        while True:
            body = client.get(f"/api/v1/shaders/{shader}").json
            if body["render_status"] in ("ready", "failed"):
                break
            time.sleep(0.1)
        ready = time.time()
        with app.app_context():
            job = Job.fetch(f"render-{shader}-1", connection=redis.conn)
            started = job.started_at.timestamp() if job.started_at else float("nan")
        publications.append({"at": at, "status": body["render_status"],
                             "start_wait": started - published, "ready_wait": ready - published})

    began = time.monotonic()
    next_attack, next_publish, n = 0.0, args.every / 2 + 3, 0
    while time.monotonic() - began < args.seconds:
        now = time.monotonic() - began
        if now >= next_attack:
            thread = threading.Thread(target=attack, args=(round(now, 1),), daemon=True)
            thread.start()
            threads.append(thread)
            next_attack += args.every
        if now >= next_publish:
            thread = threading.Thread(target=publish, args=(round(now, 1), n), daemon=True)
            thread.start()
            threads.append(thread)
            next_publish += args.publish_every
            n += 1
        time.sleep(0.05)
    for thread in threads:
        thread.join(600)

    print("\nattack requests (sent at s, status, answered after s, message):")
    for at, status, took, message in sorted(attacks):
        print(f"  {at:6.1f}  {status}  {took:5.1f} s  {message}")
    print("\npublications (published at s: wait until its render started / until ready):")
    for p in sorted(publications, key=lambda p: p["at"]):
        print(f"  {p['at']:6.1f}  {p['status']:6}  start {p['start_wait']:6.1f} s   "
              f"ready {p['ready_wait']:6.1f} s")
    waits = sorted(p["ready_wait"] for p in publications)
    if waits:
        print(f"\nready wait: median {waits[len(waits) // 2]:.1f} s, max {waits[-1]:.1f} s "
              f"over {len(waits)} publications")


if __name__ == "__main__":
    main()
