"""Every event reaches the right rooms, over WebSocket and over long-polling."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from fractafrag.realtime import broadcast
from tests.realtime.helpers import publish, vote

TRANSPORTS = ["websocket", "polling"]


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_feed_gets_published_votes_and_renders(app, web, listen, make_user, transport):
    author, fan = make_user(), make_user()
    feed = listen(transport).connect(web.url)
    assert feed.subscribe("feed") == {"ok": True, "room": "feed"}

    publish(web, author, title="Just a draft", visibility="draft")
    shader = publish(web, author, title="Aurora", tags=["Sky", "glow"])
    published = feed.next("shader:published")
    assert published["shader_id"] == shader["id"], "the draft was not announced"
    assert published | {"published_at": None} == {
        "shader_id": shader["id"], "version": 1, "title": "Aurora", "author": author["username"],
        "tags": ["sky", "glow"], "published_at": None}

    vote(web, fan, shader["id"], 1)
    assert feed.next("vote:updated") | {"hot": 0} == {
        "shader_id": shader["id"], "up": 1, "down": 0, "score": 1, "hot": 0}

    with app.app_context():  # as the render worker does, from another process
        broadcast.shader_rendered(shader["id"], 1, "/renders/t.webp", "/renders/p.webp", True)
    assert feed.next("shader:rendered") == {"shader_id": shader["id"], "version": 1,
                                            "thumbnail_url": "/renders/t.webp",
                                            "preview_url": "/renders/p.webp"}


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_a_draft_turned_public_is_announced_once(web, listen, make_user, transport):
    import requests

    from tests.helpers import bearer

    author = make_user()
    feed = listen(transport).connect(web.url)
    feed.subscribe("feed")
    draft = publish(web, author, title="Later", visibility="draft")
    for title in ("Now public", "Renamed"):
        response = requests.patch(f"{web.url}/api/v1/shaders/{draft['id']}", timeout=10,
                                  json={"visibility": "public", "title": title},
                                  headers=bearer(author["access_token"]))
        assert response.status_code == 200, response.text
    fence = publish(web, author, title="Fence")
    assert feed.next("shader:published")["title"] == "Now public"
    assert feed.next("shader:published")["shader_id"] == fence["id"], "the edit was not announced"


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_shader_room_gets_render_status_votes_and_nothing_after_leaving(app, web, listen,
                                                                        make_user, transport):
    author, fan = make_user(), make_user()
    shader = publish(web, author)
    room = f"shader:{shader['id']}"
    watcher = listen(transport).connect(web.url)
    assert watcher.subscribe(f"shader:00{shader['id']}")["room"] == room, "names are canonical"

    with app.app_context():
        broadcast.render_status(shader["id"], 1, "rendering", 0.4567)
        broadcast.render_status(shader["id"], 1, "failed", 1.0, "Image line 3: boom")
    assert watcher.next("render:status") == {"shader_id": shader["id"], "version": 1,
                                             "status": "rendering", "progress": 0.457}
    assert watcher.next("render:status")["error"] == "Image line 3: boom"

    vote(web, fan, shader["id"], -1)
    assert watcher.next("vote:updated")["score"] == -1

    assert watcher.call("unsubscribe", {"room": room}) == {"ok": True, "room": room}
    watcher.subscribe("desires")
    vote(web, fan, shader["id"], 1)
    with app.app_context():
        broadcast.cluster_heat(1, 0.5, 1, "fence")
    watcher.next("cluster:heat")
    assert watcher.names().count("vote:updated") == 1, "left the room: no more votes from it"


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_desire_board_events_reach_only_the_desires_room(app, web, listen, transport):
    board = listen(transport).connect(web.url)
    board.subscribe("desires")
    feed = listen(transport).connect(web.url)
    feed.subscribe("feed")
    created = datetime(2026, 1, 2, 3, 4, 5, tzinfo=UTC)
    with app.app_context():
        broadcast.desire_created(7, "a neon tunnel", 500, 3, created)
        broadcast.cluster_heat(3, 0.123456, 12, "neon tunnels")
        broadcast.shader_rendered(1, 1, "/t", "/p", True)
    assert board.next("desire:created") == {"desire_id": 7, "prompt": "a neon tunnel",
                                            "bounty_cents": 500, "cluster_id": 3,
                                            "created_at": created.isoformat()}
    assert board.next("cluster:heat") == {"cluster_id": 3, "heat": 0.1235, "size": 12,
                                          "label": "neon tunnels", "merged_into": None}
    feed.next("shader:rendered")
    assert feed.names() == ["shader:rendered"], "the feed did not get the board's events"


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_viewers_count_joins_leaves_and_disconnects(web, listen, make_user, transport):
    shader = publish(web, make_user())
    room = f"shader:{shader['id']}"

    def count(n: int):
        return lambda data: data == {"shader_id": shader["id"], "count": n}

    first = listen(transport).connect(web.url)
    assert first.subscribe(room)["viewers"] == 1
    first.next("viewers", count(1))
    second = listen(transport).connect(web.url)
    assert second.subscribe(room)["viewers"] == 2
    first.next("viewers", count(2))
    second.next("viewers", count(2))
    second.call("unsubscribe", {"room": room})
    first.next("viewers", count(1))
    second.subscribe(room)
    first.next("viewers", count(2))
    second.close()
    first.next("viewers", count(1))


@pytest.mark.parametrize("transport", TRANSPORTS)
def test_private_user_room_by_token_or_cookie(app, web, listen, make_user, transport):
    me, someone = make_user(), make_user()
    by_token = listen(transport).connect(web.url, token=me["access_token"])
    assert by_token.subscribe(f"user:{me['id']}") == {"ok": True, "room": f"user:{me['id']}"}
    by_cookie = listen(transport).connect(
        web.url, headers={"Cookie": f"access_token_cookie={me['access_token']}"})
    by_cookie.subscribe(f"user:{me['id']}")
    stranger = listen(transport).connect(web.url, token=someone["access_token"])

    refused = stranger.call("subscribe", {"room": f"user:{me['id']}"})
    assert (refused["ok"], refused["code"]) == (False, 403)
    assert stranger.next("error")["room"] == f"user:{me['id']}"

    stranger.subscribe(f"user:{someone['id']}")
    with app.app_context():
        broadcast.emit("notice", {"text": "for you"}, broadcast.user_room(me["id"]))
        broadcast.emit("notice", {"text": "fence"}, broadcast.user_room(someone["id"]))
    assert by_token.next("notice") == {"text": "for you"}
    assert by_cookie.next("notice") == {"text": "for you"}
    assert stranger.next("notice") == {"text": "fence"}
    assert stranger.names().count("notice") == 1, "nothing from someone else's room"
