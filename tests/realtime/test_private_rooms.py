"""Rooms follow visibility: a shader made private or hidden empties its room of everyone who may
no longer see it, and none of its events reach them; its owner keeps receiving them."""

from __future__ import annotations

import time
from datetime import UTC, datetime

import pytest
import requests

from fractafrag.realtime import broadcast
from tests.helpers import bearer
from tests.realtime.helpers import publish

TRANSPORTS = ["websocket", "polling"]
SHADER_EVENTS = ("comment:created", "render:status", "shader:rendered", "vote:updated")


def _quiet(listener, names=SHADER_EVENTS) -> list[str]:
    """The shader events listener got (after giving stray deliveries a moment)."""
    time.sleep(0.5)
    return [name for name in listener.names() if name in names]


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_shader_made_private_stops_talking_to_its_old_room(app, web, listen, make_user,
                                                               transport):
    owner, fan = make_user(), make_user()
    shader = publish(web, owner)
    room = f"shader:{shader['id']}"
    stranger = listen(transport).connect(web.url, token=fan["access_token"])
    stranger.subscribe(room)
    anonymous = listen(transport).connect(web.url)
    anonymous.subscribe(room)
    mine = listen(transport).connect(web.url, token=owner["access_token"])
    mine.subscribe(room)

    made_private = requests.patch(f"{web.url}/api/v1/shaders/{shader['id']}",
                                  json={"visibility": "private"},
                                  headers=bearer(owner["access_token"]), timeout=10)
    assert made_private.status_code == 200, made_private.text
    comment = requests.post(f"{web.url}/api/v1/shaders/{shader['id']}/comments",
                            json={"body": "secret plans for v2"},
                            headers=bearer(owner["access_token"]), timeout=10)
    assert comment.status_code == 201, comment.text
    with app.app_context():
        broadcast.render_status(shader["id"], 2, "rendering", 0.5)
        broadcast.shader_rendered(shader["id"], 2, "/t.png", "/p.webm", False)
        broadcast.vote_updated({"shader_id": shader["id"], "up": 1, "down": 0, "score": 1,
                                "hot": 0.1})
        # Even an emit straight to the old room (like the viewer count) finds it emptied.
        broadcast.emit("render:status", {"shader_id": shader["id"], "version": 3},
                       broadcast.shader_room(shader["id"]))

    # The owner still hears everything of their own shader …
    assert mine.next("comment:created")["id"] == comment.json()["id"]
    assert mine.next("render:status")["version"] == 2
    assert mine.next("shader:rendered")["thumbnail_url"] == "/t.png"
    assert mine.next("vote:updated")["score"] == 1
    # … and those who may no longer see it hear nothing, nor may they come back.
    for listener in (stranger, anonymous):
        assert _quiet(listener) == [], listener.events
        refused = listener.call("subscribe", {"room": room})
        assert refused["ok"] is False and refused["code"] == 404


@pytest.mark.parametrize("transport", ["websocket"])
def test_a_hidden_shader_empties_its_room(app, web, listen, make_user, transport):
    from fractafrag.extensions import db
    from fractafrag.models import Shader

    owner = make_user()
    shader = publish(web, owner)
    viewer = listen(transport).connect(web.url)
    viewer.subscribe(f"shader:{shader['id']}")
    with app.app_context():  # a moderator's hide, through the ORM, from another process
        row = db.session.get(Shader, shader["id"])
        row.hidden_at = datetime.now(UTC)
        db.session.commit()
        broadcast.render_status(shader["id"], 1, "ready", 1.0)
        broadcast.comment_event("created", shader["id"], {"id": 1, "shader_id": shader["id"],
                                                          "body_html": "<p>x</p>"})
    assert _quiet(viewer) == [], viewer.events
