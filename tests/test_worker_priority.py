"""A niced worker's PostgreSQL backends run at its priority when the server is on this machine."""

from __future__ import annotations

import os
import subprocess
import sys

from fractafrag.jobs.worker import BACKEND_NICE

PROBE = """
import os, sys
import sqlalchemy as sa
from fractafrag.config import sqlalchemy_url
from fractafrag.jobs.worker import nice_database_backends
os.nice(7)
engine = sa.create_engine(sqlalchemy_url(sys.argv[1]))
nice_database_backends(engine)
with engine.connect() as connection:
    pid = connection.scalar(sa.text("SELECT pg_backend_pid()"))
    print(os.getpriority(os.PRIO_PROCESS, pid))
"""


def test_a_niced_workers_database_backend_runs_niced_too(service_urls):
    result = subprocess.run([sys.executable, "-c", PROBE, service_urls["DATABASE_URL"]],
                            capture_output=True, text=True, timeout=60,
                            env={**os.environ, "PYTHONPATH": os.getcwd()})
    assert result.returncode == 0, result.stderr
    mine = os.getpriority(os.PRIO_PROCESS, 0)
    assert int(result.stdout.strip()) == min(mine + 7, BACKEND_NICE), "it follows the worker"
