"""Shadertoy JSON import/export through the API, and the free tier's monthly quota."""

from datetime import UTC, datetime

from tests.api.shader_helpers import FEEDBACK_COMMON, FEEDBACK_PASSES, GRADIENT, publish, published
from tests.helpers import bearer


def test_export_then_import_is_lossless(client, make_user):
    author, importer = make_user(), make_user()
    shader = published(client, author, title="Trails", description="feedback trails",
                       tags=["feedback", "buffer"], passes=FEEDBACK_PASSES,
                       common=FEEDBACK_COMMON)
    exported = client.get(f"/api/v1/shaders/{shader['id']}/export").json
    assert exported["info"]["name"] == "Trails"
    assert [p["type"] for p in exported["renderpass"]] == ["common", "buffer", "image"]
    imported = client.post("/api/v1/shaders/import", json=exported,
                           headers=bearer(importer["access_token"]))
    assert imported.status_code == 201, imported.json
    body = imported.json
    assert (body["title"], body["description"], body["tags"]) == (
        "Trails", "feedback trails", ["feedback", "buffer"])
    assert body["common"] == FEEDBACK_COMMON and body["passes"] == FEEDBACK_PASSES
    assert body["author"]["username"] == importer["username"]


def test_import_accepts_the_api_wrapper_and_the_site_list(client, make_user):
    user = make_user()
    shader = published(client, user)
    exported = client.get(f"/api/v1/shaders/{shader['id']}/export").json
    for document in ({"Shader": exported}, [exported]):
        response = client.post("/api/v1/shaders/import?visibility=unlisted", json=document,
                               headers=bearer(user["access_token"]))
        assert response.status_code == 201, response.json
        assert response.json["visibility"] == "unlisted" and response.json["code"] == GRADIENT


def test_malformed_import_is_422_naming_the_problem(client, make_user):
    user = make_user()
    response = client.post("/api/v1/shaders/import", json={"info": {"name": "x"}},
                           headers=bearer(user["access_token"]))
    assert response.status_code == 422
    assert "renderpass" in response.json["message"]


def test_import_of_a_keyboard_input_keeps_it_on_its_channel(client, make_user):
    user = make_user()
    document = {"info": {"name": "Keys"}, "renderpass": [{
        "type": "image", "name": "Image", "code": GRADIENT, "outputs": [],
        "inputs": [{"channel": 1, "ctype": "keyboard", "id": 33, "src": "/presets/tex00.jpg"}],
    }]}
    response = client.post("/api/v1/shaders/import", json=document,
                           headers=bearer(user["access_token"]))
    assert response.status_code == 201, response.json
    [image] = response.json["passes"]
    assert [(i["channel"], i["source"]) for i in image["inputs"]] == [(1, "keyboard")]


def test_import_of_an_input_of_no_known_type_names_pass_and_channel(client, make_user):
    user = make_user()
    document = {"info": {"name": "Odd"}, "renderpass": [{
        "type": "image", "name": "Image", "code": GRADIENT, "outputs": [],
        "inputs": [{"channel": 2, "ctype": "hologram", "id": 1, "src": "/x"}],
    }]}
    response = client.post("/api/v1/shaders/import", json=document,
                           headers=bearer(user["access_token"]))
    assert response.status_code == 422
    assert "hologram" in response.json["message"] and "2" in response.json["message"]


def test_import_of_code_that_does_not_compile_is_422(client, make_user):
    user = make_user()
    document = {"info": {"name": "Broken"}, "renderpass": [{
        "type": "image", "name": "Image", "inputs": [], "outputs": [],
        "code": "void mainImage(out vec4 c, in vec2 f) {\n  c = vec4(oops);\n}\n"}]}
    response = client.post("/api/v1/shaders/import", json=document,
                           headers=bearer(user["access_token"]))
    assert response.status_code == 422
    assert response.json["errors"][0] == {"pass": "Image", "line": 2,
                                          "message": "'oops' : undeclared identifier"}


def test_free_accounts_get_five_new_shaders_a_month(client, make_user):
    user = make_user()
    for i in range(5):
        published(client, user, title=f"n{i}")
    sixth = publish(client, user, title="n5")
    assert sixth.status_code == 429
    now = datetime.now(UTC)
    reset = (datetime(now.year + 1, 1, 1) if now.month == 12
             else datetime(now.year, now.month + 1, 1)).date().isoformat()
    assert reset in sixth.json["message"]
    quota = sixth.json["errors"]["quota"]
    assert quota["limit"] == 5 and quota["used"] == 5 and quota["resets_at"]
    assert int(sixth.headers["Retry-After"]) > 0


def test_forks_and_imports_count_but_versions_do_not(client, make_user):
    user, other = make_user(), make_user()
    theirs = published(client, other)
    mine = published(client, user)
    for i in range(3):
        edited = client.patch(f"/api/v1/shaders/{mine['id']}",
                              json={"code": GRADIENT.replace("1.0);", f"0.{i}1);")},
                              headers=bearer(user["access_token"]))
        assert edited.status_code == 200
    headers = bearer(user["access_token"])
    assert client.post(f"/api/v1/shaders/{theirs['id']}/fork", json={},
                       headers=headers).status_code == 201
    exported = client.get(f"/api/v1/shaders/{theirs['id']}/export").json
    assert client.post("/api/v1/shaders/import", json=exported, headers=headers).status_code == 201
    assert publish(client, user, title="fourth").status_code == 201
    assert publish(client, user, title="fifth").status_code == 201
    assert client.post(f"/api/v1/shaders/{theirs['id']}/fork", json={},
                       headers=headers).status_code == 429


def test_deleting_does_not_give_the_allowance_back(client, make_user):
    user = make_user()
    for i in range(5):
        shader = published(client, user, title=f"n{i}")
    client.delete(f"/api/v1/shaders/{shader['id']}", headers=bearer(user["access_token"]))
    assert publish(client, user).status_code == 429


def test_pro_accounts_are_unlimited(client, make_user, make_pro):
    user = make_user()
    make_pro(user)
    for i in range(7):
        published(client, user, title=f"n{i}")


def test_quota_holds_under_concurrent_publishing(app, make_user):
    from concurrent.futures import ThreadPoolExecutor

    user = make_user()

    def attempt(i: int) -> int:
        return publish(app.test_client(), user, title=f"race {i}").status_code

    with ThreadPoolExecutor(max_workers=8) as pool:
        codes = list(pool.map(attempt, range(8)))
    assert sorted(codes) == [201] * 5 + [429] * 3
