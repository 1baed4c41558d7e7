"""Room rules, sign-in on connect, limits, and garbage that must not hurt anything."""

from __future__ import annotations

import time
from datetime import timedelta

import engineio
import pytest
import socketio
import websocket

from fractafrag.config import Config
from fractafrag.realtime import broadcast
from tests.processes import EVENTS_PER_10S
from tests.realtime.helpers import publish

TRANSPORTS = ["websocket", "polling"]


def _refused(answer: dict, code: int) -> bool:
    return answer["ok"] is False and answer["code"] == code


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_rooms_you_may_not_join_answer_with_an_error_event(web, listen, make_user, transport):
    owner = make_user()
    draft = publish(web, owner, visibility="draft")
    anonymous = listen(transport).connect(web.url)
    cases = [({"room": "lobby"}, 404), ({"room": "shader:999999"}, 404),
             ({"room": f"shader:{draft['id']}"}, 404), ({"room": f"user:{owner['id']}"}, 401),
             ({"room": ""}, 422), ({"room": 5}, 422), ({"room": "feed", "extra": 1}, 422),
             ("feed", 422), (None, 422), ([{"room": "feed"}], 422)]
    for payload, code in cases:
        assert _refused(anonymous.call("subscribe", payload), code), payload
        error = anonymous.next("error")
        assert (error["code"], error["event"]) == (code, "subscribe"), payload
        assert error["message"]
    assert _refused(anonymous.call("unsubscribe", {"room": "lobby"}), 404)

    mine = listen(transport).connect(web.url, token=owner["access_token"])
    assert mine.subscribe(f"shader:{draft['id']}")["viewers"] == 1, "owners see their drafts"


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_unknown_and_forged_events_get_an_error_and_the_connection_lives(app, web, listen,
                                                                          transport):
    client = listen(transport).connect(web.url)
    for event in ("explode", "connect", "disconnect", "error", "x" * 500):
        answer = client.call(event, {"room": "feed"})
        assert _refused(answer, 400), event
        assert client.next("error")["code"] == 400
    client.subscribe("feed")
    with app.app_context():
        broadcast.cluster_heat(1, 1.0, 1, "alive")
        broadcast.shader_rendered(9, 1, "/t", "/p", True)
    assert client.next("shader:rendered")["shader_id"] == 9, "a forged disconnect changed nothing"


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_oversized_payloads(app, web, listen, transport):
    client = listen(transport).connect(web.url)
    client.subscribe("feed")
    answer = client.call("subscribe", {"room": "x" * 20_000})
    assert _refused(answer, 413)
    with app.app_context():
        broadcast.shader_rendered(1, 1, "/t", "/p", True)
    client.next("shader:rendered")

    bystander = listen(transport).connect(web.url)
    bystander.subscribe("feed")
    # Frames may carry a whole jam document (about 2 MiB of base64): past that, the transport
    # stops reading and the connection ends.
    client.sio.emit("subscribe", {"room": "x" * (Config().SOCKET_MAX_FRAME_BYTES + 1000)})
    client.next("__disconnected__")  # a frame beyond the transport's limit ends the connection
    with app.app_context():
        broadcast.shader_rendered(2, 1, "/t", "/p", True)
    assert bystander.next("shader:rendered")["shader_id"] == 2, "others are not affected"
    again = listen(transport).connect(web.url)
    assert again.subscribe("feed")["ok"]


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_event_rate_limit(app, web, listen, transport):
    client = listen(transport).connect(web.url)
    for _ in range(2 * EVENTS_PER_10S + 5):
        client.sio.emit("subscribe", {"room": "feed"})
        if transport == "polling":
            # engine.io drops a whole POST of more than 16 packets before any handler sees it
            time.sleep(0.02)
    limited = client.next("error", lambda e: e["code"] == 429)
    assert "Slow down" in limited["message"]
    with app.app_context():
        broadcast.shader_rendered(3, 1, "/t", "/p", True)
    assert client.next("shader:rendered")["shader_id"] == 3, "still connected and subscribed"
    assert 1 <= [e for e, _ in client.events].count("error") <= 2, "one warning per window"


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_bad_tokens_on_connect(app, web, listen, make_user, transport):
    from flask_jwt_extended import create_access_token

    user = make_user()
    with app.app_context():
        expired = create_access_token(identity=str(user["id"]),
                                      expires_delta=timedelta(seconds=-5))
    for token, message in [("not-a-jwt", "Invalid token"), (expired, "expired"),
                           (user["refresh_token"], "refresh token")]:
        sio = socketio.Client(reconnection=False)
        errors = []
        sio.on("connect_error", errors.append)
        with pytest.raises(socketio.exceptions.ConnectionError):
            sio.connect(web.url, transports=[transport], auth={"token": token}, wait_timeout=5)
        assert errors and errors[0]["data"]["code"] == 401 and message in errors[0]["message"]

    stale_cookie = listen(transport).connect(
        web.url, headers={"Cookie": f"access_token_cookie={expired}"})
    assert stale_cookie.subscribe("feed")["ok"], "a stale cookie leaves you anonymous"
    assert _refused(stale_cookie.call("subscribe", {"room": f"user:{user['id']}"}), 401)

    cookie = f"access_token_cookie={user['access_token']}"
    with pytest.raises((socketio.exceptions.ConnectionError, engineio.exceptions.ConnectionError)):
        # Another site's page cannot open a socket with its visitor's cookie at all.
        listen(transport).connect(
            web.url, headers={"Cookie": cookie, "Origin": "https://evil.example"})
    # Our own page: websocket-client sends the server's origin itself; polling sends none.
    our_page = listen(transport).connect(web.url, headers={"Cookie": cookie})
    assert our_page.subscribe(f"user:{user['id']}")["ok"]


def test_garbage_frames_are_ignored(web):
    ws = websocket.create_connection(
        web.url.replace("http", "ws") + "/socket.io/?EIO=4&transport=websocket", timeout=5)
    try:
        assert ws.recv().startswith("0{")
        ws.send("40")
        assert ws.recv().startswith("40{")
        for junk in ("garbage", "", "\u00b2", "9", "49", "4", "42", "42[]", "42{}",
                     '42["subscribe"', "42[123]", '42"feed"', '42["subscribe",{"room":"feed"},1,2]',
                     '451-["subscribe",{"_placeholder":true,"num":0}]'):
            ws.send(junk)
        ws.send_binary(b"\x00\xffbinary attachment")
        ws.send_binary(b"\x04not a packet")
        ws.send('421["subscribe",{"room":"feed"}]')
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            frame = ws.recv()
            if frame.startswith("431"):
                assert frame == '431[{"ok":true,"room":"feed"}]'
                break
        else:
            raise AssertionError("no ack after the garbage")
    finally:
        ws.close()


@pytest.mark.parametrize("junk", [
    "2[", "2" + "[" * 5000 + "]" * 5000, "2", "9", "2-[]", "51-[\"subscribe\",{}]",
    b"\x00\xffbinary attachment"], ids=["bad-json", "too-deep", "no-data", "unknown-type",
                                        "bad-attachments", "binary-event", "stray-binary"])
def test_unreadable_packets_are_dropped_before_python_socketio(make_app, junk):
    """python-socketio raises on these (engine.io then logs a traceback per packet, which a
    client could use to flood the log); the guard drops them, on both transports."""
    from fractafrag.extensions import socketio as extension

    make_app()
    server = extension.server
    with pytest.raises((ValueError, TypeError, RecursionError, KeyError)):
        server._handle_eio_message("a-session", junk)  # what would run without the guard
    assert server.eio.handlers["message"]("a-session", junk) is None


def test_a_join_for_a_connection_that_closed_while_it_waited_is_refused_quietly(make_app):
    """A page going offline drops its socket at once; a subscribe of that connection still
    waiting for its turn is refused (410) instead of failing with a traceback."""
    from flask import request

    from fractafrag.extensions import socketio as extension
    from fractafrag.services import ServiceError

    app = make_app()
    namespace = extension.server.namespace_handlers["/"]
    with app.test_request_context():
        request.sid = "closed-meanwhile"
        for handler in (namespace.on_subscribe, namespace.on_unsubscribe):
            with pytest.raises(ServiceError) as refused:
                handler({"room": "feed"})
            assert refused.value.status == 410
