"""Moderation: reports, admins hiding and restoring (audited), hidden content gone, blocks."""

from tests.api.shader_helpers import published
from tests.helpers import bearer


def make_admin(app, user):
    from fractafrag.cli import admin

    result = app.test_cli_runner().invoke(admin, ["grant", user["username"]])
    assert result.exit_code == 0, result.output
    assert "is now an admin" in result.output


def test_cli_grant_refuses_unknown_users(app):
    from fractafrag.cli import admin

    result = app.test_cli_runner().invoke(admin, ["grant", "ghost"])
    assert result.exit_code != 0 and "No user called 'ghost'" in result.output


def test_reports_are_stored_and_validated(client, make_user, app):
    ann, bob, boss = make_user("ann"), make_user("bob"), make_user("boss")
    shader = published(client, ann)
    made = client.post("/api/v1/reports", json={"kind": "shader", "id": shader["id"],
                                                "reason": "stolen code"},
                       headers=bearer(bob["access_token"]))
    assert made.status_code == 201 and made.json["status"] == "open"
    bad = client.post("/api/v1/reports", json={"kind": "user", "id": 1, "reason": "meh"},
                      headers=bearer(bob["access_token"]))
    assert bad.status_code == 422 and "kind" in bad.json["errors"]["json"]
    missing = client.post("/api/v1/reports", json={"kind": "comment", "id": 999,
                                                   "reason": "spam spam"},
                          headers=bearer(bob["access_token"]))
    assert missing.status_code == 404
    assert client.post("/api/v1/reports", json={"kind": "shader", "id": shader["id"],
                                                "reason": "x!!"}).status_code == 401
    assert client.get("/api/v1/reports", headers=bearer(bob["access_token"])).status_code == 403
    make_admin(app, boss)
    listed = client.get("/api/v1/reports", headers=bearer(boss["access_token"])).json
    assert [(r["kind"], r["target_id"]) for r in listed] == [("shader", shader["id"])]


def test_only_admins_hide_and_hidden_shaders_leave_everything(client, make_user, app):
    ann, bob, boss = make_user("ann"), make_user("bob"), make_user("boss")
    shader = published(client, ann, title="Offensive thing", tags=["bad"])
    url = f"/api/v1/admin/shaders/{shader['id']}/hide"
    assert client.post(url, headers=bearer(bob["access_token"])).status_code == 403
    assert client.post(url).status_code == 401
    make_admin(app, boss)
    hidden = client.post(url + "?reason=rules", headers=bearer(boss["access_token"]))
    assert hidden.status_code == 200 and hidden.json["action"] == "hide"
    sid = shader["id"]
    assert client.get(f"/api/v1/shaders/{sid}").status_code == 404
    assert client.get(f"/shaders/{sid}").status_code == 404
    assert client.get(f"/api/v1/shaders/{sid}/comments").status_code == 404
    for listing in ("/api/v1/shaders?sort=new", "/api/v1/shaders?q=offensive",
                    "/api/v1/shaders?tag=bad", "/api/v1/feed/trending"):
        response = client.get(listing)
        assert all(s["id"] != sid for s in response.json), listing
    assert "Offensive thing" not in client.get("/?sort=new").get_data(as_text=True)
    assert "Offensive thing" not in client.get("/explore?q=offensive").get_data(as_text=True)
    assert client.post(f"/api/v1/shaders/{sid}/comments", json={"body": "hi"},
                       headers=bearer(bob["access_token"])).status_code == 404
    restored = client.post(f"/api/v1/admin/shaders/{sid}/restore",
                           headers=bearer(boss["access_token"]))
    assert restored.json["action"] == "restore"
    assert client.get(f"/api/v1/shaders/{sid}").status_code == 200
    log = client.get("/api/v1/admin/log", headers=bearer(boss["access_token"])).json
    assert [(e["action"], e["kind"], e["target_id"]) for e in log] == [
        ("restore", "shader", sid), ("hide", "shader", sid)]
    assert log[1]["reason"] == "rules" and log[1]["admin_id"] == boss["id"]
    assert client.get("/api/v1/admin/log", headers=bearer(bob["access_token"])).status_code == 403
    assert client.post("/api/v1/admin/shaders/999999/hide",
                       headers=bearer(boss["access_token"])).status_code == 404


def test_hidden_comments_and_desires_leave_their_lists(client, make_user, app):
    ann, bob, boss = make_user("ann"), make_user("bob"), make_user("boss")
    make_admin(app, boss)
    shader = published(client, ann)
    comment = client.post(f"/api/v1/shaders/{shader['id']}/comments", json={"body": "spam"},
                          headers=bearer(bob["access_token"])).json
    client.post(f"/api/v1/admin/comments/{comment['id']}/hide",
                headers=bearer(boss["access_token"]))
    assert client.get(f"/api/v1/shaders/{shader['id']}/comments").json == []
    assert client.get(f"/api/v1/comments/{comment['id']}").status_code == 404
    assert "spam" not in client.get(f"/shaders/{shader['id']}").get_data(as_text=True)
    desire = client.post("/api/v1/desires", json={"prompt": "something awful here"},
                         headers=bearer(bob["access_token"])).json
    client.post(f"/api/v1/admin/desires/{desire['id']}/hide",
                headers=bearer(boss["access_token"]))
    assert client.get(f"/api/v1/desires/{desire['id']}").status_code == 404
    assert client.get("/api/v1/desires").json == []
    client.post(f"/api/v1/admin/desires/{desire['id']}/restore",
                headers=bearer(boss["access_token"]))
    assert [d["id"] for d in client.get("/api/v1/desires").json] == [desire["id"]]


def test_blocks_hide_comments_and_stop_commenting(client, make_user):
    ann, troll, carl = make_user("ann"), make_user("troll"), make_user("carl")
    theirs = published(client, carl)
    client.post(f"/api/v1/shaders/{theirs['id']}/comments", json={"body": "rude"},
                headers=bearer(troll["access_token"]))
    blocked = client.put("/api/v1/users/troll/block", headers=bearer(ann["access_token"]))
    assert blocked.status_code == 200 and blocked.json == {"username": "troll", "blocked": True}
    url = f"/api/v1/shaders/{theirs['id']}/comments"
    assert client.get(url, headers=bearer(ann["access_token"])).json == []
    assert len(client.get(url).json) == 1  # others still see it
    mine = published(client, ann)
    refused = client.post(f"/api/v1/shaders/{mine['id']}/comments", json={"body": "hey"},
                          headers=bearer(troll["access_token"]))
    assert refused.status_code == 403
    assert client.put("/api/v1/users/ann/block",
                      headers=bearer(ann["access_token"])).status_code == 422
    client.delete("/api/v1/users/troll/block", headers=bearer(ann["access_token"]))
    assert len(client.get(url, headers=bearer(ann["access_token"])).json) == 1
