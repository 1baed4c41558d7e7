"""Style vectors, taste vectors and "similar" over pgvector."""

import numpy as np

from fractafrag.extensions import db
from fractafrag.jobs.vectors import update_style, update_taste
from fractafrag.models import Shader, User
from fractafrag.services.demo import seed_demo
from tests.helpers import bearer


def _demos(app) -> dict[str, int]:
    """Seed the demo shaders, rendered, with their style vectors computed by the real job."""
    with app.app_context():
        seed_demo()
        shaders = db.session.query(Shader).all()
        for shader in shaders:
            shader.render_status = "ready"
        db.session.commit()
        for shader in shaders:
            assert update_style(shader.id)
        return {s.title: s.id for s in shaders}


def _vector(app, shader_id: int) -> np.ndarray:
    with app.app_context():
        return np.asarray(db.session.get(Shader, shader_id).style_vector)


def test_style_vectors_are_unit_length_512(app):
    ids = _demos(app)
    vector = _vector(app, ids["SDF Garden"])
    assert vector.shape == (512,) and abs(np.linalg.norm(vector) - 1) < 1e-4


def test_similar_orders_by_cosine_and_excludes_the_shader(app, client):
    ids = _demos(app)
    target = ids["SDF Garden"]
    response = client.get(f"/api/v1/feed/similar/{target}?limit=5")
    assert response.status_code == 200
    found = [s["id"] for s in response.json]
    assert len(found) == 5 and target not in found
    mine = _vector(app, target)
    expected = sorted((i for i in ids.values() if i != target),
                      key=lambda i: -float(mine @ _vector(app, i)))[:5]
    assert found == expected


def test_similar_for_a_shader_without_a_vector_is_empty_and_private_is_404(client, make_user):
    from tests.api.shader_helpers import published

    owner = make_user()
    fresh = published(client, owner)
    assert client.get(f"/api/v1/feed/similar/{fresh['id']}").json == []
    secret = published(client, owner, visibility="private")
    assert client.get(f"/api/v1/feed/similar/{secret['id']}").status_code == 404


def test_taste_is_the_mean_of_what_you_liked(app, client, make_user):
    ids = _demos(app)
    fan = make_user()
    liked = ids["Mandelbrot Dive"]
    vote = client.post(f"/api/v1/shaders/{liked}/vote", json={"value": 1},
                       headers=bearer(fan["access_token"]))
    assert vote.status_code == 200
    with app.app_context():
        assert update_taste(fan["id"])
        taste = np.asarray(db.session.get(User, fan["id"]).taste_vector)
    assert float(taste @ _vector(app, liked)) > 0.999


def test_publishing_queues_the_style_vector_job(app, client, make_user):
    from rq import Queue

    from fractafrag.extensions import redis
    from tests.api.shader_helpers import published

    shader = published(client, make_user())
    with app.app_context():
        jobs = Queue("default", connection=redis.conn).jobs
    assert ("fractafrag.jobs.vectors.update_style", (shader["id"],)) in [
        (j.func_name, j.args) for j in jobs]
