"""/api/docs in a real browser under its Content-Security-Policy: Swagger UI still works."""

from __future__ import annotations

import requests


def test_the_api_docs_page_has_a_csp_and_swagger_ui_runs_under_it(new_page, live):
    answer = requests.get(live.url + "/api/docs", timeout=10)
    policy = answer.headers["Content-Security-Policy"]
    assert "script-src 'self' 'sha256-" in policy and "'unsafe-eval'" not in policy
    assert "'unsafe-inline'" not in policy.split("script-src", 1)[1].split(";", 1)[0]
    assert answer.headers["X-Content-Type-Options"] == "nosniff"

    page = new_page()
    refused: list[str] = []
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text else None)
    page.goto("/api/docs")
    # Swagger UI ran (the inline script and the bundle), fetched the spec and drew it.
    page.wait_for_selector(".swagger-ui .opblock-tag", timeout=20_000)
    assert page.locator(".swagger-ui .opblock").count() > 10
    assert page.locator(".swagger-ui .info .title").inner_text().strip()
    assert refused == [], refused
