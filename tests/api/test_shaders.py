"""Publishing, reading, editing and deleting shaders through the REST API."""

import pytest
from rq import Queue

from fractafrag.extensions import redis
from tests.api.shader_helpers import (
    FEEDBACK_COMMON,
    FEEDBACK_PASSES,
    GRADIENT,
    publish,
    published,
)
from tests.helpers import bearer


def test_publish_single_pass_code(client, make_user):
    user = make_user()
    shader = published(client, user, description="uv", tags=["Gradient", "demo", "gradient"])
    assert shader["version"] == 1
    assert shader["code"] == GRADIENT
    assert shader["passes"] == [{"name": "Image", "code": GRADIENT, "inputs": []}]
    assert shader["tags"] == ["gradient", "demo"]
    assert shader["author"]["username"] == user["username"]
    assert shader["render_status"] == "pending"
    assert shader["forked_from"] is None
    assert client.get(f"/api/v1/shaders/{shader['id']}").json["title"] == "Gradient"


def test_publishing_enqueues_a_render_of_the_version(client, app, make_user):
    shader = published(client, make_user())
    with app.app_context():
        jobs = Queue("render", connection=redis.conn).jobs
    assert [(j.func_name, j.args) for j in jobs] == [
        ("fractafrag.jobs.render.render_shader", (shader["id"], 1))]


def test_publish_multipass_with_common_round_trips(client, make_user):
    user = make_user()
    shader = published(client, user, title="Trails", passes=FEEDBACK_PASSES,
                       common=FEEDBACK_COMMON)
    fetched = client.get(f"/api/v1/shaders/{shader['id']}").json
    assert fetched["common"] == FEEDBACK_COMMON
    assert fetched["passes"] == FEEDBACK_PASSES


def test_channel_defaults_are_filled_in(client, make_user):
    passes = [dict(p, inputs=[{"channel": 0, "source": "Buffer A"}]) for p in FEEDBACK_PASSES]
    shader = published(client, make_user(), passes=passes, common=FEEDBACK_COMMON)
    assert shader["passes"][0]["inputs"] == [
        {"channel": 0, "source": "Buffer A", "filter": "linear", "wrap": "clamp"}]


def test_compile_error_is_422_with_pass_and_line(client, make_user):
    code = GRADIENT.replace("vec4(uv, 0.5", "vec4(uvw, 0.5")
    response = publish(client, make_user(), code=code)
    assert response.status_code == 422
    assert response.json["errors"] == [
        {"pass": "Image", "line": 3, "message": "'uvw' : undeclared identifier"}]
    assert "Image line 3" in response.json["message"]


def test_error_in_common_names_common(client, make_user):
    response = publish(client, make_user(), passes=FEEDBACK_PASSES,
                       common="float pulse(float t) {\n    return 0.5 + sin(t)\n}\n")
    assert response.status_code == 422
    assert {e["pass"] for e in response.json["errors"]} == {"Common"}
    assert response.json["errors"][0]["line"] in (2, 3)


def test_error_in_a_buffer_names_the_buffer(client, make_user):
    passes = [dict(FEEDBACK_PASSES[0], code=FEEDBACK_PASSES[0]["code"].replace(
        "texture(iChannel0, uv)", "texture(iChannel0, uv, 1, 2)")), FEEDBACK_PASSES[1]]
    response = publish(client, make_user(), passes=passes, common=FEEDBACK_COMMON)
    assert response.status_code == 422
    assert response.json["errors"][0]["pass"] == "Buffer A"
    assert response.json["errors"][0]["line"] == 3


def test_nothing_is_stored_when_code_does_not_compile(client, make_user):
    user = make_user()
    publish(client, user, code="void mainImage(out vec4 c, in vec2 f) { c = nope; }")
    mine = client.get(f"/api/v1/shaders?author={user['username']}",
                      headers=bearer(user["access_token"]))
    assert mine.json == []


@pytest.mark.parametrize(
    ("fields", "needle"),
    [
        ({"visibility": "secret"}, "visibility"),
        ({"passes": [{"name": "Buffer E", "code": GRADIENT}]}, "Buffer E"),
        ({"passes": [{"name": "Image", "code": GRADIENT,
                      "inputs": [{"channel": 7, "source": "Buffer A"}]}]}, "channel"),
        ({"passes": [{"name": "Image", "code": GRADIENT,
                      "inputs": [{"channel": 0, "source": "Buffer B"}]}]}, "Buffer B"),
        ({"passes": [{"name": "Image", "code": GRADIENT,
                      "inputs": [{"channel": 0, "source": "texture:cat-photo"}]}]}, "cat-photo"),
        ({"passes": [{"name": "Buffer A", "code": GRADIENT}]}, "Image"),
        ({"title": ""}, "title"),
        ({"tags": ["x" * 40]}, "tags"),
        ({"license": "Proprietary-1.0"}, "SPDX"),
    ],
)
def test_bad_fields_are_422_naming_them(client, make_user, fields, needle):
    response = publish(client, make_user(), **fields)
    assert response.status_code == 422, response.json
    assert needle in str(response.json), response.json


def test_a_pass_over_256_kb_is_refused_with_the_limit(client, make_user):
    padding = "// " + "x" * 100 + "\n"
    code = padding * 2700 + GRADIENT
    response = publish(client, make_user(), code=code)
    # The body (about 280 KB) is well under MAX_CONTENT_LENGTH: the pass's own limit refuses it.
    assert response.status_code == 422, response.json
    assert response.json["errors"] == [{
        "pass": "Image", "line": 0,
        "message": f"Image code is {len(code.encode()):,} bytes; the limit is 262,144 bytes "
                   "(256 KB) per pass. Shorten it or move shared helpers to Common."}], \
        response.json


def test_code_and_passes_together_are_refused(client, make_user):
    response = publish(client, make_user(), passes=FEEDBACK_PASSES, code=GRADIENT)
    assert response.status_code == 422


def test_publishing_needs_an_account(client):
    response = client.post("/api/v1/shaders", json={"title": "x", "code": GRADIENT})
    assert response.status_code == 401


def test_licence_defaults_and_accepts_spdx_ids(client, app, make_user):
    user = make_user()
    assert published(client, user)["license"] == app.config["DEFAULT_LICENSE"]
    assert published(client, user, license="cc0-1.0")["license"] == "CC0-1.0"


def test_private_shader_is_404_to_strangers_and_visible_to_its_owner(client, make_user):
    owner, stranger = make_user(), make_user()
    shader = published(client, owner, visibility="private")
    path = f"/api/v1/shaders/{shader['id']}"
    assert client.get(path).status_code == 404
    assert client.get(path, headers=bearer(stranger["access_token"])).status_code == 404
    assert client.get(path, headers=bearer(owner["access_token"])).status_code == 200
    for sub in ("/versions", "/versions/1", "/export", "/forks", "/ancestors"):
        assert client.get(path + sub).status_code == 404, sub
    fork = client.post(path + "/fork", json={}, headers=bearer(stranger["access_token"]))
    assert fork.status_code == 404


def test_unlisted_shader_opens_by_link_but_is_in_no_list(client, make_user):
    owner = make_user()
    shader = published(client, owner, title="Hidden gem", visibility="unlisted")
    assert client.get(f"/api/v1/shaders/{shader['id']}").status_code == 200
    assert client.get("/api/v1/shaders").json == []
    assert client.get("/api/v1/shaders?q=gem").json == []


def test_owner_lists_all_their_own_shaders(client, make_user):
    owner = make_user()
    for visibility in ("public", "unlisted", "private", "draft"):
        published(client, owner, title=visibility, visibility=visibility)
    mine = client.get(f"/api/v1/shaders?author={owner['username']}",
                      headers=bearer(owner["access_token"])).json
    assert {s["visibility"] for s in mine} == {"public", "unlisted", "private", "draft"}
    theirs = client.get(f"/api/v1/shaders?author={owner['username']}").json
    assert [s["visibility"] for s in theirs] == ["public"]


def test_draft_gets_published_when_made_public(client, make_user):
    owner = make_user()
    shader = published(client, owner, visibility="draft")
    assert shader["published_at"] is None
    made_public = client.patch(f"/api/v1/shaders/{shader['id']}", json={"visibility": "public"},
                               headers=bearer(owner["access_token"])).json
    assert made_public["published_at"] is not None
    assert [s["id"] for s in client.get("/api/v1/shaders").json] == [shader["id"]]


def test_delete_is_the_owners_and_hides_the_shader(client, make_user):
    owner, other = make_user(), make_user()
    shader = published(client, owner)
    path = f"/api/v1/shaders/{shader['id']}"
    assert client.delete(path, headers=bearer(other["access_token"])).status_code == 403
    assert client.delete(path).status_code == 401
    assert client.delete(path, headers=bearer(owner["access_token"])).status_code == 204
    assert client.get(path).status_code == 404
    assert client.get("/api/v1/shaders").json == []


def test_another_users_shader_cannot_be_edited(client, make_user):
    owner, other = make_user(), make_user()
    shader = published(client, owner)
    response = client.patch(f"/api/v1/shaders/{shader['id']}", json={"title": "mine now"},
                            headers=bearer(other["access_token"]))
    assert response.status_code == 403
    assert "fork" in response.json["message"]


def test_validate_reports_ok_or_every_error(client):
    good = client.post("/api/v1/validate", json={"code": GRADIENT})
    assert good.json == {"ok": True, "errors": []}
    bad = client.post("/api/v1/validate", json={
        "code": "void mainImage(out vec4 c, in vec2 f) {\n  c = vec4(a);\n  c += b;\n}\n"})
    assert bad.json["ok"] is False
    assert [(e["pass"], e["line"]) for e in bad.json["errors"]] == [("Image", 2), ("Image", 3)]


def test_validate_needs_code(client):
    assert client.post("/api/v1/validate", json={}).status_code == 422


def test_publishing_while_redis_is_down_keeps_the_shader_pending(make_app, make_user):
    import socket

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    app = make_app(REDIS_URL=f"redis://127.0.0.1:{port}/0")
    user = make_user()
    response = publish(app.test_client(), user)
    assert response.status_code == 201, "the shader is stored; the sweeper queues its render"
    assert response.json["render_status"] == "pending"
