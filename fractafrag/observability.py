"""Logs and metrics: JSON log lines carrying request ids, and /metrics for Prometheus.

- Every request gets an id (the caller's `X-Request-ID` when it is sane, else a new one), sent
  back in the `X-Request-ID` header and attached to every log line written while it runs; one
  access line per request records method, path, status and duration.
- `FRACTAFRAG_LOG_FORMAT=json` (the default) writes one JSON object per line on stderr;
  `text` writes plain lines (what `fractafrag up` uses on a terminal).
- `/metrics` (Prometheus text format): request latency by endpoint, this process's Socket.IO
  connections, RQ queue depths and render durations (both read from Redis, so every process
  reports the same cluster-wide numbers). `FRACTAFRAG_METRICS_TOKEN`, when set, must be sent as
  a Bearer token; without one, /metrics answers only this machine (loopback, not forwarded by
  a proxy) and refuses everyone else with 403.
"""

from __future__ import annotations

import hmac
import ipaddress
import json
import logging
import re
import sys
import time
import uuid
from collections.abc import Iterator
from typing import Any

from flask import Flask, Response, current_app, g, has_request_context, request
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Gauge,
    Histogram,
    generate_latest,
)
from prometheus_client.core import GaugeMetricFamily, HistogramMetricFamily

REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")
RENDER_BUCKETS = (0.5, 1, 2, 3, 5, 8, 13, 21, 34, 60)
RENDER_KEY = "metrics:render_seconds"
access_log = logging.getLogger("fractafrag.access")

REGISTRY = CollectorRegistry(auto_describe=True)
REQUEST_SECONDS = Histogram(
    "fractafrag_http_request_duration_seconds", "Time to answer an HTTP request.",
    ["method", "endpoint", "status"], registry=REGISTRY,
    buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10))
SOCKETS = Gauge("fractafrag_socket_connections",
                "Socket.IO connections open on this web process.", registry=REGISTRY)


class JsonFormatter(logging.Formatter):
    """One JSON object per line: time, level, logger, message, request id and extras."""

    def format(self, record: logging.LogRecord) -> str:
        entry: dict[str, Any] = {
            "ts": time.strftime("%Y-%m-%dT%H:%M:%S", time.gmtime(record.created))
            + f".{int(record.msecs):03d}Z",
            "level": record.levelname.lower(), "logger": record.name,
            "message": record.getMessage(),
        }
        request_id = getattr(record, "request_id", None)
        if request_id:
            entry["request_id"] = request_id
        for key in ("method", "path", "status", "duration_ms", "remote"):
            if hasattr(record, key):
                entry[key] = getattr(record, key)
        if record.exc_info:
            entry["error"] = self.formatException(record.exc_info)
        return json.dumps(entry, ensure_ascii=False)


class RequestIdFilter(logging.Filter):
    """Attach the current request's id to every record logged while it is served."""

    def filter(self, record: logging.LogRecord) -> bool:
        if not hasattr(record, "request_id") and has_request_context():
            record.request_id = g.get("request_id")
        return True


def configure_logging(fmt: str = "json", level: str = "INFO") -> None:
    """Send this process's logs to stderr as JSON (or text); idempotent."""
    root = logging.getLogger()
    for handler in list(root.handlers):
        if getattr(handler, "_fractafrag", False):
            root.removeHandler(handler)
    handler = logging.StreamHandler(sys.stderr)
    handler._fractafrag = True  # type: ignore[attr-defined]
    handler.addFilter(RequestIdFilter())
    if fmt == "json":
        handler.setFormatter(JsonFormatter())
    else:
        handler.setFormatter(logging.Formatter(
            "%(asctime)s %(levelname)s %(name)s %(message)s [%(request_id)s]", defaults={
                "request_id": "-"}))
    root.addHandler(handler)
    root.setLevel(level)


def record_render_seconds(redis_conn: Any, seconds: float) -> None:
    """Count one render's duration into the shared histogram in Redis (render workers)."""
    bucket = next((str(b) for b in RENDER_BUCKETS if seconds <= b), "+Inf")
    pipe = redis_conn.pipeline()
    pipe.hincrby(RENDER_KEY, bucket, 1)
    pipe.hincrbyfloat(RENDER_KEY, "sum", seconds)
    pipe.execute()


class SharedCollector:
    """Cluster-wide numbers kept in Redis: queue depths and render durations."""

    def __init__(self, app: Flask) -> None:
        self.app = app

    def describe(self) -> list[Any]:
        """Nothing up front: registering must not touch Redis (it is read at scrape time)."""
        return []

    def collect(self) -> Iterator[Any]:
        """Read Redis at scrape time."""
        from rq import Queue

        from fractafrag.extensions import redis

        with self.app.app_context():
            conn = redis.conn
            depth = GaugeMetricFamily("fractafrag_queue_depth", "Jobs waiting in an RQ queue.",
                                      labels=["queue"])
            for name in ("default", "render"):
                depth.add_metric([name], Queue(name, connection=conn).count)
            yield depth
            raw = {k.decode(): v.decode() for k, v in conn.hgetall(RENDER_KEY).items()}
        buckets, running = [], 0
        for bound in (*map(str, RENDER_BUCKETS), "+Inf"):
            running += int(raw.get(bound, 0))
            buckets.append((bound, running))
        family = HistogramMetricFamily("fractafrag_render_duration_seconds",
                                       "Time to render a shader version (all render workers).")
        family.add_metric([], buckets, sum_value=float(raw.get("sum", 0.0)))
        yield family
        embedder = GaugeMetricFamily(
            "fractafrag_desire_embedder",
            "The desire board's active embedder (1); fallback=1 when the sentence model's "
            "weights are missing and TF-IDF stands in.", labels=["embedder", "fallback"])
        embedder.add_metric([self.app.config["DESIRE_EMBEDDER"],
                             "1" if self.app.config.get("DESIRE_EMBEDDER_FALLBACK") else "0"], 1)
        yield embedder


def init_app(app: Flask) -> None:
    """Request ids, access log lines, latency metrics and the /metrics endpoint."""
    if app.config.get("LOG_CONFIGURE", True) and not app.config.get("TESTING"):
        configure_logging(app.config["LOG_FORMAT"], app.config["LOG_LEVEL"])
    registry = CollectorRegistry(auto_describe=True)
    registry.register(_ProcessMetrics())
    registry.register(SharedCollector(app))

    @app.before_request
    def _start() -> None:
        given = request.headers.get("X-Request-ID", "")
        g.request_id = given if REQUEST_ID.match(given) else uuid.uuid4().hex
        g.request_started = time.perf_counter()

    @app.after_request
    def _finish(response: Response) -> Response:
        started = g.get("request_started")
        if started is None:
            return response
        seconds = time.perf_counter() - started
        response.headers["X-Request-ID"] = g.request_id
        endpoint = request.url_rule.rule if request.url_rule is not None else "unmatched"
        REQUEST_SECONDS.labels(request.method, endpoint, str(response.status_code)).observe(
            seconds)
        if request.path != "/metrics":
            access_log.info("%s %s %s", request.method, request.path, response.status_code,
                            extra={"request_id": g.request_id,
                                   "method": request.method, "path": request.path,
                                   "status": response.status_code,
                                   "duration_ms": round(seconds * 1000, 2),
                                   "remote": request.remote_addr})
        return response

    @app.get("/metrics")
    def metrics() -> Response:
        token = current_app.config.get("METRICS_TOKEN") or ""
        if token:
            sent = request.headers.get("Authorization", "").removeprefix("Bearer ").strip()
            if not hmac.compare_digest(sent, token):
                return Response("metrics need the bearer token (FRACTAFRAG_METRICS_TOKEN)\n",
                                status=401, mimetype="text/plain")
        elif not _from_this_machine():
            return Response("metrics are served to this machine only; set "
                            "FRACTAFRAG_METRICS_TOKEN to scrape them from elsewhere\n",
                            status=403, mimetype="text/plain")
        return Response(generate_latest(registry), mimetype=CONTENT_TYPE_LATEST)


def _from_this_machine() -> bool:
    """True when the client is on loopback and no proxy forwarded the request for another one
    (with FRACTAFRAG_PROXY_COUNT set, remote_addr already is the forwarded client's)."""
    try:
        loopback = ipaddress.ip_address(request.remote_addr or "").is_loopback
    except ValueError:
        return False
    forwarded = not current_app.config.get("PROXY_COUNT") and (
        "X-Forwarded-For" in request.headers or "Forwarded" in request.headers)
    return loopback and not forwarded


class _ProcessMetrics:
    """This process's own metrics (latency, sockets) next to the shared ones."""

    def describe(self) -> list[Any]:
        """Described at scrape time."""
        return []

    def collect(self) -> Iterator[Any]:
        """Everything registered on the module's registry."""
        yield from REGISTRY.collect()
