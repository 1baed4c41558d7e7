"""Jam sessions: edit-to-watcher latency with one editor and a crowd watching.

Starts `fractafrag up` (bench/load.py's Up: embedded PostgreSQL + Redis, its web processes,
workers) in a temporary folder, registers an owner, publishes a shader and starts a jam on it.
WATCHERS python-socketio clients (asyncio, one process) join the jam as watchers; the owner's
client joins as the editor and types EDITS small Yjs updates (made with pycrdt, as a browser's
Yjs would) at RATE per second. Each update is persisted before its ack and broadcast through
Redis to every web process; a watcher's k-th `jam:update` is the editor's k-th edit (one sender,
one channel, in order). Latency runs from the editor sending an update to a watcher receiving
it, over every watcher and edit; the ack time is the editor's own round trip (persisted).

    python bench/jam.py                    # 50 watchers, 300 edits; writes docs/benchmarks.md
    WATCHERS=10 EDITS=50 python bench/jam.py --no-report
"""

from __future__ import annotations

import asyncio
import base64
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

import requests
import socketio
from pycrdt import Doc, Text

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _report import write_section  # noqa: E402
from load import Up  # noqa: E402

WATCHERS = int(os.environ.get("WATCHERS", "50"))
EDITS = int(os.environ.get("EDITS", "300"))
RATE = float(os.environ.get("RATE", "10"))  # edits per second: a typist batching every 100 ms
WARM = 10
CODE = ("void mainImage(out vec4 fragColor, in vec2 fragCoord) {\n"
        "    vec2 uv = fragCoord / iResolution.xy;\n"
        "    fragColor = vec4(uv, 0.5 + 0.5 * sin(iTime), 1.0);\n}\n")


def percentile(samples: list[float], p: float) -> float:
    ordered = sorted(samples)
    return ordered[min(int(len(ordered) * p), len(ordered) - 1)]


def prepare(url: str) -> tuple[str, int]:
    """An owner's token and a live jam on a new shader of theirs."""
    owner = requests.post(f"{url}/api/v1/auth/register", timeout=30, json={
        "username": "jammer", "email": "jammer@example.org",
        "password": "bench jam password"}).json()
    headers = {"Authorization": f"Bearer {owner['access_token']}"}
    shader = requests.post(f"{url}/api/v1/shaders", json={"title": "Jam bench", "code": CODE},
                           headers=headers, timeout=30).json()
    jam = requests.post(f"{url}/api/v1/shaders/{shader['id']}/jams", json={},
                        headers=headers, timeout=30).json()
    return owner["access_token"], jam["id"]


async def watcher(url: str, jam_id: int, arrivals: list[float]) -> socketio.AsyncClient:
    """A connected watcher recording when each `jam:update` arrives."""
    client = socketio.AsyncClient(reconnection=False)
    client.on("jam:update", lambda _data: arrivals.append(time.perf_counter()))
    await client.connect(url, transports=["websocket"], wait_timeout=30)
    joined = await client.call("jam:join", {"jam": jam_id}, timeout=30)
    assert joined["ok"] and joined["role"] == "watcher", joined
    return client


async def measure(url: str, token: str, jam_id: int) -> dict[str, object]:
    """Connect the crowd and the editor, type, and collect the latencies."""
    arrivals: list[list[float]] = [[] for _ in range(WATCHERS)]
    began = time.perf_counter()
    crowd = []
    for batch in range(0, WATCHERS, 10):  # a few at a time: each costs a handshake and a join
        crowd += await asyncio.gather(*(watcher(url, jam_id, arrivals[n])
                                        for n in range(batch, min(batch + 10, WATCHERS))))
    connecting = time.perf_counter() - began
    editor = socketio.AsyncClient(reconnection=False)
    await editor.connect(url, transports=["websocket"], auth={"token": token}, wait_timeout=30)
    joined = await editor.call("jam:join", {"jam": jam_id}, timeout=30)
    assert joined["role"] == "editor", joined
    doc: Doc = Doc()
    doc.apply_update(base64.b64decode(joined["update"]))
    text: Text = doc.get("pass:Image", type=Text)
    sent: list[float] = []
    acks: list[float] = []
    refused = 0
    for n in range(WARM + EDITS):
        before = doc.get_state()
        text.insert(0, f"// {n}\n" if n % 8 == 0 else "x")
        update = base64.b64encode(doc.get_update(before)).decode()
        start = time.perf_counter()
        sent.append(start)
        answer = await editor.call("jam:update", {"jam": jam_id, "update": update}, timeout=30)
        acks.append(time.perf_counter() - start)
        refused += not answer["ok"]
        await asyncio.sleep(max(0.0, 1 / RATE - (time.perf_counter() - start)))
    await asyncio.sleep(2)
    latencies, everyone = [], []
    for n in range(WARM, WARM + EDITS):
        got = [arrivals[w][n] - sent[n] for w in range(WATCHERS) if len(arrivals[w]) > n]
        latencies += got
        if len(got) == WATCHERS:
            everyone.append(max(got))
    delivered = sum(min(len(a), WARM + EDITS) for a in arrivals) - WARM * WATCHERS
    for client in [*crowd, editor]:
        await client.disconnect()
    return {"latencies": latencies, "everyone": everyone, "acks": acks[WARM:],
            "refused": refused, "delivered": delivered, "connecting": connecting}


def main(report: bool) -> None:
    with tempfile.TemporaryDirectory(prefix="fractafrag-jam-bench-") as root:
        up = Up(Path(root) / "data")
        try:
            up.wait_ready()
            token, jam_id = prepare(up.url)
            result = asyncio.run(measure(up.url, token, jam_id))
            load = os.getloadavg()[0]
        finally:
            up.stop()
    latencies = [s * 1000 for s in result["latencies"]]  # type: ignore[attr-defined]
    acks = [s * 1000 for s in result["acks"]]  # type: ignore[attr-defined]
    everyone = [s * 1000 for s in result["everyone"]]  # type: ignore[attr-defined]
    expected = WATCHERS * EDITS
    body = "\n".join([
        "## Jam sessions: edit-to-watcher latency (bench/jam.py)", "",
        f"`fractafrag up` (its default web processes) with one jam: {WATCHERS} watchers and one "
        f"editor, each a python-socketio client over WebSocket in one asyncio process on the "
        f"same machine. The editor types {EDITS} small Yjs updates (made with pycrdt) at "
        f"{RATE:g} a second, each sent as `jam:update` and awaited (the server writes it to "
        "PostgreSQL before the ack, then broadcasts it through Redis); latency runs from "
        "sending an update to a watcher receiving it, over every watcher and edit "
        f"({WARM} warm-up edits left out).", "",
        "| watchers | edits | p50 | p99 | max | all watchers have it (median) | editor's ack "
        "p50 / p99 | delivered | refused |",
        "|---|---|---|---|---|---|---|---|---|",
        f"| {WATCHERS} | {EDITS} | {percentile(latencies, 0.5):.0f} ms | "
        f"{percentile(latencies, 0.99):.0f} ms | {max(latencies):.0f} ms | "
        f"{statistics.median(everyone):.0f} ms | {percentile(acks, 0.5):.0f} / "
        f"{percentile(acks, 0.99):.0f} ms | {result['delivered']:,} of {expected:,} | "
        f"{result['refused']} |", "",
        f"Connecting and joining the {WATCHERS} watchers took {result['connecting']:.1f} s. "
        f"The clients share the cores with the server (load average {load:.1f} at the end), "
        "so the numbers include the crowd's own CPU time.",
    ])
    print(body)
    if report:
        write_section("jam", body)


if __name__ == "__main__":
    main(report="--no-report" not in sys.argv)
