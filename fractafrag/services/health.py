"""Check that the database and Redis answer."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

from fractafrag.extensions import db, redis

log = logging.getLogger(__name__)


def check_health() -> dict[str, str]:
    """Return {status, database, redis[, message]}; status is 'ok' only when both answer."""
    report = {"status": "ok", "database": "ok", "redis": "ok"}
    down = []
    try:
        db.session.execute(sa.text("SELECT 1"))
    except SQLAlchemyError as error:
        db.session.rollback()
        log.warning("health: database down: %s", error)
        report["database"] = "unavailable"
        down.append("database")
    try:
        redis.ping()
    except RedisError as error:
        log.warning("health: redis down: %s", error)
        report["redis"] = "unavailable"
        down.append("redis")
    if down:
        report["status"] = "unavailable"
        report["message"] = f"Not answering: {', '.join(down)}."
    return report
