"""Playlists: ordered, public or private; add, remove, reorder; a page each, listed on profiles."""

from tests.api.shader_helpers import published
from tests.helpers import bearer


def make(client, user, **fields):
    response = client.post("/api/v1/playlists", json={"title": "Favourites", **fields},
                           headers=bearer(user["access_token"]))
    assert response.status_code == 201, response.json
    return response.json


def test_add_reorder_remove(client, make_user):
    ann = make_user("ann")
    a, b, c = (published(client, ann, title=t) for t in ("A", "B", "C"))
    playlist = make(client, ann)
    url = f"/api/v1/playlists/{playlist['id']}/items"
    for shader in (a, b, c):
        added = client.post(url, json={"shader_id": shader["id"]},
                            headers=bearer(ann["access_token"]))
        assert added.status_code == 201
    assert [s["title"] for s in added.json["items"]] == ["A", "B", "C"]
    again = client.post(url, json={"shader_id": a["id"]}, headers=bearer(ann["access_token"]))
    assert again.status_code == 409
    moved = client.put(url, json={"shader_ids": [c["id"], a["id"], b["id"]]},
                       headers=bearer(ann["access_token"]))
    assert [s["title"] for s in moved.json["items"]] == ["C", "A", "B"]
    bad = client.put(url, json={"shader_ids": [c["id"], a["id"]]},
                     headers=bearer(ann["access_token"]))
    assert bad.status_code == 422 and "shader_ids" in bad.json["errors"]
    removed = client.delete(f"{url}/{a['id']}", headers=bearer(ann["access_token"]))
    assert [s["title"] for s in removed.json["items"]] == ["C", "B"]
    assert removed.json["item_count"] == 2
    assert client.delete(f"{url}/{a['id']}",
                         headers=bearer(ann["access_token"])).status_code == 404


def test_private_playlists_and_ownership(client, make_user):
    ann, bob = make_user("ann"), make_user("bob")
    shader = published(client, ann)
    secret = make(client, ann, title="Secret", public=False)
    open_one = make(client, ann, title="Open")
    assert client.get(f"/api/v1/playlists/{secret['id']}").status_code == 404
    assert client.get(f"/api/v1/playlists/{secret['id']}",
                      headers=bearer(ann["access_token"])).status_code == 200
    assert [p["title"] for p in client.get("/api/v1/playlists?owner=ann").json] == ["Open"]
    mine = client.get("/api/v1/playlists?owner=ann", headers=bearer(ann["access_token"])).json
    assert {p["title"] for p in mine} == {"Open", "Secret"}
    url = f"/api/v1/playlists/{open_one['id']}"
    assert client.post(url + "/items", json={"shader_id": shader["id"]},
                       headers=bearer(bob["access_token"])).status_code == 403
    assert client.patch(url, json={"title": "Mine now"},
                        headers=bearer(bob["access_token"])).status_code == 403
    renamed = client.patch(url, json={"title": "Renamed", "public": False},
                           headers=bearer(ann["access_token"]))
    assert renamed.json["title"] == "Renamed" and renamed.json["public"] is False
    assert client.post("/api/v1/playlists", json={"title": ""},
                       headers=bearer(ann["access_token"])).status_code == 422
    assert client.delete(url, headers=bearer(bob["access_token"])).status_code == 404
    assert client.delete(url, headers=bearer(ann["access_token"])).status_code == 204


def test_invisible_shaders_cannot_be_added_and_drop_out(client, make_user):
    ann, bob = make_user("ann"), make_user("bob")
    private = published(client, bob, visibility="private")
    mine = published(client, ann, title="Mine")
    playlist = make(client, ann)
    url = f"/api/v1/playlists/{playlist['id']}/items"
    assert client.post(url, json={"shader_id": private["id"]},
                       headers=bearer(ann["access_token"])).status_code == 404
    client.post(url, json={"shader_id": mine["id"]}, headers=bearer(ann["access_token"]))
    client.delete(f"/api/v1/shaders/{mine['id']}", headers=bearer(ann["access_token"]))
    assert client.get(f"/api/v1/playlists/{playlist['id']}").json["items"] == []


def test_playlist_page_and_profile_list(client, make_user):
    ann, bob = make_user("ann"), make_user("bob")
    shader = published(client, ann, title="Starfield")
    playlist = make(client, ann, title="Space")
    make(client, ann, title="Hidden list", public=False)
    client.post(f"/api/v1/playlists/{playlist['id']}/items", json={"shader_id": shader["id"]},
                headers=bearer(ann["access_token"]))
    page = client.get(f"/playlists/{playlist['id']}")
    assert page.status_code == 200
    text = page.get_data(as_text=True)
    assert "Space" in text and "Starfield" in text
    assert f'data-shader-id="{shader["id"]}"' in text
    profile = client.get("/u/ann").get_data(as_text=True)
    assert f'href="/playlists/{playlist["id"]}">Space<' in profile
    assert "Hidden list" not in profile
    client.set_cookie("access_token_cookie", bob["access_token"])
    assert "Hidden list" not in client.get("/u/ann").get_data(as_text=True)
    assert client.get("/playlists/999").status_code == 404


def test_item_count_counts_only_what_the_viewer_may_see(client, make_user):
    ann, bob = make_user("ann"), make_user("bob")
    mine = published(client, ann, title="Mine")
    theirs = published(client, bob, title="Theirs")
    playlist = make(client, ann)
    url = f"/api/v1/playlists/{playlist['id']}"
    for shader in (mine, theirs):
        assert client.post(f"{url}/items", json={"shader_id": shader["id"]},
                           headers=bearer(ann["access_token"])).status_code == 201
    assert client.patch(f"/api/v1/shaders/{theirs['id']}", json={"visibility": "private"},
                        headers=bearer(bob["access_token"])).status_code == 200

    def counts(user):
        headers = bearer(user["access_token"]) if user else {}
        detail = client.get(url, headers=headers).json
        listed = client.get(f"/api/v1/playlists?owner={ann['username']}", headers=headers).json
        assert len(detail["items"]) == detail["item_count"]
        return detail["item_count"], [p["item_count"] for p in listed
                                      if p["id"] == playlist["id"]]

    assert counts(None) == (1, [1]), "a visitor counts only the shader they may see"
    assert counts(ann) == (1, [1]), "the playlist's owner may not see bob's private shader"
    assert counts(bob) == (2, [2]), "bob sees his own private shader"
