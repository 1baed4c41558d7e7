"""Fixtures of the API tests."""

from datetime import UTC, datetime, timedelta

import pytest

from fractafrag.extensions import db
from fractafrag.models import Shader
from tests.api.shader_helpers import published


@pytest.fixture
def shelf(app, client, make_user, make_pro):
    """Make rendered public shaders with chosen score, age and tags."""
    author = make_user("curator")
    make_pro(author)

    def make(title, score=0, age_hours=1.0, tags=("misc",), status="ready", visibility="public"):
        shader = published(client, author, title=title, tags=list(tags), visibility=visibility)
        with app.app_context():
            row = db.session.get(Shader, shader["id"])
            row.score, row.up = score, max(score, 0)
            row.published_at = datetime.now(UTC) - timedelta(hours=age_hours)
            from fractafrag.services.ranking import hot_score

            row.hot = hot_score(score, row.published_at)
            row.render_status = status
            db.session.commit()
        return shader["id"]

    return make
