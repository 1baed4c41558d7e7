"""What other users see during an attack: GET /api/v1/health every 100 ms, timed."""

from __future__ import annotations

import statistics
import threading
import time
from typing import Any

import requests


def probe_until(url: str, stop: Any, timeout: float = 10.0) -> tuple[list[float], int]:
    """Probe url's /api/v1/health every 100 ms until stop (a threading or multiprocessing
    Event) is set; return every probe's seconds and how many failed (not 200, or no answer)."""
    session = requests.Session()
    times: list[float] = []
    failures = 0
    while not stop.is_set():
        began = time.monotonic()
        try:
            failures += session.get(f"{url}/api/v1/health", timeout=timeout).status_code != 200
        except requests.RequestException:
            failures += 1
        times.append(time.monotonic() - began)
        stop.wait(max(0.1 - (time.monotonic() - began), 0))
    return times, failures


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(int(len(ordered) * p), len(ordered) - 1)] if ordered else float("nan")


def summary(times: list[float], failures: int) -> str:
    """'N probes, p50 …, p99 …, max …, F failed' in milliseconds."""
    if not times:
        return f"no probes, {failures} failed"
    return (f"{len(times)} probes, p50 {1000 * statistics.median(times):.0f} ms, p99 "
            f"{1000 * percentile(times, 0.99):.0f} ms, max {1000 * max(times):.0f} ms, "
            f"{failures} failed")


class HealthProbe:
    """probe_until in a thread, from construction to finish()."""

    def __init__(self, url: str, timeout: float = 10.0) -> None:
        self.stop = threading.Event()
        self.times: list[float] = []
        self.failures = 0

        def run() -> None:
            self.times, self.failures = probe_until(url, self.stop, timeout)

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()

    def finish(self) -> str:
        self.stop.set()
        self.thread.join(timeout=30)
        return summary(self.times, self.failures)
