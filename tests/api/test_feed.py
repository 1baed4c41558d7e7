"""Trending, the personalised feed (the seed's formula) and its stable pages."""

import json

from fractafrag.api.cache import forget_kept
from tests.api.shader_helpers import published
from tests.helpers import bearer


def ids(response) -> list[int]:
    assert response.status_code == 200, response.json
    return [s["id"] for s in response.json]


def test_trending_is_public_rendered_shaders_by_hot(client, shelf):
    old_star = shelf("old star", score=500, age_hours=24 * 20)
    fresh = shelf("fresh", score=5, age_hours=1)
    middle = shelf("middle", score=50, age_hours=24)
    shelf("not rendered", score=900, status="pending")
    shelf("private", score=900, visibility="private")
    assert ids(client.get("/api/v1/feed/trending")) == [fresh, middle, old_star]
    assert ids(client.get("/api/v1/feed/trending?window=7d")) == [fresh, middle]
    assert client.get("/api/v1/feed/trending?window=1y").status_code == 422


def test_score_weighs_most(client, make_user, shelf):
    low = shelf("low", score=1)
    high = shelf("high", score=40)
    assert ids(client.get("/api/v1/feed", headers=bearer(make_user()["access_token"]))) == [
        high, low]


def test_recency_breaks_equal_scores(client, make_user, shelf):
    old = shelf("old", score=3, age_hours=24 * 10)
    new = shelf("new", score=3, age_hours=0.5)
    assert ids(client.get("/api/v1/feed", headers=bearer(make_user()["access_token"]))) == [
        new, old]


def test_tag_affinity_from_votes_lifts_matching_shaders(client, make_user, shelf):
    reader = make_user()
    liked = shelf("liked voronoi", score=0, tags=["voronoi"])
    other = shelf("plasma", score=0, tags=["plasma"])
    similar = shelf("more voronoi", score=0, tags=["voronoi", "cells"])
    vote = client.post(f"/api/v1/shaders/{liked}/vote", json={"value": 1},
                       headers=bearer(reader["access_token"]))
    assert vote.status_code == 200
    order = ids(client.get("/api/v1/feed", headers=bearer(reader["access_token"])))
    assert liked not in order, "what you voted on is not served again"
    assert order == [similar, other]


def test_feed_leaves_out_your_own_shaders(client, make_user, shelf):
    shelf("someone else's", score=1)
    author = make_user()
    published(client, author, title="mine")
    titles = [s["title"] for s in client.get(
        "/api/v1/feed", headers=bearer(author["access_token"])).json]
    assert "mine" not in titles and "someone else's" in titles


def test_visitors_get_a_trending_and_new_mix(client, shelf):
    hot = [shelf(f"hot {i}", score=100 - i, age_hours=1 + i / 100) for i in range(4)]
    newest = shelf("brand new", score=0, age_hours=0.01)
    order = ids(client.get("/api/v1/feed"))
    assert order[:3] == [hot[0], hot[1], newest]
    assert sorted(order) == sorted([*hot, newest])


def test_pages_of_a_snapshot_never_repeat_or_skip(client, make_user, shelf):
    made = [shelf(f"s{i}", score=i % 7, age_hours=i) for i in range(11)]
    reader = make_user()
    headers = bearer(reader["access_token"])
    first = client.get("/api/v1/feed?page_size=4", headers=headers)
    snapshot = first.headers["X-Feed-Snapshot"]
    seen = ids(first)
    # New votes and shaders arrive while the reader pages on: the snapshot stays fixed.
    shelf("late arrival", score=99)
    for page in (2, 3):
        response = client.get(f"/api/v1/feed?page={page}&page_size=4&snapshot={snapshot}",
                              headers=headers)
        assert response.headers["X-Feed-Snapshot"] == snapshot
        seen += ids(response)
    assert sorted(seen) == sorted(made)
    assert json.loads(first.headers["X-Pagination"])["total"] == 11


def test_trending_answers_are_shared_briefly_then_refreshed(app, client, shelf):
    first = shelf("first", score=5)
    assert ids(client.get("/api/v1/feed/trending")) == [first]
    second = shelf("second", score=50)
    assert ids(client.get("/api/v1/feed/trending")) == [first], "served from the shared cache"
    from fractafrag.extensions import redis

    with app.app_context():
        for key in redis.conn.scan_iter("answer:*"):
            redis.conn.delete(key)  # as if the cache period had passed
    forget_kept()
    assert ids(client.get("/api/v1/feed/trending")) == [second, first]


def test_a_process_serves_its_fresh_copy_of_a_shared_answer_until_its_period_ends(
        app, client, shelf, monkeypatch):
    import time

    from fractafrag.api import cache
    from fractafrag.api.feed.routes import TRENDING_CACHE_SECONDS
    from fractafrag.extensions import redis

    first = shelf("first", score=5)
    assert ids(client.get("/api/v1/feed/trending")) == [first]
    second = shelf("second", score=50)
    with app.app_context():
        for key in redis.conn.scan_iter("answer:*"):
            redis.conn.delete(key)
    assert ids(client.get("/api/v1/feed/trending")) == [first], "the copy in memory, still fresh"

    class Later:
        @staticmethod
        def time() -> float:
            return time.time() + TRENDING_CACHE_SECONDS + 0.1

    monkeypatch.setattr(cache, "time", Later)
    assert ids(client.get("/api/v1/feed/trending")) == [second, first], "its period is over"


def test_an_expired_shared_answer_is_refreshed_by_one_caller_only(app, client, shelf):
    from fractafrag.extensions import redis

    first = shelf("first", score=5)
    assert ids(client.get("/api/v1/feed/trending")) == [first]
    second = shelf("second", score=50)
    with app.app_context():
        # The answers first: the loop adds ":refresh" keys that a SCAN could return too.
        answers = [key for key in redis.conn.scan_iter("answer:*")
                   if not key.endswith(b":refresh")]
        for key in answers:
            stored = json.loads(redis.conn.get(key))
            stored["fresh_until"] = 0  # expired, as after 5 s
            redis.conn.set(key, json.dumps(stored))
            redis.conn.set(key.decode() + ":refresh", 1)  # another caller is refreshing it
    forget_kept()  # this process's copy expires with it
    assert ids(client.get("/api/v1/feed/trending")) == [first], "the stale copy, no recompute"
    with app.app_context():
        for key in redis.conn.scan_iter("answer:*:refresh"):
            redis.conn.delete(key)
    assert ids(client.get("/api/v1/feed/trending")) == [second, first]
