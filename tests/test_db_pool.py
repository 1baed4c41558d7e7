"""The connection pool pings a connection only after it sat idle, and replaces a dead one."""

from __future__ import annotations

import time

import sqlalchemy as sa


def _count_pings(app, monkeypatch) -> list[int]:
    from fractafrag.extensions import db

    with app.app_context():
        dialect = db.engine.dialect
    pings: list[int] = []
    real = dialect.do_ping

    def counted(connection):
        pings.append(1)
        return real(connection)

    monkeypatch.setattr(dialect, "do_ping", counted)
    return pings


def test_a_connection_in_steady_use_is_not_pinged(make_app, monkeypatch):
    app = make_app(DB_IDLE_PING_SECONDS=3600)
    pings = _count_pings(app, monkeypatch)
    client = app.test_client()
    for _ in range(5):
        assert client.get("/api/v1/health").status_code == 200
    assert pings == [], "no round trip spent on pings between requests"


def test_an_idle_connection_closed_by_the_server_is_replaced_before_use(make_app, monkeypatch):
    from fractafrag.extensions import db

    app = make_app(DB_IDLE_PING_SECONDS=0.2)
    pings = _count_pings(app, monkeypatch)
    client = app.test_client()
    assert client.get("/api/v1/health").status_code == 200
    with app.app_context():
        pooled = db.session.scalar(sa.text("SELECT pg_backend_pid()"))
        db.session.rollback()
        db.session.remove()
    outside = sa.create_engine(app.config["SQLALCHEMY_DATABASE_URI"], poolclass=sa.NullPool)
    with outside.connect() as other:  # PostgreSQL closes the pooled connection, as a restart does
        assert other.scalar(sa.text("SELECT pg_terminate_backend(:pid)"), {"pid": pooled})
    outside.dispose()
    time.sleep(0.3)
    answer = client.get("/api/v1/health")
    assert answer.status_code == 200, answer.get_json()
    assert pings, "the idle connection was pinged"
    with app.app_context():
        assert db.session.scalar(sa.text("SELECT pg_backend_pid()")) != pooled
        db.session.rollback()
