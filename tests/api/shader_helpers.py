"""Shader payloads and helpers for API tests."""

from tests.helpers import bearer

GRADIENT = (
    "void mainImage(out vec4 fragColor, in vec2 fragCoord) {\n"
    "    vec2 uv = fragCoord / iResolution.xy;\n"
    "    fragColor = vec4(uv, 0.5 + 0.5 * sin(iTime), 1.0);\n"
    "}\n"
)

FEEDBACK_PASSES = [
    {"name": "Buffer A", "code": (
        "void mainImage(out vec4 fragColor, in vec2 fragCoord) {\n"
        "    vec2 uv = fragCoord / iResolution.xy;\n"
        "    vec4 previous = texture(iChannel0, uv);\n"
        "    fragColor = mix(previous, vec4(pulse(iTime)), 0.05);\n"
        "}\n"),
     "inputs": [{"channel": 0, "source": "Buffer A", "filter": "linear", "wrap": "clamp"}]},
    {"name": "Image", "code": (
        "void mainImage(out vec4 fragColor, in vec2 fragCoord) {\n"
        "    fragColor = texture(iChannel0, fragCoord / iResolution.xy);\n"
        "}\n"),
     "inputs": [{"channel": 0, "source": "Buffer A", "filter": "nearest", "wrap": "repeat"}]},
]
FEEDBACK_COMMON = "float pulse(float t) {\n    return 0.5 + 0.5 * sin(t);\n}\n"


def publish(client, user, title="Gradient", code=GRADIENT, **fields):
    """POST a shader as user; return the response."""
    body = {"title": title, **fields}
    if "passes" not in fields:
        body["code"] = code
    return client.post("/api/v1/shaders", json=body, headers=bearer(user["access_token"]))


def published(client, user, **fields) -> dict:
    """Publish and return the created shader, failing loudly if it was refused."""
    response = publish(client, user, **fields)
    assert response.status_code == 201, response.json
    return response.json
