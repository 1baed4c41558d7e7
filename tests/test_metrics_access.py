"""/metrics is not public by default: without FRACTAFRAG_METRICS_TOKEN only this machine gets it."""

from __future__ import annotations


def test_without_a_token_metrics_answer_loopback_only(client):
    assert client.get("/metrics").status_code == 200  # the test client is 127.0.0.1
    assert client.get("/metrics", environ_base={"REMOTE_ADDR": "::1"}).status_code == 200
    outside = client.get("/metrics", environ_base={"REMOTE_ADDR": "203.0.113.9"})
    assert outside.status_code == 403
    assert "FRACTAFRAG_METRICS_TOKEN" in outside.get_data(as_text=True)
    # A proxy on this machine forwarding someone else's request is not this machine.
    proxied = client.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"})
    assert proxied.status_code == 403


def test_behind_a_counted_proxy_the_forwarded_client_decides(make_app):
    behind = make_app(PROXY_COUNT=1).test_client()
    assert behind.get("/metrics", headers={"X-Forwarded-For": "203.0.113.9"}).status_code == 403
    assert behind.get("/metrics", headers={"X-Forwarded-For": "127.0.0.1"}).status_code == 200


def test_with_a_token_any_address_may_scrape_with_it(make_app):
    guarded = make_app(METRICS_TOKEN="scrape-secret").test_client()
    far = {"REMOTE_ADDR": "203.0.113.9"}
    assert guarded.get("/metrics", environ_base=far).status_code == 401
    answer = guarded.get("/metrics", environ_base=far,
                         headers={"Authorization": "Bearer scrape-secret"})
    assert answer.status_code == 200 and "fractafrag_" in answer.get_data(as_text=True)
