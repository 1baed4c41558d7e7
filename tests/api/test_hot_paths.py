"""The hot reads are served from Redis (materialised feed rankings, cached summaries, shared
searches, the visitor's shader page), and still show every change at once."""

from __future__ import annotations

import json
import re

import sqlalchemy as sa

from fractafrag.extensions import db, queues, redis
from fractafrag.models import Shader
from fractafrag.services import feed
from tests.api.test_feed import ids
from tests.helpers import bearer


def feed_of(client, user) -> list[dict]:
    response = client.get("/api/v1/feed", headers=bearer(user["access_token"]))
    assert response.status_code == 200, response.json
    return response.json


def test_the_ranking_is_computed_once_then_served_from_redis(app, client, make_user, shelf):
    first, second = shelf("first", score=5), shelf("second", score=1)
    reader = make_user()
    assert [s["id"] for s in feed_of(client, reader)] == [first, second]
    with app.app_context():
        assert redis.exists(f"feed:u{reader['id']}:ranked")
        # Scores move (votes of others): within the refresh window the ranking stands...
        db.session.execute(sa.text("UPDATE shaders SET score = 50 WHERE id = :id"),
                           {"id": second})
        db.session.commit()
    assert [s["id"] for s in feed_of(client, reader)] == [first, second]
    with app.app_context():  # ...and once it is stale, a new ranking follows the scores.
        redis.delete(f"feed:u{reader['id']}:ranked")
    assert [s["id"] for s in feed_of(client, reader)] == [second, first]


def test_a_shader_you_vote_on_leaves_your_feed_at_once(client, make_user, shelf):
    liked, other = shelf("liked", score=5), shelf("other", score=1)
    reader = make_user()
    assert [s["id"] for s in feed_of(client, reader)] == [liked, other]
    vote = client.post(f"/api/v1/shaders/{liked}/vote", json={"value": 1},
                       headers=bearer(reader["access_token"]))
    assert vote.status_code == 200
    first = client.get("/api/v1/feed?page_size=1", headers=bearer(reader["access_token"]))
    assert ids(first) == [other]
    # The filtered page 1 has a snapshot of its own, so page 2 follows it (nothing repeats).
    snapshot = first.headers["X-Feed-Snapshot"]
    after = client.get(f"/api/v1/feed?page=2&page_size=1&snapshot={snapshot}",
                       headers=bearer(reader["access_token"]))
    assert ids(after) == []
    withdraw = client.post(f"/api/v1/shaders/{liked}/vote", json={"value": 0},
                           headers=bearer(reader["access_token"]))
    assert withdraw.status_code == 200
    assert [s["id"] for s in feed_of(client, reader)] == [liked, other]


def test_cached_summaries_show_votes_edits_and_privacy_at_once(app, client, make_user, shelf):
    star = shelf("star", score=0)
    shelf("filler", score=0)
    reader, voter = make_user(), make_user()
    before = {s["id"]: s for s in feed_of(client, reader)}
    assert before[star]["up"] == 0
    with app.app_context():
        assert redis.exists(f"shader:summary:{star}")
    assert client.post(f"/api/v1/shaders/{star}/vote", json={"value": 1},
                       headers=bearer(voter["access_token"])).status_code == 200
    assert {s["id"]: s for s in feed_of(client, reader)}[star]["up"] == 1

    with app.app_context():
        db.session.get(Shader, star).title = "renamed star"
        db.session.commit()
    assert {s["id"]: s for s in feed_of(client, reader)}[star]["title"] == "renamed star"

    with app.app_context():
        db.session.get(Shader, star).visibility = "private"
        db.session.commit()
    assert star not in [s["id"] for s in feed_of(client, reader)]


def test_a_visitor_page_is_shared_but_each_visitor_keeps_their_own_csrf_token(
        app, client, make_user, shelf):
    shader = shelf("shared page")
    one, two = app.test_client(), app.test_client()
    first = one.get(f"/shaders/{shader}").get_data(as_text=True)
    with app.app_context():
        assert redis.exists(f"shader:page:{shader}")
    second = two.get(f"/shaders/{shader}").get_data(as_text=True)
    tokens = [re.findall(r'name="csrf_token" value="([^"]+)"', page) for page in (first, second)]
    assert tokens[0] and tokens[1] and tokens[0][0] != tokens[1][0]
    assert "\x00" not in second
    # The visitor's token is the one their session holds: the fork form still works for them.
    assert one.get(f"/shaders/{shader}").get_data(as_text=True).count(tokens[0][0]) >= 1


def test_a_cached_visitor_page_shows_changes_and_privacy_at_once(app, client, make_user, shelf):
    shader = shelf("before")
    assert "before" in client.get(f"/shaders/{shader}").get_data(as_text=True)
    commenter = make_user()
    comment = client.post(f"/api/v1/shaders/{shader}/comments", json={"body": "lovely bands"},
                          headers=bearer(commenter["access_token"]))
    assert comment.status_code == 201, comment.json
    assert "lovely bands" in client.get(f"/shaders/{shader}").get_data(as_text=True)
    with app.app_context():
        db.session.get(Shader, shader).visibility = "private"
        db.session.commit()
    assert client.get(f"/shaders/{shader}").status_code == 404


def test_a_forged_host_does_not_poison_the_page_others_get(app, client, shelf):
    shader = shelf("hosted")
    forged = client.get(f"/shaders/{shader}", headers={"Host": "evil.example"})
    assert "evil.example" in forged.get_data(as_text=True)
    honest = app.test_client().get(f"/shaders/{shader}").get_data(as_text=True)
    assert "evil.example" not in honest


def test_searches_are_shared_except_your_own_listing(app, client, make_user, shelf):
    shelf("plasma public")
    author = make_user()
    client.post("/api/v1/shaders", headers=bearer(author["access_token"]), json={
        "title": "plasma secret", "visibility": "private",
        "code": "void mainImage(out vec4 c, in vec2 p) { c = vec4(1.0); }"})
    anonymous = client.get("/api/v1/shaders?q=plasma")
    assert [s["title"] for s in anonymous.json] == ["plasma public"]
    signed_in = client.get("/api/v1/shaders?q=plasma", headers=bearer(author["access_token"]))
    assert [s["title"] for s in signed_in.json] == ["plasma public"]
    own = client.get(f"/api/v1/shaders?q=plasma&author={author['username']}",
                     headers=bearer(author["access_token"]))
    assert [s["title"] for s in own.json] == ["plasma secret"]
    # A shared answer never skips checking the caller's token.
    refused = client.get("/api/v1/shaders?q=plasma", headers=bearer("not-a-token"))
    assert refused.status_code == 401, refused.json


def test_many_votes_make_one_scheduled_taste_refresh(app, client, make_user, shelf):
    from rq.registry import ScheduledJobRegistry

    from fractafrag.extensions import queues
    from fractafrag.jobs.vectors import update_taste

    targets = [shelf(f"t{i}") for i in range(3)]
    voter = make_user()
    for target in targets:
        assert client.post(f"/api/v1/shaders/{target}/vote", json={"value": 1},
                           headers=bearer(voter["access_token"])).status_code == 200
    with app.app_context():
        scheduled = ScheduledJobRegistry(queue=queues.get("default")).get_job_ids()
        assert [j for j in scheduled if j.startswith("taste-")] == [f"taste-{voter['id']}"]
        queued = queues.get("default").job_ids
        assert f"taste-{voter['id']}" not in queued, "nothing runs at once"
        update_taste(voter["id"])  # what the scheduler runs when it is due
        assert not redis.exists(f"taste:pending:{voter['id']}")
    # After the refresh has started, the next vote schedules the next one.
    assert client.post(f"/api/v1/shaders/{targets[0]}/vote", json={"value": -1},
                       headers=bearer(voter["access_token"])).status_code == 200
    with app.app_context():
        assert redis.exists(f"taste:pending:{voter['id']}")


def test_a_newly_rendered_shader_shows_in_a_young_sites_feed_at_once(app, client, make_user,
                                                                   shelf):
    """The demo feed fills as renders finish: a materialised ranking shorter than a page is
    recomputed as soon as a shader is listed (rendered, made public), not a minute later."""
    reader = make_user()
    assert feed_of(client, reader) == []
    assert ids(client.get("/api/v1/feed")) == []
    pending = shelf("rendering", status="pending")
    assert feed_of(client, reader) == []
    with app.app_context():
        db.session.get(Shader, pending).render_status = "ready"
        db.session.commit()
    assert [s["id"] for s in feed_of(client, reader)] == [pending]
    assert ids(client.get("/api/v1/feed")) == [pending]


def test_a_long_ranking_waits_a_little_before_taking_in_new_shaders(app, client, make_user,
                                                                    shelf, run_jobs):
    many = [shelf(f"s{i}", score=i) for i in range(21)]
    reader = make_user()
    first = client.get("/api/v1/feed?page_size=50", headers=bearer(reader["access_token"]))
    assert sorted(ids(first)) == sorted(many)
    late = shelf("late", score=99)
    again = client.get("/api/v1/feed?page_size=50", headers=bearer(reader["access_token"]))
    assert late not in ids(again), "a busy site's rankings are not recomputed on every publish"
    with app.app_context():  # once REFRESH_AFTER_CHANGE has passed
        key = f"feed:u{reader['id']}:ranked"
        stored = json.loads(redis.get(key))
        stored["at"] -= 21
        redis.set(key, json.dumps(stored))
    # The reader is not kept waiting for the new ranking: the stale one answers, and a job
    # (one, however many reads find it stale) computes the next.
    stale = client.get("/api/v1/feed?page_size=50", headers=bearer(reader["access_token"]))
    client.get("/api/v1/feed?page_size=50", headers=bearer(reader["access_token"]))
    assert ids(stale) == ids(again)
    with app.app_context():
        assert queues.get("default").job_ids.count(f"ranking-u{reader['id']}") == 1
    run_jobs(app)
    later = client.get("/api/v1/feed?page_size=50", headers=bearer(reader["access_token"]))
    assert ids(later)[0] == late


def test_a_ranking_the_workers_left_behind_is_computed_on_the_request(app, client, make_user,
                                                                      shelf):
    many = [shelf(f"s{i}", score=i) for i in range(21)]
    reader = make_user()
    first = client.get("/api/v1/feed?page_size=50", headers=bearer(reader["access_token"]))
    assert sorted(ids(first)) == sorted(many)
    late = shelf("late", score=99)
    with app.app_context():  # stale for longer than any worker should take: none is running
        key = f"feed:u{reader['id']}:ranked"
        stored = json.loads(redis.get(key))
        stored["at"] -= feed.REFRESH_OVERDUE + 1
        redis.set(key, json.dumps(stored))
    later = client.get("/api/v1/feed?page_size=50", headers=bearer(reader["access_token"]))
    assert ids(later)[0] == late


def test_signing_in_materialises_the_feed_before_the_first_read(app, client, make_user, shelf,
                                                                run_jobs):
    best, other = shelf("best", score=9), shelf("other", score=1)
    reader = make_user()
    with app.app_context():
        assert f"ranking-u{reader['id']}" in queues.get("default").job_ids
    run_jobs(app)
    with app.app_context():
        stored = json.loads(redis.get(f"feed:u{reader['id']}:ranked"))
    assert stored["ids"] == [best, other]
    response = client.get("/api/v1/feed", headers=bearer(reader["access_token"]))
    assert ids(response) == [best, other]
    assert response.headers["X-Feed-Snapshot"] == stored["snapshot"], "served as materialised"


def test_a_crowd_of_due_rankings_gets_the_shared_one_while_jobs_rank_theirs(
        app, client, make_user, shelf, run_jobs, monkeypatch):
    """When more rankings are due at once than RANKINGS_AT_ONCE, the others are not computed
    on their requests: each gets what it had followed by the visitors' ranking (so a young
    site's new shader still shows on the next load), and a job ranks its feed."""
    reader = make_user()
    assert feed_of(client, reader) == []  # a short (empty) ranking is materialised
    new = shelf("brand new", score=3)
    busy = feed._ranking_now
    monkeypatch.setattr(feed, "_ranking_now", type(busy)(1))
    assert feed._ranking_now.acquire(blocking=False)  # another request is ranking right now
    first = client.get("/api/v1/feed", headers=bearer(reader["access_token"]))
    assert ids(first) == [new], "the new shader shows on the next load"
    assert first.headers["X-Feed-Snapshot"].startswith("shared-")
    page_two = client.get(f"/api/v1/feed?page=2&page_size=1&snapshot="
                          f"{first.headers['X-Feed-Snapshot']}",
                          headers=bearer(reader["access_token"]))
    assert page_two.status_code == 200 and ids(page_two) == []
    with app.app_context():
        assert f"ranking-u{reader['id']}" in queues.get("default").job_ids
    run_jobs(app)
    feed._ranking_now.release()
    after = client.get("/api/v1/feed", headers=bearer(reader["access_token"]))
    assert ids(after) == [new]
    assert not after.headers["X-Feed-Snapshot"].startswith("shared-"), "its own ranking now"


def test_a_listing_change_refreshes_recent_readers_rankings_before_they_read(
        app, client, make_user, shelf, run_jobs):
    first = shelf("first", score=3)
    reader = make_user()  # signed in: a recent reader
    run_jobs(app)
    assert ids(client.get("/api/v1/feed", headers=bearer(reader["access_token"]))) == [first]
    # A burst of listing changes (two shaders rendered) queues one refresh of recent readers...
    newer, newest = shelf("newer", score=9), shelf("newest", score=5)
    with app.app_context():
        scheduled = queues.get("default").scheduled_job_registry.get_job_ids()
        assert scheduled.count("rankings-active") == 1
        generation = int(redis.get("feed:generation"))
        assert feed.refresh_active() >= 1  # what the job runs
        stored = json.loads(redis.get(f"feed:u{reader['id']}:ranked"))
    # ...which ranks the new shaders in before the reader asks: the read is served as stored.
    assert stored["generation"] == generation and set(stored["ids"]) == {first, newer, newest}
    response = client.get("/api/v1/feed", headers=bearer(reader["access_token"]))
    assert response.headers["X-Feed-Snapshot"] == stored["snapshot"]
    assert ids(response) == stored["ids"]


def test_one_cached_visitor_page_serves_every_host_with_its_own_links(app, client, shelf):
    shader = shelf("two hosts")
    with app.app_context():
        from fractafrag.web.pages import warm_visitor_page

        warm_visitor_page(shader)  # what the render job does once a shader is rendered
        assert redis.exists(f"shader:page:{shader}")
    for host in ("one.example", "two.example:8080"):
        page = client.get(f"/shaders/{shader}", headers={"Host": host}).get_data(as_text=True)
        assert f'<link rel="canonical" href="http://{host}/shaders/{shader}">' in page
        assert "\x00" not in page
