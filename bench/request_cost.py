"""What one request of each kind costs the server, in CPU milliseconds, measured one at a time.

The crowd benchmark (bench/load.py) says how many requests per second the site serves; this
one says why: it starts `fractafrag up` with one web process, seeds like load.py, then sends
REQUESTS requests of each kind of the load mix one after another (no concurrency, so nothing
else is running) and divides the CPU time each part of the system used (web, PostgreSQL,
Redis, workers) by the number of requests. A kind that costs 3 × `/health` can at best be
served at a third of `/health`'s rate.

    python bench/request_cost.py             # prints a table; --report writes docs/benchmarks.md
"""

from __future__ import annotations

import os
import random
import sys
import tempfile
import time
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
os.environ.setdefault("CLIENTS", "50")
os.environ.setdefault("SEED_SHADERS", "40")
os.environ.setdefault("WEB_PROCESSES", "1")

import load  # noqa: E402

REQUESTS = int(os.environ.get("REQUESTS", "300"))
PARTS = ("web", "PostgreSQL", "Redis", "RQ worker", "render worker", "Chromium")


def requester(url: str, users: list[dict], shaders: list[int], published: list[int]):
    """A function sending one request of a kind (load.request_for) with a fresh random
    user/shader; it answers the status (a vote on one's own shader counts as answered)."""
    session = requests.Session()
    rng = random.Random(3)
    counter = [0]

    def send(kind: str) -> int:
        if kind == "publish":
            counter[0] += 1
        method, path, options, _ = load.request_for(kind, rng.choice(users), shaders, rng,
                                                    counter[0])
        answer = session.request(method, url + path, timeout=60, **options)
        if kind == "vote" and answer.status_code == 403:
            return 200  # own shader
        if kind == "publish" and answer.status_code == 201:
            published.append(answer.json()["id"])
        return answer.status_code

    return send


KINDS = ("health", "feed", "feed (anonymous)", "shader", "shader (signed in, API)",
         "trending", "search", "vote", "dwell", "publish")


def main(report: bool) -> None:
    with tempfile.TemporaryDirectory(prefix="fractafrag-cost-") as tmp:
        up = load.Up(Path(tmp))
        try:
            up.wait_ready()
            users, shaders = load.seed(up.url)
            load.wait_rendered(up.url, shaders)
            published: list[int] = []
            send = requester(up.url, users, shaders, published)
            rows = []
            for kind in KINDS:
                count = REQUESTS if kind != "publish" else max(REQUESTS // 10, 5)
                for _ in range(20 if kind != "publish" else 2):  # warm caches, connections
                    send(kind)
                load.wait_rendered(up.url, published)
                before = load.cpu_seconds(up.proc.pid, tmp)
                began = time.perf_counter()
                failures = sum(send(kind) >= 400 for _ in range(count))
                wall = (time.perf_counter() - began) / count * 1000
                # a publish's cost includes its render and its style vector (in the workers)
                load.wait_rendered(up.url, published)
                time.sleep(1.0 if kind == "publish" else 0.0)
                after = load.cpu_seconds(up.proc.pid, tmp)
                spent = {part: 0.0 for part in PARTS}
                for name, seconds in after.items():
                    part = "web" if name.startswith("web pid") else name
                    if part in spent:
                        spent[part] += (seconds - before.get(name, 0.0)) * 1000 / count
                rows.append((kind, wall, spent, failures))
        finally:
            up.stop()
    health = sum(rows[0][2].values())
    lines = ["## What one request costs (bench/request_cost.py)", "",
             f"`fractafrag up` with one web process; {REQUESTS} requests of each kind ("
             f"{max(REQUESTS // 10, 5)} publishes, waiting for their renders) sent one "
             "after another (nothing else running); CPU milliseconds per request by part, and "
             "the total as a multiple of `/health`'s.", "",
             "| kind | wall | " + " | ".join(PARTS) + " | total | × /health | failed |",
             "|---" * (len(PARTS) + 5) + "|"]
    for kind, wall, spent, failures in rows:
        total = sum(spent.values())
        lines.append(f"| {kind} | {wall:.1f} ms | "
                     + " | ".join(f"{spent[p]:.2f}" for p in PARTS)
                     + f" | {total:.2f} | {total / health:.1f} | {failures} |")
    body = "\n".join(lines)
    print(body)
    if report:
        from _report import write_section

        write_section("request-cost", body)


if __name__ == "__main__":
    main(report="--report" in sys.argv)
