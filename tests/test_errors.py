"""Every error is JSON in flask-smorest's shape, never an HTML page or a bare 500."""

from flask import Flask


def _shape(body: dict) -> None:
    assert set(body) >= {"code", "status", "message"}
    assert isinstance(body["message"], str) and body["message"]


def test_unknown_url_is_json_404(client):
    response = client.get("/api/v1/does-not-exist")
    assert response.status_code == 404 and response.is_json
    _shape(response.json)


def test_wrong_method_is_json_405_with_allow(client):
    response = client.delete("/api/v1/health")
    assert response.status_code == 405 and response.is_json
    _shape(response.json)
    assert "GET" in response.headers["Allow"]


def test_unhandled_exception_is_json_500_without_details(make_app):
    app: Flask = make_app(PROPAGATE_EXCEPTIONS=False)

    @app.get("/boom")
    def boom():
        raise RuntimeError("secret internals")

    response = app.test_client().get("/boom")
    assert response.status_code == 500 and response.is_json
    _shape(response.json)
    assert "secret" not in response.get_data(as_text=True)


def test_body_over_the_size_limit_is_413(make_app):
    app = make_app(MAX_CONTENT_LENGTH=1024)
    response = app.test_client().post(
        "/api/v1/auth/login", data="x" * 5000, content_type="application/json"
    )
    assert response.status_code == 413 and response.is_json
    _shape(response.json)


def test_non_object_json_body_is_422(client):
    response = client.post("/api/v1/auth/login", json=["a", "list"])
    assert response.status_code == 422
    _shape(response.json)


def test_wrong_types_are_422_naming_the_field(client):
    response = client.post("/api/v1/auth/login", json={"username": 5, "password": ["x"]})
    assert response.status_code == 422
    assert {"username", "password"} <= set(response.json["errors"]["json"])


def test_home_page_renders_without_javascript(client):
    page = client.get("/")
    assert page.status_code == 200
    assert "Fractafrag" in page.get_data(as_text=True)
