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
    try:
        print(open(f"/proc/{pid}/autogroup").read().split()[-1])
    except OSError:
        print("none")
"""


def test_a_niced_workers_database_backend_runs_niced_too(service_urls):
    result = subprocess.run([sys.executable, "-c", PROBE, service_urls["DATABASE_URL"]],
                            capture_output=True, text=True, timeout=60,
                            env={**os.environ, "PYTHONPATH": os.getcwd()})
    assert result.returncode == 0, result.stderr
    mine = os.getpriority(os.PRIO_PROCESS, 0)
    backend, session = result.stdout.split()
    assert int(backend) == min(mine + 7, BACKEND_NICE), "it follows the worker"
    # Under autogroup scheduling a backend (a session of its own) competes as a whole session:
    # the session is niced too, else the backend's nice would order it against nothing.
    if session != "none":
        assert int(session) == min(mine + 7, BACKEND_NICE)
