"""Notifications: forks, comments, votes, fulfilled desires and failed renders tell the owner."""

from unittest import mock

from tests.api.shader_helpers import published
from tests.helpers import bearer


def notes(client, user, query=""):
    response = client.get(f"/api/v1/notifications{query}", headers=bearer(user["access_token"]))
    assert response.status_code == 200, response.json
    return response.json


def test_fork_comment_and_vote_notify_the_owner_but_not_for_their_own_actions(client, make_user):
    ann, bob = make_user("ann"), make_user("bob")
    shader = published(client, ann, title="Plasma")
    path = f"/api/v1/shaders/{shader['id']}"
    with mock.patch("fractafrag.realtime.broadcast.emit") as emit:
        assert client.post(path + "/fork", json={},
                           headers=bearer(bob["access_token"])).status_code == 201
        client.post(path + "/comments", json={"body": "nice"}, headers=bearer(bob["access_token"]))
        client.post(path + "/vote", json={"value": 1}, headers=bearer(bob["access_token"]))
        client.post(path + "/vote", json={"value": -1}, headers=bearer(bob["access_token"]))
        # ann's own actions tell nobody
        client.post(path + "/fork", json={}, headers=bearer(ann["access_token"]))
        client.post(path + "/comments", json={"body": "me"}, headers=bearer(ann["access_token"]))
    rows = notes(client, ann)
    assert [n["kind"] for n in rows] == ["vote", "comment", "fork"]
    assert all(n["actor"] == "bob" and n["shader_id"] == shader["id"] for n in rows)
    assert rows[1]["text"] == "bob commented on “Plasma”"
    assert notes(client, bob) == []
    live = [c.args[1] for c in emit.call_args_list
            if c.args[0] == "notification" and c.args[2] == f"user:{ann['id']}"]
    assert [n["kind"] for n in live] == ["fork", "comment", "vote"]
    assert live[2] == rows[0], "the live vote notification is the stored one"
    assert live[2]["text"] == "bob voted on “Plasma”"


def test_unread_filter_and_marking_read(client, make_user):
    ann, bob = make_user("ann"), make_user("bob")
    shader = published(client, ann)
    for body in ("one", "two", "three"):
        client.post(f"/api/v1/shaders/{shader['id']}/comments", json={"body": body},
                    headers=bearer(bob["access_token"]))
    rows = notes(client, ann, "?unread=1")
    assert len(rows) == 3
    marked = client.post("/api/v1/notifications/read", json={"ids": [rows[0]["id"]]},
                         headers=bearer(ann["access_token"]))
    assert marked.json == {"marked": 1, "unread": 2}
    # someone else's ids change nothing
    assert client.post("/api/v1/notifications/read", json={"ids": [rows[1]["id"]]},
                       headers=bearer(bob["access_token"])).json["marked"] == 0
    assert len(notes(client, ann, "?unread=1")) == 2
    everything = client.post("/api/v1/notifications/read", json={},
                             headers=bearer(ann["access_token"]))
    assert everything.json == {"marked": 2, "unread": 0}
    assert notes(client, ann, "?unread=1") == [] and len(notes(client, ann)) == 3
    assert client.get("/api/v1/notifications").status_code == 401
    bad = client.post("/api/v1/notifications/read", json={"ids": ["x"]},
                      headers=bearer(ann["access_token"]))
    assert bad.status_code == 422


def test_accepted_offer_tells_the_shaders_author(client, make_user):
    ann, bob = make_user("ann"), make_user("bob")
    desire = client.post("/api/v1/desires", json={"prompt": "a calm ocean at night"},
                         headers=bearer(ann["access_token"])).json
    shader = published(client, bob, title="Night sea")
    offer = client.post(f"/api/v1/desires/{desire['id']}/fulfill",
                        json={"shader_id": shader["id"]}, headers=bearer(bob["access_token"])).json
    accepted = client.post(f"/api/v1/desires/{desire['id']}/offers/{offer['id']}/accept",
                           headers=bearer(ann["access_token"]))
    assert accepted.status_code == 200
    rows = notes(client, bob)
    assert rows[0]["kind"] == "fulfilled" and rows[0]["actor"] == "ann"
    assert rows[0]["data"]["desire_id"] == desire["id"]


def test_a_failed_render_tells_the_owner(app, client, make_user):
    from fractafrag.services import renders

    ann = make_user("ann")
    shader = published(client, ann, title="Broken")
    with app.app_context():
        renders.mark_failed(shader["id"], 1, "ANGLE refused it")
    rows = notes(client, ann)
    assert rows[0]["kind"] == "render_failed" and rows[0]["actor"] is None
    assert rows[0]["text"] == "“Broken” failed to render"


def test_the_header_shows_the_unread_count_and_the_page_lists_them(client, make_user):
    ann, bob = make_user("ann"), make_user("bob")
    shader = published(client, ann, title="Plasma")
    client.post(f"/api/v1/shaders/{shader['id']}/comments", json={"body": "hi"},
                headers=bearer(bob["access_token"]))
    client.set_cookie("access_token_cookie", ann["access_token"])
    home = client.get("/").get_data(as_text=True)
    assert 'data-role="notif-count">1<' in home
    page = client.get("/notifications")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "bob commented on “Plasma”" in text
    assert 'data-role="notif-count"' in text
    client.delete_cookie("access_token_cookie")
    assert client.get("/notifications").status_code in (302, 303)
