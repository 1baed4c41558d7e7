"""Request ids, JSON log lines, and /metrics for Prometheus."""

from __future__ import annotations

import json
import logging

from fractafrag.observability import JsonFormatter, RequestIdFilter, record_render_seconds


def test_every_answer_carries_a_request_id_and_a_sane_one_is_kept(client):
    first = client.get("/api/v1/health").headers["X-Request-ID"]
    second = client.get("/api/v1/health").headers["X-Request-ID"]
    assert len(first) == 32 and first != second
    kept = client.get("/api/v1/health", headers={"X-Request-ID": "edge-1234abcd"})
    assert kept.headers["X-Request-ID"] == "edge-1234abcd"
    junk = client.get("/api/v1/health", headers={"X-Request-ID": "<script>"})
    assert junk.headers["X-Request-ID"] != "<script>"


def test_access_lines_are_json_with_the_request_id(app, client, caplog):
    caplog.set_level(logging.INFO, logger="fractafrag.access")
    response = client.get("/api/v1/shaders?page_size=1", headers={"X-Request-ID": "req-abcdef12"})
    record = next(r for r in caplog.records if r.name == "fractafrag.access")
    RequestIdFilter().filter(record)
    line = json.loads(JsonFormatter().format(record))
    assert line["request_id"] == "req-abcdef12" == response.headers["X-Request-ID"]
    assert line["method"] == "GET" and line["path"] == "/api/v1/shaders"
    assert line["status"] == 200 and line["duration_ms"] >= 0
    assert line["level"] == "info" and line["ts"].endswith("Z")


def test_metrics_expose_latency_queues_and_render_durations(app, client):
    from fractafrag.extensions import queues, redis

    client.get("/api/v1/health")
    with app.app_context():
        queues.enqueue("default", "fractafrag.jobs.desires.process_desire", 1)
        record_render_seconds(redis.conn, 2.5)
        record_render_seconds(redis.conn, 70)
    text = client.get("/metrics").get_data(as_text=True)
    assert 'fractafrag_http_request_duration_seconds_count{endpoint="/api/v1/health"' in text
    assert 'fractafrag_queue_depth{queue="default"} 1.0' in text
    assert 'fractafrag_render_duration_seconds_bucket{le="3"} 1.0' in text
    assert 'fractafrag_render_duration_seconds_bucket{le="+Inf"} 2.0' in text
    assert "fractafrag_render_duration_seconds_sum 72.5" in text
    assert "fractafrag_socket_connections" in text


def test_metrics_can_require_a_token(make_app):
    guarded = make_app(METRICS_TOKEN="scrape-secret").test_client()
    assert guarded.get("/metrics").status_code == 401
    answer = guarded.get("/metrics", headers={"Authorization": "Bearer scrape-secret"})
    assert answer.status_code == 200 and "fractafrag_queue_depth" in answer.get_data(as_text=True)
