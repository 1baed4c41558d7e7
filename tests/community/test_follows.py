"""Follows: counts on profiles, the follow button, and the Following feed."""

from tests.api.shader_helpers import published
from tests.helpers import bearer


def test_follow_and_unfollow_with_counts(client, make_user):
    make_user("ann")
    bob = make_user("bob")
    url = "/api/v1/users/ANN/follow"
    first = client.put(url, headers=bearer(bob["access_token"]))
    assert first.status_code == 200
    assert first.json == {"username": "ann", "following": True, "followers": 1,
                          "following_count": 0}
    assert client.put(url, headers=bearer(bob["access_token"])).json["followers"] == 1
    profile = client.get("/api/v1/users/ann").json
    assert profile["followers"] == 1 and profile["following"] == 0
    assert client.get("/api/v1/users/bob").json["following"] == 1
    gone = client.delete(url, headers=bearer(bob["access_token"]))
    assert gone.json["following"] is False and gone.json["followers"] == 0


def test_follow_refusals(client, make_user):
    ann = make_user("ann")
    assert client.put("/api/v1/users/ann/follow").status_code == 401
    assert client.put("/api/v1/users/ann/follow",
                      headers=bearer(ann["access_token"])).status_code == 422
    assert client.put("/api/v1/users/nobody/follow",
                      headers=bearer(ann["access_token"])).status_code == 404


def test_following_feed_has_newest_public_shaders_of_followed_people(client, make_user):
    ann, bob, cat = make_user("ann"), make_user("bob"), make_user("cat")
    client.put("/api/v1/users/ann/follow", headers=bearer(bob["access_token"]))
    older = published(client, ann, title="Older one")
    newer = published(client, ann, title="Newer one")
    published(client, ann, title="Secret one", visibility="private")
    published(client, cat, title="Not followed")
    client.set_cookie("access_token_cookie", bob["access_token"])
    page = client.get("/?sort=following").get_data(as_text=True)
    assert page.index("Newer one") < page.index("Older one")
    assert "Secret one" not in page and "Not followed" not in page
    assert f'data-shader-id="{newer["id"]}"' in page and f'data-shader-id="{older["id"]}"' in page
    assert 'aria-current="page">Following<' in page


def test_profile_shows_counts_and_a_follow_button(client, make_user):
    make_user("ann")
    bob = make_user("bob")
    client.put("/api/v1/users/ann/follow", headers=bearer(bob["access_token"]))
    client.set_cookie("access_token_cookie", bob["access_token"])
    page = client.get("/u/ann").get_data(as_text=True)
    assert '<span data-role="followers">1</span> follower ' in page
    assert 'data-action="follow"' in page and 'aria-pressed="true"' in page
    own = client.get("/u/bob").get_data(as_text=True)
    assert 'data-action="follow"' not in own
    assert '<span data-role="following">1</span> following' in own


def test_visitors_get_no_following_tab(client):
    page = client.get("/").get_data(as_text=True)
    assert ">Following<" not in page
    assert client.get("/?sort=following").status_code in (302, 303)
