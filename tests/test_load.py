"""The load benchmark in its short form: a mixed load on `fractafrag up` loses nothing."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_short_load_has_no_errors_and_loses_no_vote_or_publish():
    env = {**os.environ, "CLIENTS": "16", "SECONDS": "6", "HEALTH_SECONDS": "3",
           "SEED_SHADERS": "8", "RENDER_WAIT": "240"}
    env.pop("DATABASE_URL", None)
    env.pop("REDIS_URL", None)
    result = subprocess.run([sys.executable, "bench/load.py", "--no-report"], cwd=ROOT, env=env,
                            capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "counters that disagree: 0" in result.stdout
    assert "problems: 0" in result.stdout
    assert "| **mix, all kinds** |" in result.stdout
    assert "× the" in result.stdout and "req/s of `/health` in the same run" in result.stdout
