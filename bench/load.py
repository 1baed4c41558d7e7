"""Load: a realistic mix against `fractafrag up`, and proof that nothing was lost.

Starts `fractafrag up` (embedded PostgreSQL + Redis, web, workers, render worker) in a temporary
folder with rate limits off, creates USERS accounts and SEED shaders through the API, then runs
CLIENTS concurrent clients (one asyncio process, aiohttp) for SECONDS: 70 % feed reads, 20 %
shader pages, 5 % votes, 5 % publishes. It reports requests/s, p50/p99 latency and errors per
kind, then checks that nothing was lost: every shader's up/down counters equal the votes that
were accepted (each user's last accepted vote counts), and every accepted publish exists and
renders (waiting up to RENDER_WAIT seconds for the render queue to drain).

    python bench/load.py                      # 200 clients, 60 s; writes docs/benchmarks.md
    CLIENTS=20 SECONDS=8 python bench/load.py --no-report   # the short form CI runs
"""

from __future__ import annotations

import asyncio
import os
import random
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from pathlib import Path

import aiohttp
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))

CLIENTS = int(os.environ.get("CLIENTS", "200"))
SECONDS = float(os.environ.get("SECONDS", "60"))
# One account per client: a client's votes are sequential, so the last vote each accepted is
# the one the server must hold (two clients voting as one user could race).
USERS = CLIENTS
SEED = int(os.environ.get("SEED_SHADERS", "40"))
RENDER_WAIT = float(os.environ.get("RENDER_WAIT", "600"))
MIX = (("feed", 0.70), ("shader", 0.20), ("vote", 0.05), ("publish", 0.05))
CODE = ("void mainImage(out vec4 fragColor, in vec2 fragCoord) {{\n"
        "    vec2 uv = fragCoord / iResolution.xy;\n"
        "    fragColor = vec4(uv, 0.5 + 0.5 * sin(iTime + {k}.0), 1.0);\n}}\n")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@dataclass
class Stats:
    """Latencies and failures per kind of request, and what the server accepted."""

    latency: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    errors: Counter = field(default_factory=Counter)
    error_samples: list[str] = field(default_factory=list)
    votes: dict[tuple[int, int], int] = field(default_factory=dict)  # (user, shader) -> value
    published: list[int] = field(default_factory=list)


class Up:
    """`fractafrag up` in a temporary folder, its output collected."""

    def __init__(self, root: Path) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
        env.update({"FRACTAFRAG_RATELIMIT_ENABLED": "0",
                    "FRACTAFRAG_FREE_SHADERS_PER_MONTH": "1000000"})
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "fractafrag", "up", "--port", str(self.port),
             "--data-dir", str(root), "--mcp-port", "0"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True, env=env)
        self.lines: list[str] = []
        threading.Thread(target=self._read, daemon=True).start()

    def _read(self) -> None:
        for line in self.proc.stdout:
            self.lines.append(line)

    def wait_ready(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if any("Fractafrag is running at" in line for line in self.lines):
                return
            if self.proc.poll() is not None:
                break
            time.sleep(0.2)
        raise RuntimeError("fractafrag up did not start:\n" + "".join(self.lines[-40:]))

    def stop(self) -> None:
        self.proc.terminate()
        try:
            self.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.proc.kill()


def seed(url: str) -> tuple[list[dict], list[int]]:
    """USERS accounts (with tokens) and SEED public shaders."""
    session = requests.Session()
    users = []
    for n in range(USERS):
        answer = session.post(f"{url}/api/v1/auth/register", timeout=30, json={
            "username": f"load{n}", "email": f"load{n}@example.org",
            "password": "load test password"})
        answer.raise_for_status()
        body = answer.json()
        users.append({"id": body["user"]["id"], "token": body["access_token"]})
    shaders = []
    for k in range(SEED):
        owner = users[k % len(users)]
        answer = session.post(f"{url}/api/v1/shaders", timeout=30, json={
            "title": f"Seed {k}", "code": CODE.format(k=k), "tags": ["load"]},
            headers={"Authorization": f"Bearer {owner['token']}"})
        answer.raise_for_status()
        shaders.append(answer.json()["id"])
    return users, shaders


async def client(url: str, user: dict, shaders: list[int], stats: Stats,
                 session: aiohttp.ClientSession, until: float, rng: random.Random,
                 counter: list[int]) -> None:
    kinds = [k for k, _ in MIX]
    weights = [w for _, w in MIX]
    while time.monotonic() < until:
        kind = rng.choices(kinds, weights)[0]
        auth = {"Authorization": f"Bearer {user['token']}"}
        began = time.perf_counter()
        status = 0
        try:
            if kind == "feed":
                async with session.get(f"{url}/api/v1/feed?page_size=20",
                                       headers=auth if rng.random() < 0.5 else {}) as r:
                    status = r.status
                    await r.read()
            elif kind == "shader":
                async with session.get(f"{url}/shaders/{rng.choice(shaders)}") as r:
                    status = r.status
                    await r.read()
            elif kind == "vote":
                shader = rng.choice(shaders)
                value = rng.choice((1, 1, 1, -1, 0))
                async with session.post(f"{url}/api/v1/shaders/{shader}/vote",
                                        json={"value": value}, headers=auth) as r:
                    status = r.status
                    body = await r.json()
                    if status == 200:
                        stats.votes[(user["id"], shader)] = body["vote"]
                    elif status == 403:
                        status = 200  # own shader: refused by design, not an error
            else:
                counter[0] += 1
                async with session.post(f"{url}/api/v1/shaders", json={
                        "title": f"Load {counter[0]}", "code": CODE.format(k=counter[0]),
                        "tags": ["load"]}, headers=auth) as r:
                    status = r.status
                    body = await r.json()
                    if status == 201:
                        stats.published.append(body["id"])
        except (TimeoutError, aiohttp.ClientError) as error:
            stats.errors[kind] += 1
            if len(stats.error_samples) < 5:
                stats.error_samples.append(f"{kind}: {type(error).__name__} {error}")
            continue
        stats.latency[kind].append((time.perf_counter() - began) * 1000)
        if status >= 400:
            stats.errors[kind] += 1
            if len(stats.error_samples) < 5:
                stats.error_samples.append(f"{kind}: HTTP {status}")


async def run_load(url: str, users: list[dict], shaders: list[int]) -> tuple[Stats, float]:
    stats = Stats()
    rng = random.Random(7)
    counter = [0]
    connector = aiohttp.TCPConnector(limit=CLIENTS)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        began = time.monotonic()
        until = began + SECONDS
        await asyncio.gather(*(client(url, users[i], shaders, stats, session, until,
                                      random.Random(rng.random()), counter)
                               for i in range(CLIENTS)))
        return stats, time.monotonic() - began


def check_votes(url: str, stats: Stats) -> tuple[int, list[str]]:
    """Compare every voted shader's counters with the accepted votes."""
    expected: dict[int, Counter] = defaultdict(Counter)
    for (_user, shader), value in stats.votes.items():
        if value == 1:
            expected[shader]["up"] += 1
        elif value == -1:
            expected[shader]["down"] += 1
    problems = []
    for shader in {s for _, s in stats.votes}:
        body = requests.get(f"{url}/api/v1/shaders/{shader}", timeout=30).json()
        want = expected[shader]
        if (body["up"], body["down"]) != (want["up"], want["down"]):
            problems.append(f"shader {shader}: up/down {body['up']}/{body['down']}, "
                            f"accepted votes say {want['up']}/{want['down']}")
    return len({s for _, s in stats.votes}), problems


def check_publishes(url: str, stats: Stats) -> tuple[int, list[str], float]:
    """Every accepted publish exists and renders; returns rendered count, problems, wait."""
    began = time.monotonic()
    pending = set(stats.published)
    problems = []
    while pending and time.monotonic() - began < RENDER_WAIT:
        for shader in list(pending):
            answer = requests.get(f"{url}/api/v1/shaders/{shader}", timeout=30)
            if answer.status_code != 200:
                problems.append(f"shader {shader} answered {answer.status_code}")
                pending.discard(shader)
            elif answer.json()["render_status"] == "ready":
                pending.discard(shader)
            elif answer.json()["render_status"] == "failed":
                problems.append(f"shader {shader} failed: {answer.json()['render_error']}")
                pending.discard(shader)
        if pending:
            time.sleep(1)
    problems += [f"shader {s} not rendered within {RENDER_WAIT:.0f} s" for s in pending]
    return len(stats.published) - len(pending), problems, time.monotonic() - began


CPU_GROUPS = (("web (gunicorn)", "gunicorn"), ("render worker", "render_worker"),
              ("Chromium", "chromium"), ("PostgreSQL", "postgres"),
              ("RQ worker", "fractafrag worker"), ("Redis", "redis"),
              ("load generator", "bench/load.py"))


def cpu_seconds() -> dict[str, float]:
    """CPU seconds used so far by each part of the system (from /proc), by CPU_GROUPS."""
    used: dict[str, float] = defaultdict(float)
    tick = os.sysconf("SC_CLK_TCK")
    for pid in filter(str.isdigit, os.listdir("/proc")):
        try:
            stat = Path(f"/proc/{pid}/stat").read_text()
            command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode()
        except OSError:
            continue
        fields = stat.rsplit(")", 1)[1].split()
        for name, marker in CPU_GROUPS:
            if marker in command:
                # its own time and that of children it has reaped (GLSL compiles under the web)
                used[name] += sum(int(f) for f in fields[11:15]) / tick
                break
    return used


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(int(len(ordered) * p), len(ordered) - 1)] if ordered else 0.0


def main(report: bool = True) -> dict:
    with tempfile.TemporaryDirectory(prefix="fractafrag-load-") as tmp:
        up = Up(Path(tmp))
        try:
            up.wait_ready()
            users, shaders = seed(up.url)
            print(f"seeded {len(users)} users and {len(shaders)} shaders; loading for "
                  f"{SECONDS:.0f} s", flush=True)
            cpu_before = cpu_seconds()
            stats, elapsed = asyncio.run(run_load(up.url, users, shaders))
            cpu_after = cpu_seconds()
            voted, vote_problems = check_votes(up.url, stats)
            rendered, publish_problems, waited = check_publishes(up.url, stats)
        finally:
            up.stop()
    everything = [x for kind in stats.latency.values() for x in kind]
    total = len(everything)
    result = {
        "requests": total, "rps": total / elapsed, "p50": percentile(everything, 0.5),
        "p99": percentile(everything, 0.99), "errors": sum(stats.errors.values()),
        "error_samples": stats.error_samples, "votes": len(stats.votes), "voted": voted,
        "vote_problems": vote_problems, "published": len(stats.published),
        "rendered": rendered, "publish_problems": publish_problems, "render_wait": waited,
    }
    lines = [
        "## Load (bench/load.py)",
        "",
        f"`fractafrag up` (embedded servers, one web process, one worker, one render worker) "
        f"with rate limits off; {CLIENTS} concurrent clients for {SECONDS:.0f} s from one "
        f"aiohttp process on the same machine; mix 70 % feed, 20 % shader pages, 5 % votes, "
        f"5 % publishes over {USERS} users (one per client) and {SEED} seeded shaders.",
        "",
        "| kind | requests | p50 | p99 | errors |",
        "|---|---|---|---|---|",
        *(f"| {kind} | {len(stats.latency[kind])} | {percentile(stats.latency[kind], 0.5):.0f} ms"
          f" | {percentile(stats.latency[kind], 0.99):.0f} ms | {stats.errors[kind]} |"
          for kind, _ in MIX),
        f"| **all** | {total} ({result['rps']:.0f}/s) | {result['p50']:.0f} ms | "
        f"{result['p99']:.0f} ms | {result['errors']} |",
        "",
        f"Nothing lost: {len(stats.votes)} accepted (user, shader) votes on {voted} shaders; "
        f"counters that disagree: {len(vote_problems)}. {len(stats.published)} accepted "
        f"publishes: {rendered} exist and rendered (render queue drained in {waited:.0f} s); "
        f"problems: {len(publish_problems)}.",
        "",
        "Where the CPU went during the load (share of one core; the machine has "
        f"{os.cpu_count()}): " + ", ".join(
            f"{name} {100 * (cpu_after[name] - cpu_before.get(name, 0)) / elapsed:.0f} %"
            for name, _ in CPU_GROUPS) + ".",
    ]
    body = "\n".join(lines)
    print(body)
    if report:
        from _report import write_section

        write_section("load", body)
    return result


if __name__ == "__main__":
    outcome = main(report="--no-report" not in sys.argv)
    lost = outcome["vote_problems"] + outcome["publish_problems"]
    if lost or outcome["errors"]:
        print("PROBLEMS:", outcome["error_samples"], lost[:10], file=sys.stderr)
        sys.exit(1)
