"""`fractafrag up --demo` content: a dozen shaders that compile, seeded once."""

import sqlalchemy as sa

from fractafrag.extensions import db
from fractafrag.models import Shader
from fractafrag.services.demo import DEMO_USERNAME, demo_catalog, seed_demo


def test_demo_seeds_a_dozen_public_shaders_once(app, client):
    with app.app_context():
        assert seed_demo() >= 12
        assert seed_demo() == 0
        count = db.session.scalar(sa.select(sa.func.count(Shader.id)))
    assert count == len(demo_catalog()) >= 12
    listed = client.get(f"/api/v1/shaders?author={DEMO_USERNAME}&page_size=50").json
    assert len(listed) == count
    assert all(s["render_status"] == "pending" for s in listed)
    assert any(len(client.get(f"/api/v1/shaders/{s['id']}").json["passes"]) > 1 for s in listed)
