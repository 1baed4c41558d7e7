"""Check that the database and Redis answer; name the desire board's active embedder."""

from __future__ import annotations

import logging

import sqlalchemy as sa
from flask import current_app
from redis.exceptions import RedisError
from sqlalchemy.exc import SQLAlchemyError

from fractafrag.extensions import db, redis

log = logging.getLogger(__name__)


def check_health() -> dict[str, str | bool]:
    """Return {status, database, redis, embedder, embedder_fallback[, message]}; status is 'ok'
    only when both answer. `embedder` is the desire board's ("sentence", or "tfidf"), and
    `embedder_fallback` is true when TF-IDF stands in because the sentence model's weights are
    not installed (the site works either way, so it does not change the status)."""
    report: dict[str, str | bool] = {
        "status": "ok", "database": "ok", "redis": "ok",
        "embedder": current_app.config["DESIRE_EMBEDDER"],
        "embedder_fallback": bool(current_app.config.get("DESIRE_EMBEDDER_FALLBACK")),
    }
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
