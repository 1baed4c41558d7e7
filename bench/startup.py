"""Measure cold and warm start (and stop) times of `fractafrag up`; write docs/benchmarks.md."""

from __future__ import annotations

import os
import signal
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import write_section  # noqa: E402

RUNS = int(os.environ.get("RUNS", "3"))


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def start_once(data_dir: Path) -> tuple[float, float]:
    """Seconds until 'Fractafrag is running' is printed, and seconds to stop after SIGTERM."""
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
    began = time.monotonic()
    proc = subprocess.Popen(
        [sys.executable, "-m", "fractafrag", "up", "--port", str(free_port()),
         "--data-dir", str(data_dir)],
        stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, env=env,
    )
    for line in proc.stdout:
        if "Fractafrag is running at" in line:
            break
    else:
        raise RuntimeError("fractafrag up exited before it was running")
    ready = time.monotonic() - began
    stop_began = time.monotonic()
    proc.send_signal(signal.SIGTERM)
    proc.wait(30)
    return ready, time.monotonic() - stop_began


def main() -> None:
    cold, warm, stops = [], [], []
    for _ in range(RUNS):
        with tempfile.TemporaryDirectory() as tmp:
            data = Path(tmp) / "data"
            ready, stop = start_once(data)
            cold.append(ready)
            stops.append(stop)
            ready, stop = start_once(data)
            warm.append(ready)
            stops.append(stop)

    def row(label: str, values: list[float]) -> str:
        return (f"| {label} | {statistics.median(values):.2f} s | {min(values):.2f} s "
                f"| {max(values):.2f} s |")

    body = f"""## `fractafrag up` start and stop (bench/startup.py)

Time from launching `fractafrag up` to its line `Fractafrag is running at …` (printed only after
`/api/v1/health` answers 200), embedded PostgreSQL + Redis, {RUNS} runs each:

| start | median | min | max |
|---|---|---|---|
{row("cold (empty data folder: initdb, create database, all migrations)", cold)}
{row("warm (existing data folder)", warm)}
{row("stop (SIGTERM until every process has exited)", stops)}
"""
    write_section("startup", body)
    print(body)


if __name__ == "__main__":
    main()
