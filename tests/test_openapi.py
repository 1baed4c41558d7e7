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


def declared_schemes(spec: dict, method: str, path: str) -> set[str]:
    """The security schemes the document lists for one operation."""
    operation = spec["paths"][path][method.lower()]
    return {name for requirement in operation.get("security", []) for name in requirement}


# (method, path in the document, path called, JSON body): operations an API key may call, and
# account management it is refused on.
KEY_PROBES = [
    ("GET", "/api/v1/users/me", "/api/v1/users/me", None),
    ("PATCH", "/api/v1/users/me", "/api/v1/users/me", {"bio": "made by an agent"}),
    ("GET", "/api/v1/notifications", "/api/v1/notifications", None),
    ("POST", "/api/v1/desires", "/api/v1/desires", {"prompt": "a kaleidoscope of embers"}),
    ("GET", "/api/v1/mcp-keys", "/api/v1/mcp-keys", None),
    ("GET", "/api/v1/users/me/byok", "/api/v1/users/me/byok", None),
    ("POST", "/api/v1/users/me/sessions/revoke", "/api/v1/users/me/sessions/revoke", None),
    ("DELETE", "/api/v1/users/me", "/api/v1/users/me", {"current_password": "whatever"}),
]


def test_api_key_auth_is_documented_where_the_server_accepts_a_key(client, make_user):
    spec = client.get("/api/openapi.json").json
    assert spec["components"]["securitySchemes"]["apiKey"] == {
        "type": "apiKey", "in": "header", "name": "X-API-Key"}
    user = make_user()
    made = client.post("/api/v1/mcp-keys", json={"name": "probe", "scopes": ["read", "write"]},
                       headers={"Authorization": f"Bearer {user['access_token']}"})
    assert made.status_code == 201, made.json
    key = {"X-API-Key": made.json["key"]}
    for method, documented, path, body in KEY_PROBES:
        schemes = declared_schemes(spec, method, documented)
        assert "bearerAuth" in schemes, (method, documented)
        answer = client.open(path, method=method, json=body, headers=key)
        if "apiKey" in schemes:
            assert 200 <= answer.status_code < 300, (method, path, answer.json)
        else:
            assert answer.status_code == 403, (method, path, answer.status_code)
            assert "API keys cannot" in answer.json["message"], answer.json
