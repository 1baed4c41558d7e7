"""Immutable versions, restore and diff; forks and their lineage."""

from tests.api.shader_helpers import GRADIENT, published
from tests.helpers import bearer

BLUE = GRADIENT.replace("0.5 + 0.5 * sin(iTime)", "1.0")


def patch(client, user, shader_id, **changes):
    return client.patch(f"/api/v1/shaders/{shader_id}", json=changes,
                        headers=bearer(user["access_token"]))


def test_new_code_makes_version_two_and_keeps_version_one(client, make_user):
    user = make_user()
    shader = published(client, user)
    updated = patch(client, user, shader["id"], code=BLUE, message="all blue").json
    assert updated["version"] == 2 and updated["code"] == BLUE
    assert updated["render_status"] == "pending"
    v1 = client.get(f"/api/v1/shaders/{shader['id']}/versions/1").json
    assert v1["code"] == GRADIENT
    history = client.get(f"/api/v1/shaders/{shader['id']}/versions").json
    assert [(v["version"], v["message"]) for v in history] == [(1, ""), (2, "all blue")]


def test_metadata_edit_does_not_make_a_version(client, make_user):
    user = make_user()
    shader = published(client, user)
    updated = patch(client, user, shader["id"], title="Renamed", tags=["x"]).json
    assert updated["version"] == 1 and updated["title"] == "Renamed"


def test_resending_the_same_code_does_not_make_a_version(client, make_user):
    user = make_user()
    shader = published(client, user)
    assert patch(client, user, shader["id"], code=GRADIENT).json["version"] == 1


def test_bad_new_code_keeps_the_current_version(client, make_user):
    user = make_user()
    shader = published(client, user)
    refused = patch(client, user, shader["id"], code="void mainImage() {}", title="broken")
    assert refused.status_code == 422
    current = client.get(f"/api/v1/shaders/{shader['id']}").json
    assert current["version"] == 1 and current["title"] == "Gradient"


def test_code_edit_of_a_multipass_shader_changes_only_image(client, make_user):
    from tests.api.shader_helpers import FEEDBACK_COMMON, FEEDBACK_PASSES

    user = make_user()
    shader = published(client, user, passes=FEEDBACK_PASSES, common=FEEDBACK_COMMON)
    new_image = FEEDBACK_PASSES[1]["code"].replace("fragColor =", "fragColor = 0.5 *")
    updated = patch(client, user, shader["id"], code=new_image).json
    assert updated["version"] == 2
    assert updated["passes"][0] == FEEDBACK_PASSES[0]
    assert updated["passes"][1]["code"] == new_image
    assert updated["passes"][1]["inputs"] == FEEDBACK_PASSES[1]["inputs"]


def test_missing_version_is_404_saying_which_exist(client, make_user):
    shader = published(client, make_user())
    response = client.get(f"/api/v1/shaders/{shader['id']}/versions/9")
    assert response.status_code == 404
    assert "1 to 1" in response.json["message"]


def test_restore_makes_a_new_version_with_the_old_code(client, make_user):
    user = make_user()
    shader = published(client, user)
    patch(client, user, shader["id"], code=BLUE)
    restored = client.post(f"/api/v1/shaders/{shader['id']}/versions/1/restore",
                           headers=bearer(user["access_token"]))
    assert restored.status_code == 201
    assert restored.json["version"] == 3 and restored.json["code"] == GRADIENT


def test_restore_is_the_owners(client, make_user):
    owner, other = make_user(), make_user()
    shader = published(client, owner)
    response = client.post(f"/api/v1/shaders/{shader['id']}/versions/1/restore",
                           headers=bearer(other["access_token"]))
    assert response.status_code == 403


def test_diff_is_unified_per_pass(client, make_user):
    user = make_user()
    shader = published(client, user)
    patch(client, user, shader["id"], code=BLUE, common="float k = 1.0;\n")
    diff = client.get(f"/api/v1/shaders/{shader['id']}/diff?from=1&to=2").json
    by_pass = {p["pass"]: p for p in diff["passes"]}
    assert by_pass["Common"]["status"] == "added"
    assert by_pass["Image"]["status"] == "changed"
    image = by_pass["Image"]["diff"]
    assert image.startswith("--- v1/Image\n+++ v2/Image\n@@")
    assert "-    fragColor = vec4(uv, 0.5 + 0.5 * sin(iTime), 1.0);" in image
    assert "+    fragColor = vec4(uv, 1.0, 1.0);" in image


def test_diff_needs_both_versions(client, make_user):
    shader = published(client, make_user())
    response = client.get(f"/api/v1/shaders/{shader['id']}/diff?from=1")
    assert response.status_code == 422 and "to" in str(response.json["errors"])


def test_fork_copies_a_chosen_version_and_records_lineage(client, make_user):
    author, remixer = make_user(), make_user()
    original = published(client, author)
    patch(client, author, original["id"], code=BLUE)
    fork = client.post(f"/api/v1/shaders/{original['id']}/fork", json={"version": 1},
                       headers=bearer(remixer["access_token"]))
    assert fork.status_code == 201
    body = fork.json
    assert body["forked_from"] == {"id": original["id"], "version": 1}
    assert body["code"] == GRADIENT and body["version"] == 1
    assert body["author"]["username"] == remixer["username"]
    assert body["visibility"] == "draft" and body["title"] == "Fork of Gradient"
    assert client.get(f"/api/v1/shaders/{original['id']}").json["fork_count"] == 1


def test_forks_list_and_ancestor_chain(client, make_user):
    a, b, c = make_user(), make_user(), make_user()
    root = published(client, a, title="Root")
    child = client.post(f"/api/v1/shaders/{root['id']}/fork", json={"visibility": "public"},
                        headers=bearer(b["access_token"])).json
    grandchild = client.post(f"/api/v1/shaders/{child['id']}/fork",
                             json={"visibility": "public", "title": "Grandchild"},
                             headers=bearer(c["access_token"])).json
    forks = client.get(f"/api/v1/shaders/{root['id']}/forks").json
    assert [f["id"] for f in forks] == [child["id"]]
    chain = client.get(f"/api/v1/shaders/{grandchild['id']}/ancestors").json
    assert [(x["id"], x["version"], x["available"]) for x in chain] == [
        (child["id"], 1, True), (root["id"], 1, True)]
    assert chain[1]["author"] == a["username"]


def test_forks_keep_lineage_when_the_parent_is_deleted(client, make_user):
    author, remixer = make_user(), make_user()
    original = published(client, author)
    fork = client.post(f"/api/v1/shaders/{original['id']}/fork", json={},
                       headers=bearer(remixer["access_token"])).json
    client.delete(f"/api/v1/shaders/{original['id']}", headers=bearer(author["access_token"]))
    kept = client.get(f"/api/v1/shaders/{fork['id']}", headers=bearer(remixer["access_token"]))
    assert kept.json["forked_from"] == {"id": original["id"], "version": 1}
    chain = client.get(f"/api/v1/shaders/{fork['id']}/ancestors",
                       headers=bearer(remixer["access_token"])).json
    assert chain == [{"id": original["id"], "version": 1, "title": None, "author": None,
                      "available": False}]


def test_concurrent_edits_each_answer_with_the_version_they_made(app, make_user):
    import time
    from concurrent.futures import ThreadPoolExecutor

    from sqlalchemy import event
    from sqlalchemy.orm import Session

    user = make_user()
    shader = published(app.test_client(), user)
    edits = 8

    def edit(i: int) -> dict:
        client = app.test_client()
        answer = client.patch(f"/api/v1/shaders/{shader['id']}",
                              json={"code": GRADIENT.replace("0.5", f"0.{i + 1}1")},
                              headers=bearer(user["access_token"]))
        assert answer.status_code == 200, answer.json
        return answer.json

    def slow_answer(_session) -> None:
        time.sleep(0.3)  # a slow moment between the commit and the answer: others commit

    event.listen(Session, "after_commit", slow_answer)
    try:
        with ThreadPoolExecutor(edits) as pool:
            answers = list(pool.map(edit, range(edits)))
    finally:
        event.remove(Session, "after_commit", slow_answer)
    assert sorted(a["version"] for a in answers) == list(range(2, edits + 2))
    client = app.test_client()
    for answer in answers:  # each answer shows the code of its own version
        stored = client.get(f"/api/v1/shaders/{shader['id']}/versions/{answer['version']}").json
        image = next(p["code"] for p in stored["passes"] if p["name"] == "Image")
        assert answer["code"] == image, answer["version"]
