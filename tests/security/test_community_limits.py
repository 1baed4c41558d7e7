"""New desires, comments, playlists, reports and follows are rate limited per account: past the
limit 429 with Retry-After naming the setting; another account goes on."""

from __future__ import annotations

import pytest

from tests.api.shader_helpers import GRADIENT
from tests.helpers import bearer

LIMIT = 2


def _shader(client, user: dict) -> int:
    response = client.post("/api/v1/shaders", json={"title": "Target", "code": GRADIENT},
                           headers=bearer(user["access_token"]))
    assert response.status_code == 201, response.json
    return response.json["id"]


def _desire(client, user, _world, i):
    return client.post("/api/v1/desires", json={"prompt": f"a spiral of light number {i}"},
                       headers=bearer(user["access_token"]))


def _comment(client, user, world, i):
    return client.post(f"/api/v1/shaders/{world['shader']}/comments",
                       json={"body": f"Nice one, #{i}"}, headers=bearer(user["access_token"]))


def _playlist(client, user, _world, i):
    return client.post("/api/v1/playlists", json={"title": f"Mix {i}"},
                       headers=bearer(user["access_token"]))


def _report(client, user, world, i):
    return client.post("/api/v1/reports", json={"kind": "shader", "id": world["shader"],
                                                "reason": f"spam, take {i}"},
                       headers=bearer(user["access_token"]))


def _follow(client, user, world, i):
    return client.put(f"/api/v1/users/{world['authors'][i]['username']}/follow",
                      headers=bearer(user["access_token"]))


KINDS = {"RATELIMIT_DESIRE": _desire, "RATELIMIT_COMMENT": _comment,
         "RATELIMIT_PLAYLIST": _playlist, "RATELIMIT_REPORT": _report,
         "RATELIMIT_FOLLOW": _follow}


@pytest.mark.parametrize("setting", sorted(KINDS))
def test_community_writes_are_limited_per_account(make_app, make_user, setting):
    app = make_app(**{setting: f"{LIMIT}/10min"})
    client = app.test_client()
    author, user, other = make_user(), make_user(), make_user()
    world = {"shader": _shader(client, author),
             "authors": [author, make_user(), make_user(), make_user()]}
    send = KINDS[setting]
    for i in range(LIMIT):
        assert send(client, user, world, i).status_code in (200, 201), i
    refused = send(client, user, world, LIMIT)
    assert refused.status_code == 429, refused.json
    assert 1 <= int(refused.headers["Retry-After"]) <= 601
    assert setting in refused.json["message"] and "Too many" in refused.json["message"]
    # Per account: someone else still may.
    assert send(client, other, world, 0).status_code in (200, 201)


def test_the_community_limits_have_defaults(app):
    from fractafrag.services.ratelimit import parse_limit

    for setting in KINDS:
        limit = parse_limit(app.config[setting])
        assert 1 <= limit.count <= 100 and limit.seconds >= 60, setting
