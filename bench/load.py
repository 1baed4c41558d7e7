"""Load: a crowd on a realistic mix against `fractafrag up`, measured beside `/health`.

Starts `fractafrag up` (embedded PostgreSQL + Redis, WEB_PROCESSES web processes, workers,
render worker) in a temporary folder with rate limits off, creates USERS accounts and SEED
shaders through the API and waits until they are rendered (the feed shows rendered shaders
only). Then, in one run with the same server and the same CLIENTS closed-loop clients (one
asyncio process, aiohttp):

1. HEALTH_SECONDS of `GET /api/v1/health` only: what the server gives its cheapest request;
2. SECONDS of the mix: 40 % personalised feed (bearer), 20 % shader pages (HTML), 12 %
   trending, 10 % search, 10 % votes, 7 % dwell, 1 % publishes.

It reports the mix's requests/s as a ratio to the /health requests/s of the same run, p50/p99
per kind, errors, and the CPU share of each process; then checks that nothing was lost: every
shader's up/down counters equal the votes that were accepted (each user's last accepted vote
counts), and every accepted publish exists and renders (waiting up to RENDER_WAIT seconds).

    python bench/load.py                      # 200 clients, 60 s; writes docs/benchmarks.md
    WEB_PROCESSES=1 python bench/load.py --no-report         # one web process, for comparison
    CLIENTS=16 SECONDS=6 python bench/load.py --no-report   # the short form CI runs
"""

from __future__ import annotations

import asyncio
import json
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
SEED = int(os.environ.get("SEED_SHADERS", "60"))
RENDER_WAIT = float(os.environ.get("RENDER_WAIT", "600"))
HEALTH_SECONDS = float(os.environ.get("HEALTH_SECONDS", str(min(SECONDS, 20))))
WEB_PROCESSES = os.environ.get("WEB_PROCESSES", "")   # empty: fractafrag up's default
MIX = (("feed", 0.40), ("shader", 0.20), ("trending", 0.12), ("search", 0.10),
       ("vote", 0.10), ("dwell", 0.07), ("publish", 0.01))
WORDS = ("seed", "load", "plasma", "wave", "sin", "noise", "color", "time")
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
    finished: list[tuple[float, float]] = field(default_factory=list)  # (monotonic end, ms)
    published: list[int] = field(default_factory=list)


class Up:
    """`fractafrag up` in a temporary folder, its output collected."""

    def __init__(self, root: Path, settings: dict[str, str] | None = None) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "REDIS_URL")}
        env.update({"FRACTAFRAG_RATELIMIT_ENABLED": "0",
                    "FRACTAFRAG_FREE_SHADERS_PER_MONTH": "1000000", **(settings or {})})
        extra = ["--web-processes", WEB_PROCESSES] if WEB_PROCESSES else []
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "fractafrag", "up", "--port", str(self.port),
             "--data-dir", str(root), "--mcp-port", "0", *extra],
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


def wait_rendered(url: str, shaders: list[int]) -> float:
    """Wait until every seeded shader is rendered (so the feed has them); return the wait."""
    began = time.monotonic()
    pending = set(shaders)
    while pending and time.monotonic() - began < RENDER_WAIT:
        for shader in list(pending):
            body = requests.get(f"{url}/api/v1/shaders/{shader}", timeout=30).json()
            if body["render_status"] in ("ready", "failed"):
                pending.discard(shader)
        if pending:
            time.sleep(1)
    return time.monotonic() - began


def request_for(kind: str, user: dict, shaders: list[int], rng: random.Random,
                serial: int) -> tuple[str, str, dict, int | None]:
    """One request of a kind of the mix (or of bench/request_cost.py's extra kinds) as
    (method, path, options for the HTTP client, the shader voted on); shaders and values are
    drawn from rng, a publish is titled by its serial number."""
    auth = {"Authorization": f"Bearer {user['token']}"}
    shader = rng.choice(shaders)
    if kind == "health":
        return "GET", "/api/v1/health", {}, None
    if kind == "feed":
        return "GET", "/api/v1/feed?page_size=20", {"headers": auth}, None
    if kind == "feed (anonymous)":
        return "GET", "/api/v1/feed?page_size=20", {}, None
    if kind == "trending":
        return "GET", "/api/v1/feed/trending?page_size=20", {}, None
    if kind == "search":
        return "GET", "/api/v1/shaders", {"headers": auth,
                                          "params": {"q": rng.choice(WORDS)}}, None
    if kind == "dwell":
        return "POST", f"/api/v1/shaders/{shader}/dwell", {
            "headers": auth, "json": {"ms": rng.randint(500, 60000)}}, None
    if kind == "shader":
        return "GET", f"/shaders/{shader}", {}, None
    if kind == "shader (signed in, API)":
        return "GET", f"/api/v1/shaders/{shader}", {"headers": auth}, None
    if kind == "vote":
        return "POST", f"/api/v1/shaders/{shader}/vote", {
            "headers": auth, "json": {"value": rng.choice((1, 1, 1, -1, 0))}}, shader
    if kind == "publish":
        return "POST", "/api/v1/shaders", {"headers": auth, "json": {
            "title": f"Load {serial}", "code": CODE.format(k=serial), "tags": ["load"]}}, None
    raise ValueError(f"unknown kind {kind!r}")


async def client(url: str, user: dict, shaders: list[int], stats: Stats,
                 session: aiohttp.ClientSession, until: float, rng: random.Random,
                 counter: list[int], mix: tuple[tuple[str, float], ...]) -> None:
    kinds = [k for k, _ in mix]
    weights = [w for _, w in mix]

    async def call(method: str, path: str, **options: object) -> tuple[int, bytes]:
        async with session.request(method, url + path, **options) as r:
            return r.status, await r.read()

    while time.monotonic() < until:
        kind = rng.choices(kinds, weights)[0]
        if kind == "publish":
            counter[0] += 1
        method, path, options, shader = request_for(kind, user, shaders, rng, counter[0])
        began = time.perf_counter()
        try:
            status, body = await call(method, path, **options)
            if kind == "vote":
                if status == 200:
                    stats.votes[(user["id"], shader)] = json.loads(body)["vote"]
                elif status == 403:
                    status = 200  # own shader: refused by design, not an error
            elif kind == "publish" and status == 201:
                stats.published.append(json.loads(body)["id"])
        except (TimeoutError, aiohttp.ClientError) as error:
            stats.errors[kind] += 1
            if len(stats.error_samples) < 5:
                stats.error_samples.append(f"{kind}: {type(error).__name__} {error}")
            continue
        stats.latency[kind].append((time.perf_counter() - began) * 1000)
        stats.finished.append((time.monotonic(), stats.latency[kind][-1]))
        if status >= 400:
            stats.errors[kind] += 1
            if len(stats.error_samples) < 5:
                stats.error_samples.append(f"{kind}: HTTP {status} {body[:200]!r}")


async def run_load(url: str, users: list[dict], shaders: list[int],
                   mix: tuple[tuple[str, float], ...], seconds: float) -> tuple[Stats, float]:
    stats = Stats()
    rng = random.Random(7)
    counter = [0]
    connector = aiohttp.TCPConnector(limit=CLIENTS)
    timeout = aiohttp.ClientTimeout(total=60)
    async with aiohttp.ClientSession(connector=connector, timeout=timeout) as session:
        began = time.monotonic()
        until = began + seconds
        await asyncio.gather(*(client(url, users[i], shaders, stats, session, until,
                                      random.Random(rng.random()), counter, mix)
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


CPU_GROUPS = (("web", "gunicorn"), ("render worker", "render_worker"),
              ("Chromium", "chromium"), ("PostgreSQL", "postgres"),
              ("RQ worker", "fractafrag worker"), ("Redis", "redis"),
              ("load generator", "bench/load.py"))


def cpu_seconds(root: int, folder: str) -> dict[str, float]:
    """CPU seconds used so far by each process of the system under test (`fractafrag up` with
    its children, and the embedded PostgreSQL, which runs apart, in `folder`) and this load
    generator: web processes one by one, the others summed by CPU_GROUPS. Other processes on
    the machine are not counted."""
    import psutil

    used: dict[str, float] = defaultdict(float)
    try:
        tree = [psutil.Process(root), *psutil.Process(root).children(recursive=True)]
    except psutil.NoSuchProcess:
        tree = []
    members = {process.pid for process in tree}
    for process in psutil.process_iter():
        try:
            if process.pid not in members and folder in " ".join(process.cmdline()):
                tree.append(process)
                members.add(process.pid)
                tree.extend(child for child in process.children(recursive=True)
                            if child.pid not in members)
        except psutil.Error:
            continue
    for process in [*tree, psutil.Process()]:
        try:
            command = " ".join(process.cmdline())
            times = process.cpu_times()
        except psutil.Error:
            continue
        label = "fractafrag up"
        for name, marker in CPU_GROUPS:
            if marker in command:
                label = f"web pid {process.pid}" if name == "web" else name
                break
        if process.pid == os.getpid():
            label = "load generator"
        # its own time and that of children it has reaped (GLSL compiles under the web)
        used[label] += times.user + times.system + times.children_user + times.children_system
    return used


def cpu_shares(before: dict[str, float], after: dict[str, float], elapsed: float) -> str:
    """'name 57 %, ...' of one core each, busiest first, idle ones left out."""
    shares = {name: 100 * (after[name] - before.get(name, 0.0)) / elapsed for name in after}
    return ", ".join(f"{name} {share:.0f} %" for name, share in
                     sorted(shares.items(), key=lambda item: -item[1]) if share >= 0.5)


def windows(finished: list[tuple[float, float]], seconds: float = 10) -> str:
    """p50 / p99 of the requests that finished in each window of the run, in order."""
    if not finished:
        return "none"
    start = min(t for t, _ in finished)
    buckets: dict[int, list[float]] = defaultdict(list)
    for at, ms in finished:
        buckets[int((at - start) // seconds)].append(ms)
    return ", ".join(f"{int(i * seconds)}-{int((i + 1) * seconds)} s "
                     f"{percentile(v, 0.5):.0f} / {percentile(v, 0.99):.0f} ms"
                     for i, v in sorted(buckets.items()))


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(int(len(ordered) * p), len(ordered) - 1)] if ordered else 0.0


def main(report: bool = True) -> dict:
    with tempfile.TemporaryDirectory(prefix="fractafrag-load-") as tmp:
        up = Up(Path(tmp))
        try:
            up.wait_ready()
            users, shaders = seed(up.url)
            render_seed = wait_rendered(up.url, shaders)
            print(f"seeded {len(users)} users and {len(shaders)} shaders (rendered in "
                  f"{render_seed:.0f} s); /health for {HEALTH_SECONDS:.0f} s, then the mix for "
                  f"{SECONDS:.0f} s", flush=True)
            cpu_0 = cpu_seconds(up.proc.pid, tmp)
            health, health_elapsed = asyncio.run(run_load(
                up.url, users, shaders, (("health", 1.0),), HEALTH_SECONDS))
            cpu_1 = cpu_seconds(up.proc.pid, tmp)
            stats, elapsed = asyncio.run(run_load(up.url, users, shaders, MIX, SECONDS))
            cpu_2 = cpu_seconds(up.proc.pid, tmp)
            voted, vote_problems = check_votes(up.url, stats)
            rendered, publish_problems, waited = check_publishes(up.url, stats)
            # gunicorn's master counts as a web pid too; it serves nothing
            web_processes = max(sum(1 for name in cpu_2 if name.startswith("web pid")) - 1, 1)
        finally:
            up.stop()
    everything = [x for kind in stats.latency.values() for x in kind]
    total = len(everything)
    health_total = len(health.latency["health"])
    health_rps = health_total / health_elapsed
    rps = total / elapsed
    result = {
        "requests": total, "rps": rps, "health_rps": health_rps,
        "ratio": rps / health_rps if health_rps else 0.0,
        "p50": percentile(everything, 0.5), "p99": percentile(everything, 0.99),
        "errors": sum(stats.errors.values()) + sum(health.errors.values()),
        "error_samples": stats.error_samples + health.error_samples, "votes": len(stats.votes),
        "voted": voted, "vote_problems": vote_problems, "published": len(stats.published),
        "rendered": rendered, "publish_problems": publish_problems, "render_wait": waited,
    }

    def row(name: str, samples: list[float], errors: int, seconds: float) -> str:
        return (f"| {name} | {len(samples)} ({len(samples) / seconds:.0f}/s) | "
                f"{percentile(samples, 0.5):.0f} ms | {percentile(samples, 0.99):.0f} ms | "
                f"{errors} |")

    lines = [
        "## Load (bench/load.py)",
        "",
        f"`fractafrag up` (embedded servers, {web_processes} web process"
        f"{'es' if web_processes != 1 else ''}, one worker, one render worker) with rate limits "
        f"off; {CLIENTS} closed-loop clients from one aiohttp process on the same machine, "
        f"{USERS} users (one per client, bearer tokens), {SEED} seeded rendered shaders. In one "
        f"run: {HEALTH_SECONDS:.0f} s of `/api/v1/health` alone, then {SECONDS:.0f} s of the mix "
        "(40 % personalised feed, 20 % shader pages, 12 % trending, 10 % search, 10 % votes, "
        "7 % dwell, 1 % publishes).",
        "",
        f"**Mix {rps:.0f} req/s = {result['ratio']:.2f} × the {health_rps:.0f} req/s of "
        f"`/health` in the same run; p50 {result['p50']:.0f} ms, p99 {result['p99']:.0f} ms; "
        f"{result['errors']} errors.**",
        "",
        "| kind | requests | p50 | p99 | errors |",
        "|---|---|---|---|---|",
        row("`/health` alone", health.latency["health"], health.errors["health"],
            health_elapsed),
        *(row(kind, stats.latency[kind], stats.errors[kind], elapsed) for kind, _ in MIX),
        row("**mix, all kinds**", everything, sum(stats.errors.values()), elapsed),
        "",
        "Over the run, by 10-second window (p50 / p99): " + windows(stats.finished) + ".",
        "",
        f"Nothing lost: {len(stats.votes)} accepted (user, shader) votes on {voted} shaders; "
        f"counters that disagree: {len(vote_problems)}. {len(stats.published)} accepted "
        f"publishes: {rendered} exist and rendered (render queue drained in {waited:.0f} s); "
        f"problems: {len(publish_problems)}.",
        "",
        f"CPU, share of one core (the machine has {os.cpu_count()}), during `/health`: "
        + cpu_shares(cpu_0, cpu_1, health_elapsed) + "; during the mix: "
        + cpu_shares(cpu_1, cpu_2, elapsed) + ".",
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
