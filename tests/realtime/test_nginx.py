"""The shipped deploy/nginx.conf, run by the real nginx in front of two real web processes.

Only the upstream addresses, the listen port and the renders path are swapped for local ones;
everything else (headers, upgrades, stickiness, caching) is the file as compose.yaml mounts it.
nginx listens on a port other than 80, as with `.env.example`'s 8080, so the Host nginx
forwards must keep its port for the same-origin check to accept the browser's Origin.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import shutil
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path
from types import SimpleNamespace

import pytest
import requests
import websocket

from tests.processes import WebProcess, free_port
from tests.realtime.helpers import publish, vote

ROOT = Path(__file__).resolve().parents[2]
NGINX = shutil.which("nginx") or "/usr/sbin/nginx"


def substitute(conf: str, pattern: str, replacement: str) -> str:
    """Replace the one occurrence of `pattern`; fail if the file no longer has exactly one."""
    found = len(re.findall(pattern, conf, re.M))
    assert found == 1, f"deploy/nginx.conf: expected one {pattern!r}, found {found}"
    return re.sub(pattern, replacement, conf, flags=re.M)


class Nginx:
    """`nginx -g 'daemon off;'` with deploy/nginx.conf included in a minimal main config."""

    def __init__(self, root: Path, web_ports: list[int], renders: Path) -> None:
        self.root = root
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.mcp_port = free_port()
        conf = (ROOT / "deploy" / "nginx.conf").read_text()
        conf = substitute(conf, r"^\s*server web:5000;",
                          "".join(f"    server 127.0.0.1:{port};\n" for port in web_ports))
        conf = substitute(conf, r"server mcp:3200;", f"server 127.0.0.1:{self.mcp_port};")
        conf = substitute(conf, r"listen 8080;", f"listen 127.0.0.1:{self.port};")
        conf = substitute(conf, r"alias /srv/renders/renders/;", f"alias {renders}/;")
        (root / "tmp").mkdir(parents=True, exist_ok=True)
        (root / "fractafrag.conf").write_text(conf)
        temp = "".join(f"    {kind}_temp_path {root}/tmp/{kind};\n"
                       for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
        (root / "nginx.conf").write_text(
            "user root;\nworker_processes 1;\n"
            f"error_log {root}/error.log warn;\npid {root}/nginx.pid;\n"
            "events { worker_connections 512; }\n"
            "http {\n    include /etc/nginx/mime.types;\n"
            # nginx's combined format plus the web process that answered.
            "    log_format upstream '$remote_addr - $remote_user [$time_local] \"$request\" "
            "$status $body_bytes_sent \"$http_referer\" \"$http_user_agent\" "
            "upstream=$upstream_addr';\n"
            f"    access_log {root}/access.log upstream;\n{temp}"
            f"    include {root}/fractafrag.conf;\n}}\n")
        self.proc = subprocess.Popen(
            [NGINX, "-p", str(root), "-c", str(root / "nginx.conf"), "-g", "daemon off;"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True,
            start_new_session=True)

    def wait_ready(self) -> Nginx:
        """Block until nginx answers (any status) on its port."""
        deadline = time.monotonic() + 15
        while True:
            if self.proc.poll() is not None:
                raise RuntimeError(f"nginx exited: {self.proc.stdout.read()}")  # type: ignore
            try:
                requests.get(self.url + "/renders/none", timeout=2)
                return self
            except requests.RequestException:
                if time.monotonic() > deadline:
                    raise
                time.sleep(0.1)

    def stop(self) -> None:
        """Stop nginx (SIGQUIT: graceful) and wait."""
        if self.proc.poll() is None:
            self.proc.send_signal(3)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(5)


@pytest.fixture(scope="module")
def nginx(web_pair: tuple[WebProcess, WebProcess], tmp_path_factory: pytest.TempPathFactory,
          ) -> Iterator[Nginx]:
    if not os.path.exists(NGINX):
        pytest.fail("nginx is not installed (scripts/test installs Debian's nginx-light)")
    if os.geteuid() != 0:
        pytest.skip("the test runs nginx as root (its workers read the test's private folders)")
    root = tmp_path_factory.mktemp("nginx")
    renders = root / "renders"
    renders.mkdir()
    (renders / "ab").mkdir()
    (renders / "ab" / "abcdef.webp").write_bytes(b"RIFF-not-really-a-webp")
    server = Nginx(root, [process.port for process in web_pair], renders)
    try:
        yield server.wait_ready()
    finally:
        server.stop()


def test_pages_and_the_api_go_through_nginx(nginx: Nginx):
    page = requests.get(nginx.url + "/", timeout=10)
    assert page.status_code == 200 and "text/html" in page.headers["Content-Type"]
    assert "Content-Security-Policy" in page.headers
    health = requests.get(nginx.url + "/api/v1/health", timeout=10)
    assert health.status_code == 200 and health.json()["status"] == "ok"
    assert health.headers.get("X-Request-ID"), "nginx's request id reaches the app"
    assert requests.get(nginx.url + "/metrics", timeout=10).status_code == 404


def test_renders_are_served_by_nginx_with_immutable_caching(nginx: Nginx):
    response = requests.get(nginx.url + "/renders/ab/abcdef.webp", timeout=10)
    assert response.status_code == 200 and response.content == b"RIFF-not-really-a-webp"
    assert "immutable" in response.headers["Cache-Control"]
    assert requests.get(nginx.url + "/renders/ab/missing.webp", timeout=10).status_code == 404


def engineio_websocket(nginx: Nginx, origin: str) -> websocket.WebSocket:
    """A Socket.IO client's WebSocket, as a browser opens it: one Origin header, no polling."""
    return websocket.create_connection(
        f"ws://127.0.0.1:{nginx.port}/socket.io/?EIO=4&transport=websocket", timeout=10,
        origin=origin)


def test_a_browser_websocket_with_the_sites_origin_on_a_non_80_port_is_accepted(nginx: Nginx):
    ws = engineio_websocket(nginx, f"http://127.0.0.1:{nginx.port}")
    try:
        opened = ws.recv()
        assert opened.startswith("0"), opened
        assert "upgrades" in json.loads(opened[1:])
        ws.send("40")  # Socket.IO connect to the default namespace
        connected = ws.recv()
        assert connected.startswith("40") and "sid" in json.loads(connected[2:]), connected
        ws.send('421["subscribe",{"room":"feed"}]')
        while True:
            packet = ws.recv()
            if packet.startswith("431"):
                break
        assert json.loads(packet[3:])[0]["ok"] is True, packet
    finally:
        ws.close()


def test_another_sites_origin_is_still_refused_through_nginx(nginx: Nginx):
    with pytest.raises(websocket.WebSocketBadStatusException) as refused:
        engineio_websocket(nginx, "http://evil.example")
    assert refused.value.status_code == 400
    polling = requests.get(nginx.url + "/socket.io/?EIO=4&transport=polling", timeout=10,
                           headers={"Origin": "http://evil.example"})
    assert polling.status_code == 400


def test_long_polling_with_the_sites_origin_is_accepted_and_sticky(nginx: Nginx):
    origin = {"Origin": f"http://127.0.0.1:{nginx.port}"}
    url = nginx.url + "/socket.io/?EIO=4&transport=polling"
    opened = requests.get(url, headers=origin, timeout=10)
    assert opened.status_code == 200, opened.text
    session = f"{url}&sid={json.loads(opened.text[1:])['sid']}"
    # Every request of the session must reach the process that holds it (hash $remote_addr): one
    # that does not know the sid answers 400.
    posted = requests.post(session, data="40", headers=origin, timeout=10)
    assert posted.status_code == 200 and posted.text.lower() == "ok", posted.text
    answer = requests.get(session, headers=origin, timeout=10)
    assert answer.status_code == 200 and answer.text.startswith("40"), answer.text
    posted = requests.post(session, data='421["subscribe",{"room":"feed"}]', headers=origin,
                           timeout=10)
    assert posted.status_code == 200, posted.text
    answer = requests.get(session, headers=origin, timeout=10)
    assert answer.status_code == 200 and '431[{"ok":true' in answer.text.replace(" ", ""), \
        answer.text


class SourceAddress(requests.adapters.HTTPAdapter):
    """Send a requests.Session's connections from one loopback address (127.0.0.x)."""

    def __init__(self, address: str) -> None:
        self.address = address
        super().__init__()

    def init_poolmanager(self, *args: object, **kwargs: object) -> None:
        kwargs["source_address"] = (self.address, 0)
        super().init_poolmanager(*args, **kwargs)


def test_polling_only_clients_spread_over_both_processes_each_stay_on_theirs(
        nginx: Nginx, listen, make_user):
    """Socket.IO clients forced onto long-polling (the shipped client's fallback when
    WebSockets are blocked), from different addresses: nginx spreads them over both web
    processes, sends every request of each session to the same one, and they all get a vote
    live. With round-robin a session's next request would reach the other process (400, gone);
    with ip_hash every 127.0.0.x (one /24) would land on one process."""
    through = SimpleNamespace(url=nginx.url)
    author, fan = make_user(), make_user()
    shader = publish(through, author)
    log = nginx.root / "access.log"

    def upstreams_by_client() -> dict[str, set[str]]:
        found: dict[str, set[str]] = {}
        for line in log.read_text().splitlines():
            if '"GET /socket.io/' in line or '"POST /socket.io/' in line:
                client = line.split(" ", 1)[0]
                if client != "127.0.0.1":
                    found.setdefault(client, set()).add(line.rsplit("upstream=", 1)[1])
        return found

    clients = []
    for host in range(2, 40):
        address = f"127.0.0.{host}"
        session = requests.Session()
        session.mount("http://", SourceAddress(address))
        client = listen("polling", session)
        client.connect(nginx.url, headers={"Origin": nginx.url})
        client.subscribe(f"shader:{shader['id']}")
        clients.append(client)
        served = {upstream for upstreams in upstreams_by_client().values()
                  for upstream in upstreams}
        if len(clients) >= 4 and len(served) == 2:
            break
    assert len(served) == 2, f"every polling client went to one process: {upstreams_by_client()}"
    assert all(client.sio.eio.current_transport == "polling" for client in clients)
    vote(through, fan, shader["id"], 1)
    for client in clients:
        assert client.next("vote:updated")["score"] == 1
    # Several more round trips each, then: each session's requests all went to one process.
    vote(through, fan, shader["id"], -1)
    for client in clients:
        assert client.next("vote:updated")["score"] == -1
        assert client.call("subscribe", {"room": "feed"})["ok"] is True
    by_client = upstreams_by_client()
    assert len(by_client) == len(clients)
    for client_address, upstreams in by_client.items():
        assert len(upstreams) == 1, f"{client_address}'s polling moved: {upstreams}"
    assert "__disconnected__" not in {name for client in clients for name in client.names()}


def test_a_vote_made_through_nginx_arrives_live_over_its_websocket(nginx: Nginx, listen,
                                                                   make_user):
    through = SimpleNamespace(url=nginx.url)
    author, fan = make_user(), make_user()
    shader = publish(through, author)
    # python-socketio sends the Origin a browser on this page would: http://127.0.0.1:<port>.
    watcher = listen("websocket").connect(nginx.url)
    watcher.subscribe(f"shader:{shader['id']}")
    vote(through, fan, shader["id"], 1)
    assert watcher.next("vote:updated")["score"] == 1


def test_the_public_url_origin_is_accepted_behind_a_proxy_that_rewrites_host(app,
                                                                             service_urls):
    """A TLS proxy in front (https://shaders.example.org) that talks to nginx or the app with
    its own Host: FRACTAFRAG_PUBLIC_URL names the site, so its pages may open sockets."""
    process = WebProcess(service_urls, "public", {"FRACTAFRAG_PUBLIC_URL":
                                                  "https://shaders.example.org"})
    try:
        process.wait_ready()
        url = f"ws://127.0.0.1:{process.port}/socket.io/?EIO=4&transport=websocket"
        ws = websocket.create_connection(url, timeout=10, origin="https://shaders.example.org")
        try:
            assert ws.recv().startswith("0")
        finally:
            ws.close()
        with pytest.raises(websocket.WebSocketBadStatusException):
            websocket.create_connection(url, timeout=10, origin="https://evil.example.org")
    finally:
        process.stop()


@pytest.mark.browser
def test_a_browser_through_nginx_gets_the_feed_live_over_websocket(nginx: Nginx, make_user):
    """Chromium on nginx's non-80 port: the feed's Socket.IO connects (upgraded to WebSocket
    through nginx: a 101 in its access log) and a vote made through nginx arrives live."""
    from playwright.sync_api import expect, sync_playwright

    from render_worker.browser import CHROMIUM_FLAGS, find_chromium

    through = SimpleNamespace(url=nginx.url)
    artist, voter = make_user(), make_user()
    shader = publish(through, artist, title="Through nginx")
    executable = find_chromium()
    assert executable, "Chromium is needed (scripts/test installs it)"
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_FLAGS)
        try:
            page = browser.new_page(base_url=nginx.url)
            page.set_default_timeout(15_000)
            page.goto("/?sort=new")
            card = page.locator(f'[data-shader-id="{shader["id"]}"]')
            expect(card.locator("[data-role=score]")).to_have_text("0")
            expect(page.locator("body")).to_have_attribute("data-socket", "connected")
            vote(through, voter, shader["id"], 1)
            expect(card.locator("[data-role=score]")).to_have_text("1")
        finally:
            browser.close()
    log = (nginx.root / "access.log").read_text()
    assert re.search(r'"GET /socket\.io/\?[^"]*transport=websocket[^"]*" 101 ', log), log[-2000:]


def test_mcp_reaches_the_bridge_through_nginx(nginx: Nginx):
    bridge = subprocess.Popen(
        [sys.executable, "-m", "mcp_bridge", "--transport", "http", "--host", "127.0.0.1",
         "--port", str(nginx.mcp_port), "--url", nginx.url], cwd=ROOT,
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 30
        while True:
            hello = requests.post(nginx.url + "/mcp", timeout=10, json={
                "jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
                    "protocolVersion": "2025-06-18", "capabilities": {},
                    "clientInfo": {"name": "test", "version": "1"}}},
                headers={"Accept": "application/json, text/event-stream"})
            if hello.status_code != 502 or time.monotonic() > deadline:
                break
            time.sleep(0.2)
        assert hello.status_code == 200 and '"tools"' in hello.text, hello.text
    finally:
        bridge.terminate()
        bridge.wait(10)


def login_from(address: str, port: int) -> int:
    """A wrong-password login sent from the given loopback address; the status."""
    connection = http.client.HTTPConnection("127.0.0.1", port, timeout=10,
                                            source_address=(address, 0))
    try:
        connection.request("POST", "/api/v1/auth/login", body=json.dumps(
            {"username": "nobody", "password": "wrong password"}),
            headers={"Content-Type": "application/json"})
        return connection.getresponse().status
    finally:
        connection.close()


def test_behind_nginx_with_proxy_count_1_rate_limits_key_on_the_clients_address(
        app, service_urls, tmp_path):
    limited = WebProcess(service_urls, "limited", {
        "FRACTAFRAG_RATELIMIT_ENABLED": "1", "FRACTAFRAG_PROXY_COUNT": "1",
        "FRACTAFRAG_RATELIMIT_LOGIN_IP": "3/1min"})
    server = None
    try:
        limited.wait_ready()
        (tmp_path / "renders").mkdir()
        server = Nginx(tmp_path / "nginx", [limited.port], tmp_path / "renders").wait_ready()
        assert [login_from("127.0.0.2", server.port) for _ in range(4)] == [401, 401, 401, 429]
        # Another client is not limited by the first one's attempts (nginx's own address is
        # the same for both: the app keys on X-Forwarded-For's client).
        assert login_from("127.0.0.3", server.port) == 401
    finally:
        if server is not None:
            server.stop()
        limited.stop()
