"""jam_edit: an agent joins a live jam with the owner's edit link and edits it over a real
bridge session; browsers in the room see the edit as a Yjs update."""

from __future__ import annotations

import base64
from collections.abc import Callable

import socketio
from pycrdt import Doc, Text

from tests.mcp.helpers import Account, stdio_session
from tests.mcp.test_bridge import GRADIENT, fails, ok, run


def test_an_agent_joins_a_jam_and_its_edits_reach_the_room(
        account: Account, make_account: Callable[[str], Account]) -> None:
    owner = make_account("painter")
    shader = owner.api("POST", "/shaders", json={"title": "Duet", "code": GRADIENT}).json()
    jam = owner.api("POST", f"/shaders/{shader['id']}/jams", json={}).json()
    edit_url = f"{owner.url}{jam['edit_url']}"

    watcher = Doc()
    browser = socketio.Client(reconnection=False)
    browser.on("jam:update", lambda data: watcher.apply_update(base64.b64decode(data["update"])))
    browser.connect(owner.url, transports=["websocket"], wait_timeout=10)
    try:
        joined = browser.call("jam:join", {"jam": jam["id"]}, timeout=10)
        watcher.apply_update(base64.b64decode(joined["update"]))

        async def scenario() -> None:
            async with stdio_session(account.url, account.key) as session:
                refused = await fails(session, "jam_edit", jam=jam["id"], pass_name="Image",
                                      at=0, insert="// hi\n")
                assert "read-only" in refused and "invite" in refused
                wrong = await fails(session, "jam_edit", jam=jam["id"], invite="nope",
                                    at=0, insert="x")
                assert "invite" in wrong
                first = await ok(session, "jam_edit", jam=edit_url, at=0,
                                 insert="// agent was here\n")
                assert first["code"] == "// agent was here\n" + GRADIENT
                assert first["pass"] == "Image" and first["url"].endswith(f"/jam/{jam['id']}")
                # The owner types at the end meanwhile; the agent's splice at the start keeps it.
                owner.api("POST", f"/jams/{jam['id']}/edits",
                          json={"pass": "Image", "at": len(first["code"]),
                                "insert": "// owner\n"})
                second = await ok(session, "jam_edit", jam=f"{owner.url}/jam/{jam['id']}",
                                  at=3, delete=len("agent was here"),
                                  insert="agent rewrote this")
                assert second["code"] == "// agent rewrote this\n" + GRADIENT + "// owner\n"
                tuned = second["code"].replace("0.0, 0.0, 1.0", "0.5, 0.0, 1.0")
                third = await ok(session, "jam_edit", jam=jam["id"], text=tuned)
                assert third["code"] == tuned
                common = await ok(session, "jam_edit", jam=str(jam["id"]), pass_name="Common",
                                  text="#define TAU 6.2831853\n")
                assert common["code"] == "#define TAU 6.2831853\n"
                bad_pass = await fails(session, "jam_edit", jam=jam["id"],
                                       pass_name="Buffer C", at=0, insert="x")
                assert "Buffer C" in bad_pass
                bad_at = await fails(session, "jam_edit", jam=jam["id"], at=100_000,
                                     insert="x")
                assert "at must be" in bad_at
                both = await fails(session, "jam_edit", jam=jam["id"], text="x", at=0)
                assert "not both" in both
                owner.api("POST", f"/jams/{jam['id']}/end")
                ended = await fails(session, "jam_edit", jam=jam["id"], at=0, insert="late")
                assert "ended" in ended

        run(scenario)
        final = owner.api("GET", f"/jams/{jam['id']}").json()
        image = next(p["code"] for p in final["passes"] if p["name"] == "Image")
        assert image == GRADIENT.join(["// agent rewrote this\n", "// owner\n"]).replace(
            "0.0, 0.0, 1.0", "0.5, 0.0, 1.0")
        assert str(watcher.get("pass:Image", type=Text)) == image, \
            "the watching browser got every REST edit as a Yjs update"
        assert str(watcher.get("pass:Common", type=Text)) == "#define TAU 6.2831853\n"
    finally:
        browser.disconnect()
