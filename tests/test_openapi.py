"""The OpenAPI document and its self-hosted docs page."""

import re


def test_openapi_lists_the_account_endpoints(client):
    spec = client.get("/api/openapi.json").json
    assert spec["openapi"].startswith("3.")
    for path in ("/api/v1/health", "/api/v1/auth/register", "/api/v1/auth/login",
                 "/api/v1/auth/refresh", "/api/v1/auth/logout", "/api/v1/users/me",
                 "/api/v1/users/{username}"):
        assert path in spec["paths"], path
    assert spec["paths"]["/api/v1/auth/register"]["post"]["summary"]


def test_docs_page_uses_only_vendored_assets(client):
    page = client.get("/api/docs")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assets = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert assets, "the docs page loads Swagger UI"
    for asset in assets:
        assert asset.startswith("/static/vendor/swagger-ui/"), asset
        assert client.get(asset).status_code == 200, asset
