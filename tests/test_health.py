"""The health check names what is down."""

import socket

import pytest


def test_health_reports_database_and_redis_ok(client):
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok", "redis": "ok",
                             "embedder": "sentence", "embedder_fallback": False}


@pytest.mark.parametrize("weights", [True, False], ids=["weights", "no-weights"])
def test_health_and_metrics_name_the_active_embedder(make_app, monkeypatch, weights):
    """The sentence model when its weights are installed; else TF-IDF, flagged as a fallback
    (tests/test_model_fallback.py does the same in a virtualenv really lacking them)."""
    from fractafrag.services import sentence_model

    monkeypatch.setattr(sentence_model, "available", lambda: weights)
    monkeypatch.delenv("FRACTAFRAG_DESIRE_THRESHOLD", raising=False)
    client = make_app().test_client()
    name, fallback = ("sentence", False) if weights else ("tfidf", True)
    health = client.get("/api/v1/health")
    assert health.status_code == 200  # the board works either way
    assert health.json["embedder"] == name and health.json["embedder_fallback"] is fallback
    metrics = client.get("/metrics").get_data(as_text=True)
    lines = [line for line in metrics.splitlines() if line.startswith("fractafrag_desire_")]
    assert lines == [f'fractafrag_desire_embedder{{embedder="{name}",'
                     f'fallback="{int(fallback)}"}} 1.0']


def _unused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_health_is_503_naming_redis_when_redis_is_down(make_app):
    app = make_app(REDIS_URL=f"redis://127.0.0.1:{_unused_port()}/0")
    response = app.test_client().get("/api/v1/health")
    assert response.status_code == 503
    assert response.json["redis"] == "unavailable"
    assert response.json["database"] == "ok"
    assert "redis" in response.json["message"]


def test_health_is_503_naming_the_database_when_it_is_down(make_app):
    url = f"postgresql+psycopg://postgres@127.0.0.1:{_unused_port()}/nothing"
    app = make_app(SQLALCHEMY_DATABASE_URI=url)
    response = app.test_client().get("/api/v1/health")
    assert response.status_code == 503
    assert response.json["database"] == "unavailable"
    assert response.json["redis"] == "ok"


@pytest.mark.parametrize("path", ["/api/v1/auth/logout", "/api/v1/auth/login"])
def test_writes_that_need_redis_answer_503_when_it_is_down(make_app, make_user, path):
    user = make_user()
    app = make_app(REDIS_URL=f"redis://127.0.0.1:{_unused_port()}/0")
    response = app.test_client().post(
        path,
        json={} if path.endswith("logout") else {"username": "x", "password": "y" * 8},
        headers={"Authorization": f"Bearer {user['refresh_token']}"},
    )
    assert response.status_code == 503
    assert "Redis" in response.json["message"] and "Retry-After" in response.headers
