"""Test fixtures: real PostgreSQL + pgvector and real Redis (embedded unless URLs are given)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING

import pytest
import sqlalchemy as sa
from flask import Flask
from flask.testing import FlaskClient

from fractafrag import create_app, embedded
from tests.helpers import UserFactory, fake_stripe, make_config

if TYPE_CHECKING:
    from tests.payments.fake_stripe import FakeStripe

TEST_DATABASE = "fractafrag_test"


@pytest.fixture(scope="session")
def service_urls(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, str]]:
    """DATABASE_URL and REDIS_URL for the run: the environment's, or embedded servers."""
    root = tmp_path_factory.mktemp("services")
    pg_pid = None
    redis_proc = None
    database_url = os.environ.get("TEST_DATABASE_URL") or os.environ.get("DATABASE_URL")
    redis_url = os.environ.get("TEST_REDIS_URL") or os.environ.get("REDIS_URL")
    if not database_url:
        database_url, pg_pid = embedded.start_postgres(root / "postgres", TEST_DATABASE)
    if not redis_url:
        argv, redis_url = embedded.redis_command(root / "redis")
        redis_proc = subprocess.Popen(argv, preexec_fn=embedded.parent_death_signal)
        embedded.wait_for_redis(redis_url)
    yield {"DATABASE_URL": database_url, "REDIS_URL": redis_url, "root": str(root)}
    if redis_proc is not None:
        redis_proc.terminate()
        redis_proc.wait(5)
    if pg_pid is not None:
        embedded.stop_postgres(pg_pid)


@pytest.fixture(scope="session")
def app(service_urls: dict[str, str]) -> Flask:
    """The app, with the schema built by the real migrations."""
    from flask_migrate import upgrade

    application = create_app(make_config(service_urls))
    with application.app_context():
        upgrade()
    return application


@pytest.fixture
def make_app(service_urls: dict[str, str], app: Flask):
    """Build another app on the same servers with some settings changed."""

    def build(**overrides: object) -> Flask:
        return create_app(make_config(service_urls, **overrides))

    return build


@pytest.fixture(autouse=True)
def _isolated(request: pytest.FixtureRequest) -> Iterator[None]:
    """Each test starts with empty tables and an empty Redis."""
    yield
    if "app" not in request.fixturenames:
        return
    application: Flask = request.getfixturevalue("app")
    from fractafrag.extensions import db, redis

    with application.app_context():
        db.session.remove()
        tables = ", ".join(t.name for t in db.metadata.sorted_tables)
        db.session.execute(sa.text(f"TRUNCATE {tables} RESTART IDENTITY CASCADE"))
        db.session.commit()
        redis.flushdb()
    from fractafrag.api.cache import forget_kept

    forget_kept()


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """A test client of the app."""
    return app.test_client()


@pytest.fixture
def db_session(app: Flask) -> Iterator[sa.orm.Session]:
    """The app's session inside an app context."""
    from fractafrag.extensions import db

    with app.app_context():
        yield db.session
        db.session.remove()


@pytest.fixture
def make_user(app: Flask) -> UserFactory:
    """Factory for signed-in users."""
    return UserFactory(app)


@pytest.fixture
def make_pro(app: Flask):
    """Turn a factory user into a Pro account (no monthly quota)."""
    from fractafrag.extensions import db
    from fractafrag.models import User

    def upgrade(user: dict) -> None:
        with app.app_context():
            db.session.get(User, user["id"]).tier = "pro"
            db.session.commit()

    return upgrade


@pytest.fixture
def stripe_fake() -> Iterator[FakeStripe]:
    """A fresh loopback fake of Stripe's API (tests/payments/fake_stripe.py), one per test."""
    yield from fake_stripe()


# Tests that start whole processes, browsers or crowds; `pytest -m "not slow"` leaves them out
# for a quick run (CI runs everything).
SLOW_PATHS = ("tests/e2e/", "tests/render/", "tests/test_load.py", "tests/test_faults.py",
              "tests/test_up.py", "tests/test_attacks_", "tests/realtime/test_flood.py",
              "tests/test_schemathesis.py", "tests/test_packaging.py",
              "tests/realtime/test_nginx.py", "tests/test_model_fallback.py",
              "tests/test_up_crashes.py")
# Tests that need Chromium (Playwright pages, or a render worker's warm browser); `pytest -m
# "not browser"` runs where no Chromium is installed. Elsewhere a test says so itself with
# @pytest.mark.browser, or asks for the render_worker fixture.
BROWSER_PATHS = ("tests/e2e/", "tests/render/")
BROWSER_FIXTURES = {"render_worker"}


@pytest.fixture
def run_jobs() -> Callable[[Flask], None]:
    """Work the `default` queue until it is empty, in this process, inside the app."""
    from fractafrag.extensions import redis
    from fractafrag.jobs.worker import AppSimpleWorker

    def run(application: Flask) -> None:
        with application.app_context():
            worker = AppSimpleWorker(["default"], connection=redis.conn)
        worker.app = application
        worker.work(burst=True, with_scheduler=False)

    return run


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """Mark the slow tests and the browser tests (by where they live) so a developer can skip
    them."""
    root = Path(str(config.rootpath))
    for item in items:
        where = Path(str(item.fspath)).relative_to(root).as_posix()
        if where.startswith(SLOW_PATHS):
            item.add_marker(pytest.mark.slow)
        if where.startswith(BROWSER_PATHS) or BROWSER_FIXTURES & set(
                getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.browser)
