"""`fractafrag up`'s console stays readable: migrating a fresh database prints our own one line,
not Alembic's line per migration; RQ's per-job lines stay out at up's WARNING level
(tests/test_model_fallback.py checks a worker's console under up's settings too)."""

from __future__ import annotations

import subprocess
import sys
import time
import uuid
from pathlib import Path

import psycopg

from tests.helpers import process_env

ROOT = Path(__file__).resolve().parent.parent

MIGRATE = """
import json, os, sys
from fractafrag import runner
runner.console_logging()  # what run_up sets up first
runner._migrate(dict(os.environ))
runner._migrate(dict(os.environ))  # a second start: already up to date
"""


def _fresh_database(database_url: str) -> str:
    """A new, empty database on the test PostgreSQL; its URL."""
    name = f"console_{uuid.uuid4().hex[:12]}"
    admin = database_url.replace("/fractafrag_test?", "/postgres?", 1)
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    return database_url.replace("/fractafrag_test?", f"/{name}?", 1)


def test_migrating_a_fresh_database_prints_our_lines_not_alembics(service_urls, tmp_path):
    url = service_urls["DATABASE_URL"]
    assert "/fractafrag_test?" in url, "an embedded test PostgreSQL (tests/conftest.py)"
    env = process_env({**service_urls, "DATABASE_URL": _fresh_database(url)},
                      FRACTAFRAG_DATA_DIR=str(tmp_path / "data"))
    done = subprocess.run([sys.executable, "-c", MIGRATE], env=env, cwd=ROOT,
                          capture_output=True, text=True, timeout=180)
    assert done.returncode == 0, done.stderr
    lines = [line for line in (done.stdout + done.stderr).splitlines() if line.strip()]
    versions = sorted(p.name for p in (ROOT / "migrations" / "versions").glob("0*.py"))
    assert len(versions) > 1
    head = versions[-1].split("_", 1)[0]
    assert lines == [f"fractafrag: database migrated (empty -> {head})",
                     f"fractafrag: database schema up to date ({head})"], "\n".join(lines)


def test_a_worker_under_ups_settings_prints_no_per_job_lines(service_urls, tmp_path):
    from redis import Redis
    from rq import Queue

    env = process_env(service_urls, FRACTAFRAG_DATA_DIR=str(tmp_path / "data"),
                      FRACTAFRAG_LOG_FORMAT="text", FRACTAFRAG_LOG_LEVEL="WARNING")
    log = tmp_path / "worker.log"
    queue = Queue(f"console-{uuid.uuid4().hex[:8]}", connection=Redis.from_url(
        service_urls["REDIS_URL"]))
    jobs = [queue.enqueue("os.getpid") for _ in range(3)]
    with log.open("w") as out:
        worker = subprocess.Popen([sys.executable, "-m", "fractafrag", "worker", queue.name],
                                  env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT)
        try:
            deadline = time.monotonic() + 60
            while not all(job.get_status(refresh=True) == "finished" for job in jobs):
                assert worker.poll() is None, log.read_text()
                assert time.monotonic() < deadline, log.read_text()
                time.sleep(0.2)
        finally:
            worker.terminate()
            worker.wait(30)
    console = log.read_text()
    assert "os.getpid" not in console and "Job OK" not in console, console
    assert "Worker" not in console and "*** Listening" not in console, console
