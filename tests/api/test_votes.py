"""Votes, hot score, dwell and views."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from fractafrag.services.ranking import hot_score
from tests.api.shader_helpers import published
from tests.helpers import bearer


def vote(client, user, shader_id, value):
    return client.post(f"/api/v1/shaders/{shader_id}/vote", json={"value": value},
                       headers=bearer(user["access_token"]))


def test_up_down_and_withdraw(client, make_user):
    author, fan = make_user(), make_user()
    shader = published(client, author)
    assert vote(client, fan, shader["id"], 1).json | {"hot": 0} == {
        "shader_id": shader["id"], "up": 1, "down": 0, "score": 1, "hot": 0, "vote": 1}
    again = vote(client, fan, shader["id"], 1).json
    assert (again["up"], again["score"]) == (1, 1), "re-voting the same way changes nothing"
    flipped = vote(client, fan, shader["id"], -1).json
    assert (flipped["up"], flipped["down"], flipped["score"]) == (0, 1, -1)
    withdrawn = vote(client, fan, shader["id"], 0).json
    assert (withdrawn["up"], withdrawn["down"], withdrawn["score"]) == (0, 0, 0)
    shown = client.get(f"/api/v1/shaders/{shader['id']}").json
    assert (shown["up"], shown["down"], shown["score"]) == (0, 0, 0)


def test_hot_follows_reddits_formula(client, make_user):
    from datetime import datetime

    author = make_user()
    shader = published(client, author)
    fans = [make_user() for _ in range(3)]
    for fan in fans:
        result = vote(client, fan, shader["id"], 1).json
    published_at = datetime.fromisoformat(shader["published_at"])
    assert result["hot"] == pytest.approx(hot_score(3, published_at), abs=1e-6)
    assert hot_score(10, published_at) - hot_score(1, published_at) == pytest.approx(1.0)
    assert hot_score(-10, published_at) < hot_score(0, published_at) < hot_score(2, published_at)
    assert hot_score(1, published_at) == hot_score(0, published_at), "log10(max(|s|, 1))"
    later = published_at.replace(year=published_at.year + 1)
    assert hot_score(0, later) > hot_score(1000, published_at), "age beats old votes"


def test_counters_stay_exact_under_50_concurrent_voters(app, client, make_user):
    author = make_user()
    shader = published(client, author)
    voters = [make_user() for _ in range(50)]

    def cast(index: int) -> int:
        value = 1 if index % 5 else -1
        return vote(app.test_client(), voters[index], shader["id"], value).status_code

    with ThreadPoolExecutor(max_workers=16) as pool:
        assert set(pool.map(cast, range(50))) == {200}
    shown = client.get(f"/api/v1/shaders/{shader['id']}").json
    assert (shown["up"], shown["down"], shown["score"]) == (40, 10, 30)


def test_one_persons_concurrent_votes_leave_counters_matching_their_vote(app, client,
                                                                        make_user):
    """Two tabs, a script: the same account votes up, down and withdraws at once, many times.
    Whatever order they land in, the counters must equal the one vote that is stored."""
    author, fan = make_user(), make_user()
    shaders = [published(client, author, title=f"Contested {n}")["id"] for n in range(3)]

    def cast(index: int) -> int:
        shader = shaders[index % 3]
        return vote(app.test_client(), fan, shader, (1, -1, 0, 1)[index % 4]).status_code

    with ThreadPoolExecutor(max_workers=12) as pool:
        assert set(pool.map(cast, range(96))) == {200}
    for shader in shaders:
        shown = client.get(f"/api/v1/shaders/{shader}").json
        assert (shown["up"], shown["down"]) in ((0, 0), (1, 0), (0, 1)), shown
        withdrawn = vote(client, fan, shader, 0).json  # from whatever vote is stored
        assert (withdrawn["up"], withdrawn["down"], withdrawn["score"]) == (0, 0, 0), shown


def test_vote_needs_an_account_a_visible_shader_and_a_valid_value(client, make_user):
    author, fan = make_user(), make_user()
    shader = published(client, author)
    secret = published(client, author, visibility="private")
    assert client.post(f"/api/v1/shaders/{shader['id']}/vote", json={"value": 1}).status_code == 401
    assert vote(client, fan, secret["id"], 1).status_code == 404
    assert vote(client, fan, 999999, 1).status_code == 404
    bad = vote(client, fan, shader["id"], 2)
    assert bad.status_code == 422 and "value" in bad.json["errors"]["json"]
    assert vote(client, fan, shader["id"], "1").status_code == 422


def test_you_cannot_vote_on_your_own_shader(client, make_user):
    author = make_user()
    shader = published(client, author)
    response = vote(client, author, shader["id"], 1)
    assert response.status_code == 403 and "own" in response.json["message"]


def test_dwell_counts_one_view_per_visitor_per_hour(client, make_user):
    author, fan = make_user(), make_user()
    shader = published(client, author)
    path = f"/api/v1/shaders/{shader['id']}/dwell"
    assert client.post(path, json={"ms": 4000}).status_code == 204
    assert client.post(path, json={"ms": 2000}).status_code == 204
    assert client.post(path, json={"ms": 9000}, headers=bearer(fan["access_token"])
                       ).status_code == 204
    assert client.get(f"/api/v1/shaders/{shader['id']}").json["view_count"] == 2


@pytest.mark.parametrize("ms", [0, -5, 600_001, "long"])
def test_dwell_outside_0_to_10_minutes_is_422(client, make_user, ms):
    shader = published(client, make_user())
    response = client.post(f"/api/v1/shaders/{shader['id']}/dwell", json={"ms": ms})
    assert response.status_code == 422 and "ms" in response.json["errors"]["json"]


def test_votes_are_broadcast(app, client, make_user):
    import json

    from fractafrag.extensions import redis

    author, fan = make_user(), make_user()
    shader = published(client, author)
    with app.app_context():
        pubsub = redis.conn.pubsub()
        pubsub.subscribe("fractafrag")
        pubsub.get_message(timeout=1)
        vote(client, fan, shader["id"], 1)
        messages = [pubsub.get_message(timeout=1) for _ in range(3)]
        pubsub.close()
    events = [json.loads(m["data"]) for m in messages if m and m["type"] == "message"]
    # One message between processes carries it to both rooms (a client in both gets it once).
    updates = [e for e in events if e["event"] == "vote:updated"]
    assert len(updates) == 1
    assert set(updates[0]["room"]) == {f"shader:{shader['id']}", "feed"}
    assert updates[0]["data"][0]["score"] == 1


def test_hot_computed_by_the_database_matches_the_formula_for_every_sign(client, make_user):
    from datetime import datetime

    author = make_user()
    shader = published(client, author)
    published_at = datetime.fromisoformat(shader["published_at"])
    fans = [make_user() for _ in range(4)]
    for score, fan in zip((-1, -2, -3, -4), fans, strict=True):
        result = vote(client, fan, shader["id"], -1).json
        assert result["score"] == score
        assert result["hot"] == pytest.approx(hot_score(score, published_at), abs=1e-6)
    result = vote(client, fans[0], shader["id"], 1).json
    assert result["score"] == -2
    assert result["hot"] == pytest.approx(hot_score(-2, published_at), abs=1e-6)


def test_cached_summaries_show_every_vote_at_once_even_under_concurrent_voters(
        app, client, make_user):
    import json

    from fractafrag.api.summaries import summary_bodies

    author = make_user()
    shader = published(client, author)
    with app.test_request_context():
        before = json.loads(summary_bodies([shader["id"]])[0])  # now cached
    assert (before["up"], before["down"], before["score"]) == (0, 0, 0)
    voters = [make_user() for _ in range(30)]

    def cast(index: int) -> int:
        return vote(app.test_client(), voters[index], shader["id"],
                    1 if index % 3 else -1).status_code

    with ThreadPoolExecutor(max_workers=12) as pool:
        assert set(pool.map(cast, range(30))) == {200}
    with app.test_request_context():
        after = json.loads(summary_bodies([shader["id"]])[0])
    shown = client.get(f"/api/v1/shaders/{shader['id']}").json
    assert (after["up"], after["down"], after["score"]) == (20, 10, 10)
    assert after["hot"] == pytest.approx(shown["hot"], abs=1e-9)
    assert after["title"] == shader["title"], "the rest of the summary is kept"


def test_a_vote_leaves_the_shaders_updated_at_alone(client, make_user):
    author, fan = make_user(), make_user()
    shader = published(client, author)
    before = client.get(f"/api/v1/shaders/{shader['id']}").json["updated_at"]
    assert vote(client, fan, shader["id"], 1).status_code == 200
    assert client.get(f"/api/v1/shaders/{shader['id']}").json["updated_at"] == before
