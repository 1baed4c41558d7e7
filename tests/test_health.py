"""The health check names what is down."""

import socket

import pytest


def test_health_reports_database_and_redis_ok(client):
    response = client.get("/api/v1/health")
    assert response.status_code == 200
    assert response.json == {"status": "ok", "database": "ok", "redis": "ok"}


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
