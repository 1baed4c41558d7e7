"""Socket.IO flood: CLIENTS anonymous WebSocket clients each subscribing to ROOMS rooms.

Starts embedded PostgreSQL + Redis, seeds SHADERS public shaders, then runs the web as
`fractafrag up` does (`gunicorn -k gevent -w WEB_PROCESSES --worker-connections 4000`,
settings from the environment, e.g. FRACTAFRAG_SOCKET_MAX_PER_IP=0 to lift the per-address
cap) with its stderr captured. While the clients connect (all at once, from one address),
subscribe and hold their connections for HOLD seconds, a separate process probes
`GET /api/v1/health` every 100 ms (2 s timeout). Reports /health p50/p99/max and failed
probes, the outcome of every handshake and join, the bytes and lines of log, and the web's
RSS before, at its peak and after the clients left.

    python bench/flood.py                                    # 1,500 clients x 32 rooms
    CLIENTS=300 HOLD=5 python bench/flood.py                 # a short form
"""

from __future__ import annotations

import asyncio
import multiprocessing
import os
import resource
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import Counter
from pathlib import Path

import aiohttp
import psutil
import requests

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _probe import probe_until, summary  # noqa: E402
from _services import bench_app  # noqa: E402

from fractafrag.services import accounts, shaders  # noqa: E402

CLIENTS = int(os.environ.get("CLIENTS", "1500"))
ROOMS = int(os.environ.get("ROOMS", "32"))
SHADERS = int(os.environ.get("SHADERS", "30"))
HOLD = float(os.environ.get("HOLD", "20"))
WEB_PROCESSES = int(os.environ.get("WEB_PROCESSES", "1"))
ROOT = Path(__file__).resolve().parent.parent
GRADIENT = ("void mainImage(out vec4 c, in vec2 f) "
            "{ c = vec4(f / iResolution.xy, 0.5 + 0.5 * sin(iTime), 1.0); }")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def probe(url: str, stop: multiprocessing.Event, results: multiprocessing.Queue) -> None:
    """In its own process (the flood keeps this one busy): probe /health every 100 ms and put
    (latencies of the answered probes, failures)."""
    times, failures = probe_until(url, stop, timeout=2)
    results.put((times, failures))


class Flood:
    """Raw Engine.IO/Socket.IO WebSocket clients; counts what happens to each."""

    def __init__(self, url: str, rooms: list[str]) -> None:
        self.url = url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket"
        self.rooms = rooms
        self.outcomes: Counter[str] = Counter()
        self.joins: Counter[str] = Counter()
        self.release = asyncio.Event()
        self.examples: dict[str, str] = {}

    async def client(self, http: aiohttp.ClientSession) -> None:
        try:
            ws = await http.ws_connect(self.url, autoping=False,
                                       timeout=aiohttp.ClientWSTimeout(ws_close=10))
        except aiohttp.WSServerHandshakeError as error:
            self.outcomes[f"handshake {error.status}"] += 1
            return
        except (TimeoutError, aiohttp.ClientError, OSError) as error:
            self.outcomes[f"connect failed: {type(error).__name__}"] += 1
            return
        try:
            opened = await asyncio.wait_for(ws.receive(), 30)
            if opened.type != aiohttp.WSMsgType.TEXT or not opened.data.startswith("0{"):
                self.outcomes["no open packet"] += 1
                return
            await ws.send_str("40")
            while True:
                message = await asyncio.wait_for(ws.receive(), 30)
                if message.type != aiohttp.WSMsgType.TEXT:
                    self.outcomes["closed before connect"] += 1
                    return
                if message.data == "2":
                    await ws.send_str("3")
                elif message.data.startswith("40"):
                    break
                elif message.data.startswith("44"):
                    self.outcomes["socket.io connect refused"] += 1
                    return
            for number, room in enumerate(self.rooms):
                await ws.send_str(f'42{number}["subscribe",{{"room":"{room}"}}]')
            acked = 0
            while acked < len(self.rooms):
                message = await asyncio.wait_for(ws.receive(), 60)
                if message.type != aiohttp.WSMsgType.TEXT:
                    self.outcomes["closed while joining"] += 1
                    return
                data = message.data
                if data == "2":
                    await ws.send_str("3")
                elif data.startswith("43"):
                    acked += 1
                    if '"ok":true' in data:
                        self.joins["ok"] += 1
                    else:
                        code = data.split('"code":', 1)[1].split(",", 1)[0]
                        self.joins[f"refused {code}"] += 1
                        if code not in self.examples:
                            self.examples[code] = data[:300]
            self.outcomes["connected"] += 1
            while not self.release.is_set():
                try:
                    message = await asyncio.wait_for(ws.receive(), 1)
                except TimeoutError:
                    continue
                if message.type != aiohttp.WSMsgType.TEXT:
                    self.outcomes["dropped while held"] += 1
                    return
                if message.data == "2":
                    await ws.send_str("3")
        except TimeoutError:
            self.outcomes["timed out"] += 1
        except (aiohttp.ClientError, OSError) as error:
            self.outcomes[f"error: {type(error).__name__}"] += 1
        finally:
            await ws.close()


def worker_rss(proc: subprocess.Popen) -> int:
    """Resident memory of gunicorn's workers, in bytes."""
    try:
        return sum(w.memory_info().rss for w in psutil.Process(proc.pid).children())
    except psutil.Error:
        return 0


async def attack(url: str, rooms: list[str], proc: subprocess.Popen) -> dict[str, object]:
    flood = Flood(url, rooms)
    peak = [worker_rss(proc)]
    sampling = True

    def sample() -> None:
        while sampling:
            peak[0] = max(peak[0], worker_rss(proc))
            time.sleep(0.2)

    sampler = threading.Thread(target=sample, daemon=True)
    sampler.start()
    connector = aiohttp.TCPConnector(limit=0, force_close=True)
    began = time.perf_counter()
    async with aiohttp.ClientSession(connector=connector) as http:
        tasks = [asyncio.create_task(flood.client(http)) for _ in range(CLIENTS)]
        settled = time.perf_counter()
        while time.perf_counter() - settled < 60:
            done = sum(flood.outcomes.values())
            if done >= CLIENTS:
                break
            await asyncio.sleep(0.5)
        joined_s = time.perf_counter() - began
        await asyncio.sleep(HOLD)
        flood.release.set()
        await asyncio.gather(*tasks, return_exceptions=True)
    sampling = False
    sampler.join()
    return {"outcomes": dict(flood.outcomes), "joins": dict(flood.joins),
            "settled_s": joined_s, "peak_rss": peak[0], "examples": flood.examples}


def main() -> None:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    wanted = 65536 if hard == resource.RLIM_INFINITY else min(hard, 65536)
    resource.setrlimit(resource.RLIMIT_NOFILE, (max(soft, wanted), hard))
    with bench_app() as app:
        with app.app_context():
            author = accounts.register("author", "author@example.org", "bench author password")
            author.tier = "pro"  # no monthly quota
            ids = [shaders.create_shader(author.id, {"title": f"Flood {n}"}, {
                "common": "", "passes": [{"name": "Image", "code": GRADIENT, "inputs": []}]}).id
                for n in range(SHADERS)]
        rooms = (["feed", "desires"] + [f"shader:{i}" for i in ids]
                 + [f"shader:{10_000 + n}" for n in range(ROOMS)])[:ROOMS]
        secret = app.config["JWT_SECRET_KEY"]
        env = {**os.environ, "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
               "REDIS_URL": app.config["REDIS_URL"], "SECRET_KEY": secret,
               "FRACTAFRAG_JWT_SECRET": secret, "FRACTAFRAG_RATELIMIT_ENABLED": "0"}
        port = free_port()
        url = f"http://127.0.0.1:{port}"
        with tempfile.TemporaryFile() as log:
            proc = subprocess.Popen(
                [sys.executable, "-m", "gunicorn", "-k", "gevent", "-w", str(WEB_PROCESSES),
                 "--worker-connections", "4000", "--graceful-timeout", "4", "--log-level",
                 "warning", "-b", f"127.0.0.1:{port}", "wsgi:app"],
                env=env, cwd=ROOT, start_new_session=True, stderr=log, stdout=log)
            try:
                deadline = time.monotonic() + 60
                while True:
                    try:
                        if requests.get(url + "/api/v1/health", timeout=2).status_code == 200:
                            break
                    except requests.RequestException:
                        pass
                    if time.monotonic() > deadline:
                        raise RuntimeError("the web did not start")
                    time.sleep(0.2)
                for _ in range(20):
                    requests.get(url + "/api/v1/health", timeout=2)
                time.sleep(1)
                before = worker_rss(proc)
                log_start = log.seek(0, os.SEEK_END)
                stop, results = multiprocessing.Event(), multiprocessing.Queue()
                prober = multiprocessing.Process(target=probe, args=(url, stop, results))
                prober.start()
                result = asyncio.run(attack(url, rooms, proc))
                time.sleep(5)
                stop.set()
                latencies, failures = results.get(timeout=30)
                prober.join()
                after = worker_rss(proc)
                log_end = log.seek(0, os.SEEK_END)
                log.seek(log_start)
                lines = [line for line in log.read().decode(errors="replace").splitlines()
                         if '"fractafrag.access"' not in line]  # the probes' access log
            finally:
                os.killpg(proc.pid, signal.SIGTERM)
                try:
                    proc.wait(15)
                except subprocess.TimeoutExpired:
                    os.killpg(proc.pid, signal.SIGKILL)
                    proc.wait()
    caps = {k: v for k, v in os.environ.items() if k.startswith("FRACTAFRAG_SOCKET")}
    print(f"{CLIENTS} clients x {ROOMS} rooms, {WEB_PROCESSES} web process(es), {caps or ''}")
    print(f"handshakes: {result['outcomes']}")
    print(f"joins: {result['joins']}; all settled in {result['settled_s']:.1f} s")
    for example in result["examples"].values():
        print("   ", example)
    print(f"/health during the flood: {summary(latencies, failures)}")
    print(f"log: {log_end - log_start} bytes in all; without the probes' access lines "
          f"{sum(len(line) + 1 for line in lines)} bytes, {len(lines)} lines")
    for line in lines[:10]:
        print("   ", line[:300])
    print(f"web RSS: before {before / 2**20:.0f} MiB, peak {result['peak_rss'] / 2**20:.0f} "
          f"MiB, after {after / 2**20:.0f} MiB")


if __name__ == "__main__":
    main()
