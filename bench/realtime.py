"""Live feed fan-out: N WebSocket clients in `feed`, a REST vote, delivery latency and memory.

One asyncio process drives raw Engine.IO/Socket.IO WebSocket clients (aiohttp) against real
`gunicorn -k gevent -w 1` web processes on embedded PostgreSQL + Redis; a vote through the REST
API must reach every client. Then the same with the clients split over two web processes that
meet only in Redis. Writes the `realtime` section of docs/benchmarks.md.
"""

from __future__ import annotations

import asyncio
import itertools
import os
import resource
import signal
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import aiohttp
import psutil

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import write_section  # noqa: E402
from _services import bench_app  # noqa: E402

from fractafrag.auth import issue_tokens  # noqa: E402
from fractafrag.services import accounts, shaders  # noqa: E402

SIZES = [int(n) for n in os.environ.get("SIZES", "200,500,1000").split(",")]
ROUNDS = int(os.environ.get("ROUNDS", "20"))
WARM = 5
GOAL_MS = 250
VOTES = itertools.cycle((1, -1))  # a vote that changes nothing is not broadcast
ROOT = Path(__file__).resolve().parent.parent
GRADIENT = ("void mainImage(out vec4 c, in vec2 f) "
            "{ c = vec4(f / iResolution.xy, 0.5 + 0.5 * sin(iTime), 1.0); }")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(int(len(ordered) * p), len(ordered) - 1)]


class Web:
    """One `gunicorn -k gevent -w 1 wsgi:app` process."""

    def __init__(self, env: dict[str, str]) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        # Default worker_connections is 1000: the clients plus the REST calls need more.
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-k", "gevent", "-w", "1", "--worker-connections",
             "4000", "--backlog", "4096", "-b", f"127.0.0.1:{self.port}", "--log-level",
             "warning", "wsgi:app"], env=env, cwd=ROOT, start_new_session=True)

    async def ready(self, http: aiohttp.ClientSession) -> None:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            try:
                async with http.get(self.url + "/api/v1/health") as response:
                    if response.status == 200:
                        return
            except aiohttp.ClientError:
                pass
            await asyncio.sleep(0.1)
        raise RuntimeError("web process did not start")

    def rss(self) -> int:
        """Resident memory of the worker process, in bytes."""
        workers = psutil.Process(self.proc.pid).children()
        return sum(w.memory_info().rss for w in workers)

    def stop(self) -> None:
        os.killpg(self.proc.pid, signal.SIGTERM)
        try:
            self.proc.wait(15)
        except subprocess.TimeoutExpired:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait()


class Swarm:
    """Raw Socket.IO clients in the feed room that time each `vote:updated` they receive."""

    def __init__(self) -> None:
        self.round_began = 0.0
        self.samples: list[float] = []
        self.received = 0
        self.everyone = asyncio.Event()
        self.expected = 0
        self.tasks: list[asyncio.Task] = []
        self.sockets: list[aiohttp.ClientWebSocketResponse] = []

    async def join(self, http: aiohttp.ClientSession, url: str) -> None:
        ws = await http.ws_connect(url.replace("http", "ws") + "/socket.io/?EIO=4&transport="
                                   "websocket", autoping=False, max_msg_size=0)
        assert (await ws.receive_str()).startswith("0{")
        await ws.send_str("40")
        assert (await ws.receive_str()).startswith("40{")
        await ws.send_str('420["subscribe",{"room":"feed"}]')
        assert (await ws.receive_str()).startswith('430[{"ok":true')
        self.sockets.append(ws)
        self.tasks.append(asyncio.create_task(self._listen(ws)))

    async def _listen(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        async for message in ws:
            data = message.data
            if data == "2":
                await ws.send_str("3")
            elif data.startswith('42["vote:updated"'):
                self.samples.append(time.perf_counter() - self.round_began)
                self.received += 1
                if self.received >= self.expected:
                    self.everyone.set()

    async def vote(self, http: aiohttp.ClientSession, url: str, shader_id: int, token: str,
                   clients: int) -> float:
        """Flip the vote over REST; return the seconds until every client had the update."""
        value = next(VOTES)
        self.received, self.expected = 0, clients
        self.everyone.clear()
        self.round_began = time.perf_counter()
        async with http.post(f"{url}/api/v1/shaders/{shader_id}/vote", json={"value": value},
                             headers={"Authorization": f"Bearer {token}"}) as response:
            assert response.status == 200, await response.text()
        await asyncio.wait_for(self.everyone.wait(), 30)
        return time.perf_counter() - self.round_began

    async def close(self) -> None:
        for ws in self.sockets:
            await ws.close()
        for task in self.tasks:
            task.cancel()
        await asyncio.gather(*self.tasks, return_exceptions=True)


async def scenario(env: dict[str, str], processes: int, clients: int, shader_id: int,
                   token: str) -> dict[str, float]:
    """Clients spread over the processes; votes go to the first one."""
    webs = [Web(env) for _ in range(processes)]
    connector = aiohttp.TCPConnector(limit=0)
    try:
        async with aiohttp.ClientSession(connector=connector) as http:
            for web in webs:
                await web.ready(http)
            swarm = Swarm()
            for i in range(WARM):
                await swarm.join(http, webs[i % processes].url)
            for _ in range(3):
                await swarm.vote(http, webs[0].url, shader_id, token, WARM)
            await asyncio.sleep(0.5)
            before = sum(web.rss() for web in webs)
            began = time.perf_counter()
            pending = [webs[i % processes].url for i in range(WARM, clients)]
            for start in range(0, len(pending), 50):
                await asyncio.gather(*(swarm.join(http, url) for url in pending[start:start + 50]))
            connect_s = time.perf_counter() - began
            await asyncio.sleep(1.0)
            per_connection = (sum(web.rss() for web in webs) - before) / (clients - WARM)
            swarm.samples.clear()
            finished = []
            for _ in range(ROUNDS):
                finished.append(await swarm.vote(http, webs[0].url, shader_id, token, clients))
                await asyncio.sleep(0.2)
            await swarm.close()
    finally:
        for web in webs:
            web.stop()
    ms = [s * 1000 for s in swarm.samples]
    return {"p50": statistics.median(ms), "p99": percentile(ms, 0.99), "max": max(ms),
            "last": statistics.median(finished) * 1000, "kib": per_connection / 1024,
            "connect": connect_s, "samples": len(ms)}


def main() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 16384 if hard == resource.RLIM_INFINITY else min(hard, 16384)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, wanted), hard))
    results: list[tuple[int, int, dict[str, float]]] = []
    with bench_app() as app:
        with app.app_context():
            author = accounts.register("author", "author@example.org", "bench author password")
            fan = accounts.register("fan", "fan@example.org", "bench fan password")
            shader = shaders.create_shader(author.id, {"title": "Live"}, {
                "common": "", "passes": [{"name": "Image", "code": GRADIENT, "inputs": []}]})
            shader_id, token = shader.id, issue_tokens(fan)["access_token"]
        secret = app.config["JWT_SECRET_KEY"]
        env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
               "REDIS_URL": app.config["REDIS_URL"], "SECRET_KEY": secret,
               "FRACTAFRAG_JWT_SECRET": secret, "FRACTAFRAG_RATELIMIT_ENABLED": "0"}
        for processes in (1, 2):
            for clients in SIZES:
                result = asyncio.run(scenario(env, processes, clients, shader_id, token))
                print(processes, clients, {k: round(v, 1) for k, v in result.items()},
                      flush=True)
                results.append((processes, clients, result))

    rows = [f"| {p} | {n:,} | {r['p50']:.0f} ms | {r['p99']:.0f} ms | {r['max']:.0f} ms "
            f"| {r['last']:.0f} ms | {r['kib']:.0f} KiB | {r['connect']:.1f} s |"
            for p, n, r in results]
    one = {n: r for p, n, r in results if p == 1}
    biggest = max(one)
    verdict = ("meets" if one[biggest]["p99"] < GOAL_MS else "misses")
    body = "\n".join([
        "## Realtime fan-out (bench/realtime.py)",
        "",
        "N raw WebSocket Socket.IO clients (aiohttp, one asyncio process on the same machine) "
        "subscribe to `feed`; a vote through `POST /api/v1/shaders/<id>/vote` on the first web "
        "process is published to Redis and every web process delivers `vote:updated` to its "
        f"clients. {ROUNDS} votes per row; latency runs from sending the REST request to a "
        "client reading the event, over every client and vote. Each web process is "
        "`gunicorn -k gevent -w 1 --worker-connections 4000`; with two, the clients alternate "
        "between them (gunicorn's default of 1,000 worker connections would leave no room for "
        "the REST call at N = 1,000). Memory is the growth of the worker processes' RSS per "
        "connected client.",
        "",
        "| web processes | clients | p50 | p99 | max | all delivered (median) | memory per "
        "connection | connecting them |",
        "|---|---|---|---|---|---|---|---|",
        *rows,
        "",
        f"Goal: {biggest:,} clients on one process with p99 under {GOAL_MS} ms: this run "
        f"{verdict} it ({one[biggest]['p99']:.0f} ms). The clients share the 2 cores with the "
        "server, so these numbers include the swarm's own CPU time.",
    ])
    write_section("realtime", body)
    print(body)


if __name__ == "__main__":
    main()
