"""Start the servers a benchmark needs: embedded PostgreSQL + Redis (or the URLs given)."""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from flask import Flask

from fractafrag import create_app, embedded
from fractafrag.config import Config, sqlalchemy_url


@contextmanager
def bench_app(**overrides: object) -> Iterator[Flask]:
    """An app on fresh embedded servers in a temporary folder, migrated."""
    from flask_migrate import upgrade

    with tempfile.TemporaryDirectory(prefix="fractafrag-bench-") as tmp:
        root = Path(tmp)
        pg_pid = redis_proc = None
        database_url = os.environ.get("BENCH_DATABASE_URL")
        redis_url = os.environ.get("BENCH_REDIS_URL")
        if not database_url:
            database_url, pg_pid = embedded.start_postgres(root / "postgres", "fractafrag_bench")
        if not redis_url:
            argv, redis_url = embedded.redis_command(root / "redis")
            redis_proc = subprocess.Popen(argv, preexec_fn=embedded.parent_death_signal,
                                          stdout=subprocess.DEVNULL)
            embedded.wait_for_redis(redis_url)
        try:
            app = create_app(Config(SQLALCHEMY_DATABASE_URI=sqlalchemy_url(database_url),
                                    REDIS_URL=redis_url, SOCKETIO_ASYNC_MODE="threading",
                                    RATELIMIT_ENABLED=False, **overrides))
            with app.app_context():
                upgrade()
            yield app
        finally:
            if redis_proc is not None:
                redis_proc.terminate()
                redis_proc.wait(5)
            if pg_pid is not None:
                embedded.stop_postgres(pg_pid)
