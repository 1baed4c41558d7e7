"""REST calls against a real web process, for the realtime tests."""

from __future__ import annotations

from typing import Any

import requests

from tests.api.shader_helpers import GRADIENT
from tests.helpers import bearer


def publish(web: Any, user: dict, **fields: Any) -> dict:
    """POST /shaders on the web process; return the created shader."""
    body = {"title": "Live gradient", "code": GRADIENT, **fields}
    response = requests.post(f"{web.url}/api/v1/shaders", json=body, timeout=10,
                             headers=bearer(user["access_token"]))
    assert response.status_code == 201, response.text
    return response.json()


def vote(web: Any, user: dict, shader_id: int, value: int = 1) -> dict:
    """POST /shaders/<id>/vote on the web process; return the counters."""
    response = requests.post(f"{web.url}/api/v1/shaders/{shader_id}/vote", json={"value": value},
                             timeout=10, headers=bearer(user["access_token"]))
    assert response.status_code == 200, response.text
    return response.json()
