"""The desire board: asks, clustering, heat, offers and fulfilment."""

import json
from concurrent.futures import ThreadPoolExecutor
from datetime import timedelta

import numpy as np
import pytest
from rq import Queue

from fractafrag.extensions import db, redis
from fractafrag.models import DesireCluster
from fractafrag.services.clustering import heat_now, process_desire
from tests.api.shader_helpers import published
from tests.helpers import ask, bearer


def cluster(app, desire_id):
    with app.app_context():
        return process_desire(desire_id).cluster_id


def test_an_ask_is_stored_queued_and_then_clustered(app, client, make_user):
    desire = ask(client, make_user(), "a raymarched ocean at sunset")
    assert desire["cluster_id"] is None and desire["status"] == "open"
    with app.app_context():
        jobs = Queue("default", connection=redis.conn).jobs
    assert ("fractafrag.jobs.desires.process_desire", (desire["id"],)) in [
        (j.func_name, j.args) for j in jobs]
    cluster_id = cluster(app, desire["id"])
    assert client.get(f"/api/v1/desires/{desire['id']}").json["cluster_id"] == cluster_id
    assert cluster(app, desire["id"]) == cluster_id, "processing twice changes nothing"


def test_paraphrases_share_a_cluster_and_other_wishes_do_not(app, client, make_user):
    user = make_user()
    ocean = [ask(client, user, p)["id"] for p in (
        "a raymarched ocean at sunset", "sunset over the sea, ray marching please")]
    other = ask(client, user, "pixel art space invaders")["id"]
    clusters = [cluster(app, i) for i in [*ocean, other]]
    assert clusters[0] == clusters[1] != clusters[2]


def test_near_identical_asks_at_once_end_in_one_cluster(app, client, make_user):
    user = make_user()
    ids = [ask(client, user, "neon kaleidoscope of colours")["id"] for _ in range(4)]

    def run(desire_id):
        return cluster(app, desire_id)

    with ThreadPoolExecutor(max_workers=4) as pool:
        assert len(set(pool.map(run, ids))) == 1


@pytest.mark.parametrize(("body", "field"), [
    ({"prompt": "hi"}, "prompt"), ({"prompt": "x" * 501}, "prompt"), ({}, "prompt"),
    ({"prompt": "fire tornado", "bounty_cents": -5}, "bounty_cents"),
    ({"prompt": "fire tornado", "extra": 1}, "extra")])
def test_bad_asks_are_422_naming_the_field(client, make_user, body, field):
    response = client.post("/api/v1/desires", json=body,
                           headers=bearer(make_user()["access_token"]))
    assert response.status_code == 422 and field in response.json["errors"]["json"]


def test_asking_needs_an_account(client):
    assert client.post("/api/v1/desires", json={"prompt": "fire tornado"}).status_code == 401


def test_clusters_hottest_first_with_bounties_raising_heat(app, client, make_user):
    user = make_user()
    for prompt in ("fbm clouds drifting over mountains", "fractal noise clouds above mountains"):
        cluster(app, ask(client, user, prompt)["id"])
    rich = ask(client, user, "a glitchy vhs tape effect", bounty_cents=2000)
    cluster(app, rich["id"])
    clusters = client.get("/api/v1/desires/clusters").json
    assert [c["size"] for c in clusters] == [1, 2]
    assert clusters[0]["heat"] == pytest.approx(3.0, rel=1e-3)
    assert clusters[1]["heat"] == pytest.approx(2.0, rel=1e-3)
    assert clusters[1]["label"] in ("fbm clouds drifting over mountains",
                                    "fractal noise clouds above mountains")
    assert {d["prompt"] for d in clusters[1]["desires"]} == {
        "fbm clouds drifting over mountains", "fractal noise clouds above mountains"}
    hot = client.get("/api/v1/desires?sort=hot").json
    assert hot[0]["id"] == rich["id"]


def test_heat_halves_every_half_life(app, client, make_user):
    cluster_id = cluster(app, ask(client, make_user(), "aurora over a frozen lake")["id"])
    with app.app_context():
        row = db.session.get(DesireCluster, cluster_id)
        week = timedelta(days=app.config["DESIRE_HEAT_HALF_LIFE_DAYS"])
        assert heat_now(row, row.updated_at + week) == pytest.approx(row.heat / 2)


def test_offer_and_accept_fulfils_and_cools_the_cluster(app, client, make_user):
    asker, artist = make_user(), make_user()
    first = ask(client, asker, "a raymarched ocean at sunset")
    second = ask(client, make_user(), "ocean waves at sunset, raymarched")
    cluster_id = cluster(app, first["id"])
    assert cluster(app, second["id"]) == cluster_id
    shader = published(client, artist)
    offer = client.post(f"/api/v1/desires/{first['id']}/fulfill",
                        json={"shader_id": shader["id"]}, headers=bearer(artist["access_token"]))
    assert offer.status_code == 201 and offer.json["status"] == "offered"
    stranger = client.post(f"/api/v1/desires/{first['id']}/offers/{offer.json['id']}/accept",
                           headers=bearer(artist["access_token"]))
    assert stranger.status_code == 403
    accepted = client.post(f"/api/v1/desires/{first['id']}/offers/{offer.json['id']}/accept",
                           headers=bearer(asker["access_token"]))
    assert accepted.status_code == 200
    assert accepted.json["status"] == "fulfilled" and accepted.json["fulfilled_by"] == shader["id"]
    [remaining] = client.get("/api/v1/desires/clusters").json
    assert remaining["size"] == 1 and remaining["heat"] == pytest.approx(1.0, rel=1e-3)
    late = client.post(f"/api/v1/desires/{first['id']}/fulfill", json={"shader_id": shader["id"]},
                       headers=bearer(artist["access_token"]))
    assert late.status_code == 409


def test_private_shaders_cannot_be_offered(client, make_user):
    asker, artist = make_user(), make_user()
    desire = ask(client, asker, "voronoi cells glowing")
    secret = published(client, artist, visibility="private")
    response = client.post(f"/api/v1/desires/{desire['id']}/fulfill",
                           json={"shader_id": secret["id"]}, headers=bearer(artist["access_token"]))
    assert response.status_code == 422
    theirs = published(client, make_user(), visibility="private")
    hidden = client.post(f"/api/v1/desires/{desire['id']}/fulfill",
                         json={"shader_id": theirs["id"]}, headers=bearer(artist["access_token"]))
    assert hidden.status_code == 404


def test_only_the_asker_edits_or_closes(app, client, make_user):
    asker, other = make_user(), make_user()
    desire = ask(client, asker, "a slow spinning tesseract")
    cluster(app, desire["id"])
    path = f"/api/v1/desires/{desire['id']}"
    assert client.patch(path, json={"status": "closed"},
                        headers=bearer(other["access_token"])).status_code == 403
    closed = client.patch(path, json={"status": "closed"}, headers=bearer(asker["access_token"]))
    assert closed.status_code == 200 and closed.json["status"] == "closed"
    assert client.get("/api/v1/desires/clusters").json == []
    assert client.get("/api/v1/desires?status=closed").json[0]["id"] == desire["id"]


def test_rewording_clusters_again(app, client, make_user):
    asker = make_user()
    desire = ask(client, asker, "pixel art space invaders")
    before = cluster(app, desire["id"])
    reworded = client.patch(f"/api/v1/desires/{desire['id']}",
                            json={"prompt": "a raymarched ocean at sunset"},
                            headers=bearer(asker["access_token"])).json
    assert reworded["cluster_id"] is None
    assert cluster(app, desire["id"]) != before


def test_recluster_after_a_threshold_change(app, client, make_user, make_app):
    user = make_user()
    ids = [ask(client, user, p)["id"] for p in (
        "a raymarched ocean at sunset", "sunset over the sea, ray marching please")]
    assert len({cluster(app, i) for i in ids}) == 1
    strict = make_app(DESIRE_CLUSTER_THRESHOLD=1.01)  # nothing is that similar
    result = strict.test_cli_runner().invoke(args=["desires", "recluster"])
    assert result.exit_code == 0 and "reclustered 2" in result.output
    assert len({d["cluster_id"] for d in client.get("/api/v1/desires").json}) == 2


def test_desire_events_reach_the_desires_room(app, client, make_user):
    asker, artist = make_user(), make_user()
    with app.app_context():
        pubsub = redis.conn.pubsub()
        pubsub.subscribe("fractafrag")
        pubsub.get_message(timeout=1)
        desire = ask(client, asker, "rain on a window at night")
        cluster(app, desire["id"])
        shader = published(client, artist)
        offer = client.post(f"/api/v1/desires/{desire['id']}/fulfill",
                            json={"shader_id": shader["id"]},
                            headers=bearer(artist["access_token"])).json
        client.post(f"/api/v1/desires/{desire['id']}/offers/{offer['id']}/accept",
                    headers=bearer(asker["access_token"]))
        events = []
        while (message := pubsub.get_message(timeout=0.5)) is not None:
            if message["type"] == "message":
                events.append(json.loads(message["data"]))
        pubsub.close()
    in_room = [e["event"] for e in events if e["room"] == "desires"]
    for name in ("desire:created", "cluster:heat", "desire:fulfilled"):
        assert name in in_room, in_room


def test_two_clusters_of_one_wish_merge_when_an_ask_bridges_them(app, client, make_user,
                                                                  monkeypatch):
    # Controlled vectors: a and b (cosine 0.45) start two clusters below the 0.52 threshold; c
    # joins a, which moves a's centroid within reach of b, so the two become one cluster.
    from fractafrag.services import clustering

    a = np.zeros(512)
    a[0] = 1.0
    b = np.zeros(512)
    b[0], b[1] = 0.45, np.sqrt(1 - 0.45 ** 2)
    c = (a + b) / np.linalg.norm(a + b)
    vectors = {"wish a": a, "wish b": b, "wish c": c}
    monkeypatch.setattr(clustering, "_embed", lambda prompt: vectors[prompt].tolist())
    user = make_user()
    ids = [ask(client, user, p)["id"] for p in vectors]
    first, second = cluster(app, ids[0]), cluster(app, ids[1])
    assert first != second
    with app.app_context():
        pubsub = redis.conn.pubsub()
        pubsub.subscribe("fractafrag")
        pubsub.get_message(timeout=1)
        third = cluster(app, ids[2])
        events = []
        while (message := pubsub.get_message(timeout=0.5)) is not None:
            if message["type"] == "message":
                events.append(json.loads(message["data"]))
        pubsub.close()
    assert third == first, "the larger cluster is kept"
    assert {d["cluster_id"] for d in client.get("/api/v1/desires").json} == {first}
    clusters = client.get("/api/v1/desires/clusters").json
    assert [(k["id"], k["size"]) for k in clusters] == [(first, 3)]
    heat = [e["data"][0] for e in events if e["event"] == "cluster:heat"]
    assert {"cluster_id": second, "heat": 0.0, "size": 0, "label": "",
            "merged_into": first} in heat
    assert heat[-1]["cluster_id"] == first and heat[-1]["size"] == 3
