"""JSON that parses but cannot be stored or walked: nesting past the parser's depth and lone
UTF-16 surrogates. Every JSON write answers 400 naming the problem, never 500."""

from __future__ import annotations

import re

import pytest

from fractafrag import create_app
from tests.api.shader_helpers import publish
from tests.helpers import bearer, make_config

DEEP = "[" * 5000 + "]" * 5000
LONE = '{"title": "half \\ud800 a pair", "passes": [{"name": "Image", "code": "\\udc00"}]}'


def json_writes() -> list[tuple[str, str]]:
    """Every POST/PUT/PATCH/DELETE of the API with a JSON body, its path ids set to 1."""
    nowhere = {"DATABASE_URL": "postgresql://nobody@127.0.0.1:9/none",
               "REDIS_URL": "redis://127.0.0.1:9/0", "root": "/nonexistent"}
    app = create_app(make_config(nowhere))  # builds the spec; connects to nothing
    spec = app.extensions["flask-smorest"]["apis"][""]["ext_obj"].spec.to_dict()
    found = []
    for path, operations in spec["paths"].items():
        for method, operation in operations.items():
            if method in ("post", "put", "patch", "delete") and \
                    "application/json" in operation.get("requestBody", {}).get("content", {}):
                found.append((method.upper(), re.sub(r"\{(\w*id|number)\}", "1", path)))
    return found


def pytest_generate_tests(metafunc):
    if "json_write" in metafunc.fixturenames:
        writes = json_writes()
        metafunc.parametrize("json_write", writes, ids=[f"{m} {p}" for m, p in writes])


@pytest.fixture(scope="module")
def token(app) -> str:
    from tests.helpers import UserFactory

    return UserFactory(app)()["access_token"]


def _send(client, json_write, token, body: str):
    method, path = json_write
    path = path.replace("{username}", "nobody").replace("{provider}", "openai") \
        .replace("{kinds}", "shaders").replace("{action}", "hide")
    return client.open(path, method=method, data=body, content_type="application/json",
                       headers=bearer(token))


def test_json_nested_too_deeply_is_400_everywhere(client, json_write, token):
    response = _send(client, json_write, token, DEEP)
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert "nested too deeply" in response.json["message"]


def test_lone_surrogates_are_400_naming_the_field_everywhere(client, json_write, token):
    response = _send(client, json_write, token, LONE)
    assert response.status_code == 400, response.get_data(as_text=True)[:300]
    assert "title" in response.json["message"] and "surrogate" in response.json["message"]
    assert response.json["errors"] == {"json": {"title": ["Not valid Unicode text."]}}


def test_the_surrogate_named_is_the_one_inside_a_pass(client, make_user):
    body = '{"title": "fine", "passes": [{"name": "Image", "code": "void \\udc00"}]}'
    response = client.post("/api/v1/shaders", data=body, content_type="application/json",
                           headers=bearer(make_user()["access_token"]))
    assert response.status_code == 400
    assert response.json["errors"] == {"json": {"passes[0].code": ["Not valid Unicode text."]}}


def test_a_whole_surrogate_pair_is_an_ordinary_character(client, make_user):
    user = make_user()
    response = publish(client, user, title="sparkle \ud83d\ude00".encode("utf-16", "surrogatepass")
                       .decode("utf-16"))
    assert response.status_code == 201, response.json
    escaped = '{"title": "sparkle \\ud83d\\ude00", "code": "void mainImage(out vec4 c, in ' \
              'vec2 p) { c = vec4(1.0); }"}'
    response = client.post("/api/v1/shaders", data=escaped, content_type="application/json",
                           headers=bearer(user["access_token"]))
    assert response.status_code == 201, response.json
    assert response.json["title"] == "sparkle 😀"
