"""Socket.IO under a flood: joins answered without the database, a bounded number of rooms per
connection, connections shed past the caps, and a few log lines instead of one per packet.

The flood runs raw Engine.IO/Socket.IO WebSocket clients (aiohttp) against a real
`gunicorn -k gevent -w 1` web process whose stderr is captured, while a thread probes
`/api/v1/health` every 100 ms.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import aiohttp
import pytest
import requests

from fractafrag.extensions import db, redis
from fractafrag.models import User
from fractafrag.realtime import admission, broadcast
from fractafrag.services import moderation, shaders
from tests.api.shader_helpers import GRADIENT
from tests.helpers import bearer, process_env
from tests.processes import ROOT, free_port
from tests.realtime.helpers import publish

FLOOD_CLIENTS = 240
MAX_ROOMS = 16
MAX_CONNECTIONS = 150
MAX_PER_IP = 100
REAL_ROOMS = 22      # feed, desires and 20 shaders
UNKNOWN_ROOMS = 10   # shaders that do not exist: 404, and they take no place
SOURCE = {"common": "", "passes": [{"name": "Image", "code": GRADIENT, "inputs": []}]}


class LoggedWeb:
    """`gunicorn -k gevent -w 1 wsgi:app` with its stderr in a file, behind one trusted proxy
    (X-Forwarded-For names the client address, so one test can play several addresses)."""

    def __init__(self, urls: dict[str, str], log_path: Path) -> None:
        env = process_env(urls, **{
            "FRACTAFRAG_DATA_DIR": str(Path(urls["root"]) / "web-flood"),
            "FRACTAFRAG_RATELIMIT_ENABLED": "0", "FRACTAFRAG_PROXY_COUNT": "1",
            "FRACTAFRAG_LOG_LEVEL": "WARNING",
            "FRACTAFRAG_SOCKET_MAX_ROOMS": str(MAX_ROOMS),
            "FRACTAFRAG_SOCKET_MAX_CONNECTIONS": str(MAX_CONNECTIONS),
            "FRACTAFRAG_SOCKET_MAX_PER_IP": str(MAX_PER_IP)})
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log_path
        self.log = log_path.open("wb")
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "-k", "gevent", "-w", "1", "--worker-connections",
             "1000", "-b", f"127.0.0.1:{self.port}", "--graceful-timeout", "2", "--log-level",
             "warning", "wsgi:app"],
            cwd=ROOT, env=env, start_new_session=True, stdout=self.log, stderr=self.log)
        deadline = time.monotonic() + 30
        while True:
            try:
                if requests.get(self.url + "/api/v1/health", timeout=2).status_code == 200:
                    break
            except requests.RequestException:
                pass
            if self.proc.poll() is not None or time.monotonic() > deadline:
                self.stop()
                raise RuntimeError("the web process did not start: " + self.lines_from(0)[-1])
            time.sleep(0.1)

    def log_size(self) -> int:
        """Bytes logged so far."""
        self.log.flush()
        return self.log_path.stat().st_size

    def lines_from(self, offset: int) -> list[str]:
        """Log lines written after offset, except access lines."""
        with self.log_path.open("rb") as log:
            log.seek(offset)
            lines = log.read().decode(errors="replace").splitlines()
        return [line for line in lines if '"fractafrag.access"' not in line] or [""]

    def stop(self) -> None:
        """SIGTERM the process group, then SIGKILL what is left."""
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(10)
        self.log.close()


@pytest.fixture
def logged_web(app, service_urls: dict[str, str], tmp_path: Path) -> Iterator[LoggedWeb]:
    """A web process of this test's own, with caps low enough for a short flood."""
    web = LoggedWeb(service_urls, tmp_path / "web.log")
    try:
        yield web
    finally:
        web.stop()


class Flood:
    """Raw WebSocket clients: handshake, Socket.IO connect, a subscribe per room, then hold."""

    def __init__(self, url: str, rooms: list[str]) -> None:
        self.url = url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket"
        self.rooms = rooms
        self.joined = 0
        self.everyone_joined = asyncio.Event()
        self.release = asyncio.Event()

    async def client(self, http: aiohttp.ClientSession, address: str) -> dict[str, Any]:
        """One client from address: {"refused": HTTP status} or {"acks": [ack, …]}."""
        try:
            ws = await http.ws_connect(self.url, headers={"X-Forwarded-For": address},
                                       autoping=False)
        except aiohttp.WSServerHandshakeError as error:
            self._settled()
            return {"address": address, "refused": error.status}
        acks: list[dict[str, Any]] = []
        try:
            assert (await ws.receive_str()).startswith("0{")
            await ws.send_str("40")
            assert (await self._next(ws)).startswith("40{")
            for number, room in enumerate(self.rooms):
                await ws.send_str(f'42{number}["subscribe",{{"room":"{room}"}}]')
            while len(acks) < len(self.rooms):
                frame = await self._next(ws)
                if frame.startswith("43"):
                    acks.append(json.loads(frame[2:].lstrip("0123456789"))[0])
            self._settled()
            await self.release.wait()
        finally:
            await ws.close()
        return {"address": address, "acks": acks}

    async def _next(self, ws: aiohttp.ClientWebSocketResponse) -> str:
        """The next frame that is not a ping (answered) or an error event (acks say it too)."""
        while True:
            frame = await asyncio.wait_for(ws.receive_str(), 60)
            if frame == "2":
                await ws.send_str("3")
            elif not frame.startswith('42["error"'):
                return frame

    def _settled(self) -> None:
        self.joined += 1
        if self.joined >= FLOOD_CLIENTS:
            self.everyone_joined.set()


def _probe(url: str, stop: threading.Event, seconds: list[float], failures: list[str]) -> None:
    with requests.Session() as session:
        while not stop.is_set():
            began = time.perf_counter()
            try:
                status = session.get(url + "/api/v1/health", timeout=5).status_code
                if status != 200:
                    failures.append(f"HTTP {status}")
            except requests.RequestException as error:
                failures.append(repr(error))
            seconds.append(time.perf_counter() - began)
            time.sleep(0.1)


def _make_shaders(app, make_user, make_pro, count: int) -> list[int]:
    author = make_user()
    make_pro(author)
    with app.app_context():
        return [shaders.create_shader(author["id"], {"title": f"Crowd {n}"}, SOURCE).id
                        for n in range(count)]


def test_a_flood_is_shed_and_logged_in_a_few_lines(app, logged_web, make_user, make_pro,
                                                   listen):
    ids = _make_shaders(app, make_user, make_pro, REAL_ROOMS - 2)
    rooms = ([f"shader:{900_000 + n}" for n in range(UNKNOWN_ROOMS)] + ["feed", "desires"]
             + [f"shader:{i}" for i in ids])
    # Two thirds of the crowd from one address, the rest from another.
    addresses = ["203.0.113.1" if n % 3 else "203.0.113.2" for n in range(FLOOD_CLIENTS)]
    log_offset = logged_web.log_size()
    stop, seconds, failures = threading.Event(), [], []
    prober = threading.Thread(target=_probe, args=(logged_web.url, stop, seconds, failures))
    prober.start()

    async def flood() -> list[dict[str, Any]]:
        crowd = Flood(logged_web.url, rooms)
        async with aiohttp.ClientSession(connector=aiohttp.TCPConnector(limit=0)) as http:
            tasks = [asyncio.create_task(crowd.client(http, address)) for address in addresses]
            await asyncio.wait_for(crowd.everyone_joined.wait(), 120)
            await asyncio.sleep(1.0)  # held connections, idle
            crowd.release.set()
            return await asyncio.gather(*tasks)

    try:
        results = asyncio.run(flood())
    finally:
        time.sleep(0.5)
        stop.set()
        prober.join()

    assert not failures, failures
    assert len(seconds) > 10 and max(seconds) < 2.0, f"/health slowest {max(seconds):.2f} s"

    connected = [r for r in results if "acks" in r]
    refused = [r for r in results if "refused" in r]
    assert {r["refused"] for r in refused} == {503}, "refused at the handshake with 503"
    assert len(connected) == MAX_CONNECTIONS and len(refused) == FLOOD_CLIENTS - MAX_CONNECTIONS
    by_address = {a: sum(r["address"] == a for r in connected) for a in set(addresses)}
    assert by_address["203.0.113.1"] <= MAX_PER_IP, by_address
    for result in connected:
        codes = [ack.get("code") for ack in result["acks"] if not ack["ok"]]
        joined = sum(ack["ok"] for ack in result["acks"])
        # Joins in flight hold a place: one to an unknown room holds it until its 404, so a
        # client that sends all its joins at once may end with fewer than MAX_ROOMS rooms.
        assert set(codes) <= {404, 429} and joined + len(codes) == len(rooms), [
            ack for ack in result["acks"] if ack.get("code") not in (None, 404, 429)]
        assert 0 < joined <= MAX_ROOMS, result["acks"]
        assert codes.count(429) >= len(rooms) - MAX_ROOMS - codes.count(404)
        over = [ack for ack in result["acks"] if ack.get("code") == 429]
        assert over and all(f"At most {MAX_ROOMS} rooms" in ack["message"] for ack in over)

    deadline = time.monotonic() + 15  # refusals are summed up every 10 s
    while not any("connections refused" in line for line in logged_web.lines_from(log_offset)):
        assert time.monotonic() < deadline, logged_web.lines_from(log_offset)
        time.sleep(0.5)
    lines = logged_web.lines_from(log_offset)
    assert len(lines) <= 8, "\n".join(lines[:20])

    # Once the crowd has gone, a legitimate visitor joins and hears a broadcast.
    deadline = time.monotonic() + 10
    while True:
        visitor = listen("websocket")
        try:
            visitor.connect(logged_web.url, headers={"X-Forwarded-For": "198.51.100.7"})
            break
        except Exception:
            if time.monotonic() > deadline:
                raise
            time.sleep(0.2)
    assert visitor.subscribe(f"shader:{ids[0]}")["ok"]
    with app.app_context():
        broadcast.render_status(ids[0], 1, "rendering", 0.5)
    assert visitor.next("render:status")["shader_id"] == ids[0]


def test_the_join_cache_follows_visibility_hiding_and_deletion(app, make_user):
    owner, stranger, admin = make_user(), make_user(), make_user()
    with app.app_context():
        db.session.get(User, admin["id"]).role = "admin"
        db.session.commit()
        shader_id = shaders.create_shader(owner["id"], {"title": "Cached"}, SOURCE).id
        key = admission.KEY + str(shader_id)

        def allowed() -> dict[str, bool]:
            state = admission.shader_state(shader_id)
            return {who: admission.may_join(state, user_id) for who, user_id in
                    (("anonymous", None), ("stranger", stranger["id"]), ("owner", owner["id"]))}

        assert allowed() == {"anonymous": True, "stranger": True, "owner": True}
        assert redis.hget(key, "s") == b"*", "the answer is cached"

        shaders.update_shader(shader_id, owner["id"], {"visibility": "private"})
        assert redis.hget(key, "s") is None, "the commit dropped it"
        assert allowed() == {"anonymous": False, "stranger": False, "owner": True}

        shaders.update_shader(shader_id, owner["id"], {"visibility": "unlisted"})
        assert allowed() == {"anonymous": True, "stranger": True, "owner": True}

        moderation.set_hidden(admin["id"], "shader", shader_id, True)
        assert allowed() == {"anonymous": False, "stranger": False, "owner": False}
        moderation.set_hidden(admin["id"], "shader", shader_id, False)
        assert allowed()["anonymous"]

        shaders.delete_shader(shader_id, owner["id"])
        assert allowed() == {"anonymous": False, "stranger": False, "owner": False}

        # A room asked for before its shader exists is cached as nobody's, until it exists.
        assert admission.shader_state(shader_id + 1) == admission.NOBODY
        assert shaders.create_shader(owner["id"], {"title": "Next"}, SOURCE).id == shader_id + 1
        assert admission.shader_state(shader_id + 1) == admission.EVERYONE


def test_a_lookup_that_raced_a_change_is_not_cached(app, make_user):
    owner = make_user()
    with app.app_context():
        shader_id = shaders.create_shader(owner["id"], {"title": "Race"}, SOURCE).id
        key = admission.KEY + str(shader_id)
        _, seen = admission._read(key)  # a join read the generation, then the database …
        shaders.update_shader(shader_id, owner["id"], {"visibility": "private"})  # … a change
        stored = admission._fill_script(app)(keys=[key], args=[seen or "", "*", 60])
        assert stored == 0 and redis.hget(key, "s") is None, "the stale 'public' was not stored"
        assert admission.shader_state(shader_id) == str(owner["id"])


def test_a_shader_made_private_closes_its_room_to_others_at_once(web, listen, make_user):
    owner = make_user()
    shader = publish(web, owner)
    room = f"shader:{shader['id']}"
    assert listen("websocket").connect(web.url).subscribe(room)["ok"]  # cached as public
    response = requests.patch(f"{web.url}/api/v1/shaders/{shader['id']}", timeout=10,
                              json={"visibility": "private"},
                              headers=bearer(owner["access_token"]))
    assert response.status_code == 200, response.text
    late = listen("websocket").connect(web.url)
    answer = late.call("subscribe", {"room": room})
    assert answer["ok"] is False and answer["code"] == 404
    mine = listen("websocket").connect(web.url, token=owner["access_token"])
    assert mine.subscribe(room)["ok"]
