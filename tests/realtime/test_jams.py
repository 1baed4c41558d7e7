"""Jam sessions over Socket.IO: pycrdt clients co-edit through real web processes."""

from __future__ import annotations

import base64
import threading
import time
from typing import Any

import pytest
import requests
from pycrdt import Doc, Text

from tests.api.shader_helpers import GRADIENT
from tests.helpers import bearer
from tests.realtime.helpers import publish


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


def unb64(text: str) -> bytes:
    return base64.b64decode(text)


def rest(web: Any, user: dict | None, method: str, path: str, **body: Any) -> requests.Response:
    headers = bearer(user["access_token"]) if user else {}
    return requests.request(method, f"{web.url}/api/v1{path}", json=body or None,
                            headers=headers, timeout=10)


def start_jam(web: Any, owner: dict, **shader_fields: Any) -> dict:
    shader = publish(web, owner, **shader_fields)
    answer = rest(web, owner, "POST", f"/shaders/{shader['id']}/jams")
    assert answer.status_code == 201, answer.text
    return answer.json()


def server_code(web: Any, jam_id: int, user: dict | None = None, name: str = "Image") -> str:
    jam = rest(web, user, "GET", f"/jams/{jam_id}").json()
    return next(p["code"] for p in jam["passes"] if p["name"] == name)


class Peer:
    """A browser's part of a jam, with pycrdt standing in for Yjs: a local document kept in
    sync over a real Socket.IO connection."""

    def __init__(self, listener: Any, jam_id: int) -> None:
        self.listener = listener
        self.jam = jam_id
        self.doc: Doc = Doc()
        self.lock = threading.Lock()
        self.online = True
        self.vector = b""
        listener.sio.on("jam:update", self._remote)

    def _remote(self, data: dict) -> None:
        if data["jam"] == self.jam and self.online:
            with self.lock:
                self.doc.apply_update(unb64(data["update"]))

    def join(self) -> dict:
        """jam:join with this document's state vector; apply what the server sends, then send
        what the server lacks (the contract's catch-up both ways)."""
        with self.lock:
            vector = self.doc.get_state()
        answer = self.listener.call("jam:join", {"jam": self.jam, "vector": b64(vector)})
        assert answer["ok"], answer
        with self.lock:
            self.doc.apply_update(unb64(answer["update"]))
            missing = self.doc.get_update(unb64(answer["vector"]))
        self.online = True
        if answer["role"] == "editor" and missing != b"\x00\x00":
            sent = self.listener.call("jam:update", {"jam": self.jam, "update": b64(missing)})
            assert sent["ok"], sent
        return answer

    def text(self, name: str = "Image") -> str:
        with self.lock:
            return str(self.doc.get(f"pass:{name}", type=Text))

    def local_edit(self, at: int, insert: str, name: str = "Image") -> bytes:
        """Type into the local document (byte offsets, ASCII here); the update it made."""
        with self.lock:
            before = self.doc.get_state()
            self.doc.get(f"pass:{name}", type=Text).insert(at, insert)
            return self.doc.get_update(before)

    def type(self, at: int, insert: str, name: str = "Image") -> dict:
        """Type and send the update; the server's ack."""
        update = self.local_edit(at, insert, name)
        return self.listener.call("jam:update", {"jam": self.jam, "update": b64(update)})


def peer(listen: Any, web: Any, user: dict | None, jam_id: int) -> Peer:
    return Peer(listen("websocket").connect(web.url, user["access_token"] if user else None),
                jam_id)


def joined(listen: Any, web: Any, user: dict, jam: dict) -> Peer:
    """An editor: joined over REST with the invite, then over the socket."""
    if rest(web, user, "GET", f"/jams/{jam['id']}").json().get("role") != "owner":
        answer = rest(web, user, "POST", f"/jams/{jam['id']}/join", invite=jam["invite"])
        assert answer.status_code == 200, answer.text
    editor = peer(listen, web, user, jam["id"])
    assert editor.join()["role"] == "editor"
    return editor


def settle(check, timeout: float = 10) -> None:
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, "did not settle"
        time.sleep(0.05)


def test_join_sends_the_whole_document_as_a_yjs_update(web, listen, make_user):
    owner = make_user()
    jam = start_jam(web, owner)
    watcher = peer(listen, web, None, jam["id"])
    answer = watcher.join()
    assert answer["role"] == "watcher" and answer["status"] == "live"
    assert answer["active_pass"] == "Image"
    fresh = Doc()
    fresh.apply_update(unb64(answer["update"]))
    assert str(fresh.get("pass:Image", type=Text)) == GRADIENT
    assert str(fresh.get("pass:Common", type=Text)) == ""
    assert watcher.text() == GRADIENT


def test_two_editors_typing_into_one_pass_at_once_converge(web_pair, listen, make_user):
    first, second = web_pair
    owner, bob = make_user(), make_user()
    jam = start_jam(first, owner)
    alice_peer = joined(listen, first, owner, jam)
    bob_peer = joined(listen, second, bob, jam)  # on the other web process
    refused: list[dict] = []

    def typing(editor: Peer, letter: str) -> None:
        for n in range(25):
            ack = editor.type(0, f"{letter}{n};")
            if not ack["ok"]:
                refused.append(ack)

    threads = [threading.Thread(target=typing, args=(alice_peer, "a")),
               threading.Thread(target=typing, args=(bob_peer, "b"))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert refused == []
    expected = server_code(first, jam["id"])
    assert server_code(second, jam["id"]) == expected, "both processes hold the same text"
    for n in range(25):
        assert f"a{n};" in expected and f"b{n};" in expected, "no keystroke was lost"
    assert expected.endswith(GRADIENT)
    settle(lambda: alice_peer.text() == bob_peer.text() == expected)


def test_a_watchers_forged_update_is_refused(web, listen, make_user):
    owner, stranger = make_user(), make_user()
    jam = start_jam(web, owner)
    editor = joined(listen, web, owner, jam)
    for user in (stranger, None):
        watcher = peer(listen, web, user, jam["id"])
        assert watcher.join()["role"] == "watcher"
        forged = watcher.type(0, "// pwned\n")
        assert forged["ok"] is False and forged["code"] == 403
        assert "read-only" in forged["message"]
        awareness = watcher.listener.call("jam:awareness", {"jam": jam["id"],
                                                            "update": b64(b"\x01\x00")})
        assert awareness["code"] == 403
    assert server_code(web, jam["id"]) == GRADIENT
    time.sleep(0.3)
    assert "jam:update" not in editor.listener.names(), "nothing forged reached the editor"


def test_a_rejoining_editor_catches_up_both_ways(web, listen, make_user):
    owner, bob = make_user(), make_user()
    jam = start_jam(web, owner)
    alice = joined(listen, web, owner, jam)
    bob_peer = joined(listen, web, bob, jam)
    bob_peer.online = False  # offline: misses what happens meanwhile
    bob_peer.listener.close()
    assert alice.type(0, "// alice while bob was away\n")["ok"]
    bob_peer.local_edit(len(bob_peer.text().encode()), "// bob offline\n")

    bob_peer.listener = listen("websocket").connect(web.url, bob["access_token"])
    bob_peer.listener.sio.on("jam:update", bob_peer._remote)
    bob_peer.join()
    both = "// alice while bob was away\n" + GRADIENT + "// bob offline\n"
    assert bob_peer.text() == both
    assert server_code(web, jam["id"]) == both
    settle(lambda: alice.text() == both)


def test_a_pass_over_the_limit_is_refused_whole(web, listen, make_user):
    owner = make_user()
    jam = start_jam(web, owner)
    editor = joined(listen, web, owner, jam)
    too_big = editor.type(0, "/" * 262_144)
    assert too_big["ok"] is False and too_big["code"] == 413
    assert "262144" in too_big["message"]
    assert server_code(web, jam["id"]) == GRADIENT
    garbage = editor.listener.call("jam:update", {"jam": jam["id"], "update": "bm90IHlqcw=="})
    assert garbage["code"] == 400 and "Yjs" in garbage["message"]
    not_b64 = editor.listener.call("jam:update", {"jam": jam["id"], "update": "***"})
    assert not_b64["code"] == 400 and "base64" in not_b64["message"]
    unknown = editor.listener.call("jam:update", {"jam": "x", "update": "AAA="})
    assert unknown["code"] == 400 and "jam" in unknown["message"]
    resync = peer(listen, web, owner, jam["id"])
    assert resync.join()["role"] == "editor" and resync.text() == GRADIENT
    assert resync.type(0, "// fine\n")["ok"]


def test_updates_past_the_rate_limit_are_refused(web, listen, make_user):
    owner = make_user()
    jam = start_jam(web, owner)
    editor = joined(listen, web, owner, jam)
    acks: list[dict] = []
    done = threading.Event()

    def record(answer: dict) -> None:
        acks.append(answer)
        if len(acks) == 150:
            done.set()

    for n in range(150):
        update = editor.local_edit(0, f"{n % 10}")
        editor.listener.sio.emit("jam:update", {"jam": jam["id"], "update": b64(update)},
                                 callback=record)
    assert done.wait(30)
    limited = [a for a in acks if not a["ok"]]
    assert limited and all(a["code"] == 429 for a in limited)
    assert "updates a second" in limited[0]["message"]
    assert sum(a["ok"] for a in acks) >= 60, "the burst goes through"


def test_a_private_shaders_jam_cannot_be_joined_by_others(web, listen, make_user):
    owner, other = make_user(), make_user()
    jam = start_jam(web, owner, visibility="private")
    for user in (other, None):
        answer = peer(listen, web, user, jam["id"]).listener.call("jam:join", {"jam": jam["id"]})
        assert answer["ok"] is False and answer["code"] == 404
    assert joined(listen, web, owner, jam).text() == GRADIENT


def test_ending_refuses_later_updates_and_keeps_the_final_state(web, listen, make_user):
    owner, bob = make_user(), make_user()
    jam = start_jam(web, owner)
    alice = joined(listen, web, owner, jam)
    bob_peer = joined(listen, web, bob, jam)
    assert bob_peer.type(0, "// last words\n")["ok"]
    assert rest(web, owner, "POST", f"/jams/{jam['id']}/end").status_code == 200
    alice.listener.next("jam:ended", lambda e: e["jam"] == jam["id"])
    late = bob_peer.type(0, "late")
    assert late["ok"] is False and late["code"] == 409
    replay = peer(listen, web, None, jam["id"])
    answer = replay.join()
    assert answer["status"] == "ended" and answer["role"] == "watcher"
    assert replay.text() == "// last words\n" + GRADIENT


def test_presence_awareness_and_rest_edits_reach_the_room(web, listen, make_user):
    owner, bob = make_user(), make_user()
    jam = start_jam(web, owner)
    alice = joined(listen, web, owner, jam)
    watcher = peer(listen, web, None, jam["id"])
    watcher.join()
    bob_peer = joined(listen, web, bob, jam)
    seen = watcher.listener.next(
        "jam:presence", lambda e: e["watchers"] == 1 and all(
            p["online"] for p in e["participants"]) and len(e["participants"]) == 2)
    assert [p["username"] for p in seen["participants"]] == [owner["username"], bob["username"]]

    cursor = alice.listener.call("jam:awareness", {"jam": jam["id"], "update": b64(b"\x01\x02")})
    assert cursor == {"ok": True}
    assert unb64(bob_peer.listener.next("jam:awareness")["update"]) == b"\x01\x02"
    assert unb64(watcher.listener.next("jam:awareness")["update"]) == b"\x01\x02"

    edited = rest(web, bob, "POST", f"/jams/{jam['id']}/edits", **{
        "pass": "Image", "at": 0, "insert": "// from REST\n"})
    assert edited.status_code == 200
    settle(lambda: watcher.text() == alice.text() == "// from REST\n" + GRADIENT)

    assert rest(web, owner, "DELETE",
                f"/jams/{jam['id']}/participants/{bob['id']}").status_code == 204
    assert bob_peer.listener.next("jam:removed")["user_id"] == bob["id"]
    assert bob_peer.type(0, "x")["code"] == 403
    assert alice.listener.call("jam:leave", {"jam": jam["id"]})["ok"]
    watcher.listener.next("jam:presence", lambda e: [p["online"] for p in e["participants"]]
                          == [False])


@pytest.mark.slow
def test_a_restart_of_fractafrag_up_keeps_the_document(tmp_path, listen):
    from tests.test_up import Up, _free_port

    data_dir = tmp_path / "data"
    up = Up(data_dir, _free_port())
    try:
        up.wait_for("Fractafrag is running at")
        owner = requests.post(up.url + "/api/v1/auth/register", timeout=10, json={
            "username": "jammer", "email": "jammer@example.org",
            "password": "kept across runs"}).json()
        owner["id"] = owner["user"]["id"]
        jam = start_jam(up, owner)
        editor = joined(listen, up, owner, jam)
        for n in range(20):
            assert editor.type(0, f"// line {n}\n")["ok"]
        before = editor.text()
        editor.listener.close()
    finally:
        up.stop()
    again = Up(data_dir, _free_port())
    try:
        again.wait_for("Fractafrag is running at")
        login = requests.post(again.url + "/api/v1/auth/login", timeout=10, json={
            "username": "jammer", "password": "kept across runs"}).json()
        back = peer(listen, again, login, jam["id"])
        answer = back.join()
        assert answer["role"] == "editor" and back.text() == before
        assert before.startswith("// line 19\n") and before.endswith(GRADIENT)
        assert server_code(again, jam["id"]) == before
    finally:
        again.stop()


def test_watchers_leave_when_the_shader_turns_private(web, listen, make_user):
    owner = make_user()
    jam = start_jam(web, owner)
    watcher = peer(listen, web, None, jam["id"])
    watcher.join()
    editor = joined(listen, web, owner, jam)
    assert rest(web, owner, "PATCH", f"/shaders/{jam['shader_id']}",
                visibility="private").status_code == 200
    time.sleep(0.5)
    assert editor.type(0, "// secret\n")["ok"], "the owner still edits"
    time.sleep(0.5)
    assert "secret" not in watcher.text(), "the watcher no longer receives updates"
    assert watcher.listener.call("jam:join", {"jam": jam["id"]})["code"] == 404


def test_a_document_near_its_limits_travels_in_one_update(web, listen, make_user):
    owner = make_user()
    jam = start_jam(web, owner)
    editor = joined(listen, web, owner, jam)
    editor.online = False  # typing offline: one update carries it all on rejoin
    for name in ("Common", "Image"):
        editor.local_edit(0, "/" * 250_000 + "\n", name)
    editor.online = True
    editor.listener.close()
    editor.listener = listen("websocket").connect(web.url, owner["access_token"])
    editor.listener.sio.on("jam:update", editor._remote)
    editor.join()  # sends ~670 KB of base64 as one jam:update
    watcher = peer(listen, web, None, jam["id"])
    watcher.join()
    assert len(watcher.text("Common")) == 250_001
    assert watcher.text("Image") == "/" * 250_000 + "\n" + GRADIENT


@pytest.mark.slow
def test_a_jam_room_counts_under_the_rooms_per_connection_cap(app, service_urls, listen,
                                                              make_user):
    from tests.processes import WebProcess

    web = WebProcess(service_urls, "rooms", settings={"FRACTAFRAG_SOCKET_MAX_ROOMS": "2"})
    try:
        web.wait_ready()
        jam = start_jam(web, make_user())
        client = listen("websocket").connect(web.url)
        client.subscribe("feed")
        client.subscribe("desires")
        full = client.call("jam:join", {"jam": jam["id"]})
        assert full["ok"] is False and full["code"] == 429
        assert "SOCKET_MAX_ROOMS" in full["message"]
        client.call("unsubscribe", {"room": "desires"})
        assert client.call("jam:join", {"jam": jam["id"]})["ok"]
        assert client.call("jam:join", {"jam": jam["id"]})["ok"], "joining again takes no place"
    finally:
        web.stop()
