"""Jam sessions over REST: start, invite, join, remove, edit, save, end, and who may see them."""

from __future__ import annotations

from tests.api.shader_helpers import FEEDBACK_COMMON, FEEDBACK_PASSES, GRADIENT, published
from tests.api.test_keys import make_key
from tests.helpers import bearer

RED = "    fragColor = vec4(1.0, 0.0, 0.0, 1.0);\n"


def start(client, user, shader_id, **body):
    return client.post(f"/api/v1/shaders/{shader_id}/jams", json=body,
                       headers=bearer(user["access_token"]))


def started(client, user, shader_id, **body) -> dict:
    response = start(client, user, shader_id, **body)
    assert response.status_code == 201, response.json
    return response.json


def post(client, user, jam_id, action, **body):
    return client.post(f"/api/v1/jams/{jam_id}/{action}", json=body,
                       headers=bearer(user["access_token"]))


def edit(client, user, jam_id, **body):
    return post(client, user, jam_id, "edits", **body)


def read(client, jam_id, user=None) -> dict:
    headers = bearer(user["access_token"]) if user else {}
    response = client.get(f"/api/v1/jams/{jam_id}", headers=headers)
    assert response.status_code == 200, response.json
    return response.json


def code_of(jam: dict, name: str = "Image") -> str:
    return next(p["code"] for p in jam["passes"] if p["name"] == name)


def test_a_jam_starts_from_every_pass_of_the_current_version(client, make_user):
    owner = make_user()
    shader = published(client, owner, passes=FEEDBACK_PASSES, common=FEEDBACK_COMMON)
    jam = started(client, owner, shader["id"])
    assert jam["status"] == "live" and jam["url"] == f"/jam/{jam['id']}"
    assert jam["edit_url"] == f"/jam/{jam['id']}/edit?invite={jam['invite']}"
    assert len(jam["invite"]) >= 24
    shown = read(client, jam["id"])
    assert [p["name"] for p in shown["passes"]] == ["Common", "Buffer A", "Image"]
    assert code_of(shown, "Common") == FEEDBACK_COMMON
    assert code_of(shown, "Buffer A") == FEEDBACK_PASSES[0]["code"]
    assert shown["active_pass"] == "Buffer A" and shown["base_version"] == 1
    assert shown["participants"] == [{"id": owner["id"], "username": owner["username"],
                                      "color": shown["participants"][0]["color"],
                                      "role": "owner", "online": False}]
    assert shown["can_edit"] is False and "invite" not in shown, "a visitor only watches"
    mine = read(client, jam["id"], owner)
    assert mine["can_edit"] and mine["can_save"] and mine["invite"] == jam["invite"]


def test_one_live_jam_per_shader_and_only_its_owner_starts_one(client, make_user):
    owner, other = make_user(), make_user()
    shader = published(client, owner)
    jam = started(client, owner, shader["id"])
    again = start(client, owner, shader["id"])
    assert again.status_code == 409 and again.json["jam_id"] == jam["id"]
    assert str(jam["id"]) in again.json["message"]
    assert start(client, other, shader["id"]).status_code == 403
    assert start(client, owner, 999999).status_code == 404
    assert client.get("/api/v1/jams/999999").status_code == 404


def test_the_invite_makes_editors_and_a_new_one_stops_the_old(client, make_user):
    owner, bob, carol = make_user(), make_user(), make_user()
    jam = started(client, owner, published(client, owner)["id"])
    wrong = post(client, bob, jam["id"], "join", invite="not-the-token")
    assert wrong.status_code == 403 and "invite" in wrong.json["message"]
    assert post(client, bob, jam["id"], "join", invite=jam["invite"]).json == {"role": "editor"}
    rotated = post(client, owner, jam["id"], "invite")
    assert rotated.status_code == 200 and rotated.json["invite"] != jam["invite"]
    assert post(client, carol, jam["id"], "join", invite=jam["invite"]).status_code == 403
    assert post(client, bob, jam["id"], "invite").status_code == 403, "only the owner rotates"
    assert post(client, carol, jam["id"], "join",
                invite=rotated.json["invite"]).status_code == 200
    shown = read(client, jam["id"], bob)
    assert shown["can_edit"], "who joined before the new invite stays an editor"
    assert [(p["username"], p["role"]) for p in shown["participants"]] == [
        (owner["username"], "owner"), (bob["username"], "editor"), (carol["username"], "editor")]
    assert len({p["color"] for p in shown["participants"]}) == 3
    assert "invite" not in shown and "edit_url" not in shown
    signed_out = client.post(f"/api/v1/jams/{jam['id']}/join", json={"invite": jam["invite"]})
    assert signed_out.status_code == 401


def test_a_removed_editor_cannot_edit_or_rejoin(client, make_user):
    owner, bob = make_user(), make_user()
    jam = started(client, owner, published(client, owner)["id"])
    post(client, bob, jam["id"], "join", invite=jam["invite"])
    assert edit(client, bob, jam["id"], **{"pass": "Image", "at": 0, "insert": "// bob\n"}
                ).status_code == 200
    removed = client.delete(f"/api/v1/jams/{jam['id']}/participants/{bob['id']}",
                            headers=bearer(owner["access_token"]))
    assert removed.status_code == 204
    refused = edit(client, bob, jam["id"], **{"pass": "Image", "at": 0, "insert": "x"})
    assert refused.status_code == 403 and "read-only" in refused.json["message"]
    new_invite = post(client, owner, jam["id"], "invite").json["invite"]
    again = post(client, bob, jam["id"], "join", invite=new_invite)
    assert again.status_code == 403 and "removed" in again.json["message"]
    shown = read(client, jam["id"], bob)
    assert not shown["can_edit"] and bob["id"] not in [p["id"] for p in shown["participants"]]
    assert code_of(shown).startswith("// bob\n"), "what they wrote stays"


def test_rest_edits_splice_or_replace_a_pass(client, make_user):
    owner = make_user()
    jam = started(client, owner, published(client, owner)["id"])
    spliced = edit(client, owner, jam["id"], **{"pass": "Image", "at": 0, "insert": "// é😀\n"})
    assert spliced.status_code == 200
    assert spliced.json["code"] == "// é😀\n" + GRADIENT
    assert spliced.json["length"] == len("// é😀\n" + GRADIENT)
    # Offsets count characters: delete the emoji and the é.
    deleted = edit(client, owner, jam["id"], **{"pass": "Image", "at": 3, "delete": 2})
    assert deleted.json["code"] == "// \n" + GRADIENT
    wanted = GRADIENT.replace("0.5 + 0.5 * sin(iTime)", "1.0")
    replaced = edit(client, owner, jam["id"], **{"pass": "Image", "text": wanted})
    assert replaced.json["code"] == wanted
    assert code_of(read(client, jam["id"])) == wanted
    common = edit(client, owner, jam["id"], **{"pass": "Common", "text": "#define K 2.0\n"})
    assert common.status_code == 200 and common.json["pass"] == "Common"


def test_bad_edits_name_what_to_fix(client, make_user):
    owner, visitor = make_user(), make_user()
    jam = started(client, owner, published(client, owner)["id"])
    cases = [
        ({"pass": "Buffer A", "at": 0, "insert": "x"}, 422, "pass"),
        ({"pass": "Image", "at": 10_000, "insert": "x"}, 422, "at"),
        ({"pass": "Image", "at": 0, "delete": 10_000}, 422, "delete"),
        ({"pass": "Image", "at": -1}, 422, "at"),
        ({"pass": "Image", "at": "3"}, 422, "at"),
        ({"pass": "Image", "text": "x", "at": 0}, 422, "text"),
        ({"pass": "Image"}, 422, "text"),
        ({"text": "x"}, 422, "pass"),
        ({"pass": "Image", "colour": "red"}, 422, "colour"),
    ]
    for body, status, field in cases:
        answer = edit(client, owner, jam["id"], **body)
        assert answer.status_code == status, (body, answer.json)
        assert field in str(answer.json.get("errors")), (body, answer.json)
    too_big = edit(client, owner, jam["id"], **{"pass": "Image", "at": 0,
                                                "insert": "/" * 262_000})
    assert too_big.status_code == 413 and "262144" in too_big.json["message"]
    watcher = edit(client, visitor, jam["id"], **{"pass": "Image", "at": 0, "insert": "x"})
    assert watcher.status_code == 403
    assert code_of(read(client, jam["id"])) == GRADIENT, "nothing refused was applied"


def test_a_private_shaders_jam_is_hidden_from_others(client, make_user):
    owner, other = make_user(), make_user()
    shader = published(client, owner, visibility="private")
    jam = started(client, owner, shader["id"])
    assert read(client, jam["id"], owner)["status"] == "live"
    for user in (None, other):
        headers = bearer(user["access_token"]) if user else {}
        assert client.get(f"/api/v1/jams/{jam['id']}", headers=headers).status_code == 404
    assert post(client, other, jam["id"], "join", invite=jam["invite"]).status_code == 404
    public = published(client, owner, title="Shown")
    public_jam = started(client, owner, public["id"])
    client.patch(f"/api/v1/shaders/{public['id']}", json={"visibility": "private"},
                 headers=bearer(owner["access_token"]))
    assert client.get(f"/api/v1/jams/{public_jam['id']}").status_code == 404, \
        "the jam follows its shader's visibility"


def test_save_makes_the_next_version_naming_who_jammed(client, make_user):
    owner, bob, carol, idle = make_user(), make_user(), make_user(), make_user()
    shader = published(client, owner)
    jam = started(client, owner, shader["id"])
    for user in (bob, carol, idle):
        post(client, user, jam["id"], "join", invite=jam["invite"])
    edit(client, bob, jam["id"], **{"pass": "Image", "at": 0, "insert": "// bob\n"})
    edit(client, carol, jam["id"], **{"pass": "Common", "text": "// carol\n"})
    assert post(client, bob, jam["id"], "save").status_code == 403, "editors may not save"
    saved = post(client, owner, jam["id"], "save")
    assert saved.status_code == 201, saved.json
    assert saved.json["version"] == 2
    assert saved.json["co_authors"] == [bob["username"], carol["username"]]
    history = client.get(f"/api/v1/shaders/{shader['id']}/versions").json
    assert history[-1]["message"] == f"Jam with @{bob['username']}, @{carol['username']}"
    assert history[-1]["co_authors"] == [bob["username"], carol["username"]]
    assert history[0]["co_authors"] == []
    v2 = client.get(f"/api/v1/shaders/{shader['id']}/versions/2").json
    assert v2["code"] == "// bob\n" + GRADIENT and v2["common"] == "// carol\n"
    assert v2["author_id"] == owner["id"]
    page = client.get(f"/shaders/{shader['id']}").get_data(as_text=True)
    assert f'co-written with <a href="/u/{bob["username"]}">@{bob["username"]}</a>' in page
    again = post(client, owner, jam["id"], "save")
    assert again.status_code == 409 and "same as version 2" in again.json["message"]


def test_editors_may_save_when_the_owner_allows_it(client, make_user):
    owner, bob = make_user(), make_user()
    shader = published(client, owner)
    jam = started(client, owner, shader["id"], editors_may_save=True)
    post(client, bob, jam["id"], "join", invite=jam["invite"])
    edit(client, bob, jam["id"], **{"pass": "Image", "at": 0, "insert": "// bob\n"})
    assert read(client, jam["id"], bob)["can_save"]
    saved = post(client, bob, jam["id"], "save", message="tuned live")
    assert saved.status_code == 201
    history = client.get(f"/api/v1/shaders/{shader['id']}/versions").json
    assert history[-1]["message"] == f"tuned live (jam with @{bob['username']})"


def test_a_jam_that_does_not_compile_is_not_saved(client, make_user):
    owner = make_user()
    shader = published(client, owner)
    jam = started(client, owner, shader["id"])
    edit(client, owner, jam["id"], **{"pass": "Image", "text": GRADIENT.replace(";", "", 1)})
    refused = post(client, owner, jam["id"], "save")
    assert refused.status_code == 422
    assert refused.json["errors"][0]["pass"] == "Image" and refused.json["errors"][0]["line"]
    assert client.get(f"/api/v1/shaders/{shader['id']}").json["version"] == 1


def test_ending_refuses_edits_and_keeps_the_final_state(client, make_user):
    owner, bob = make_user(), make_user()
    shader = published(client, owner)
    jam = started(client, owner, shader["id"])
    post(client, bob, jam["id"], "join", invite=jam["invite"])
    edit(client, bob, jam["id"], **{"pass": "Image", "at": 0, "insert": "// final\n"})
    assert post(client, bob, jam["id"], "end").status_code == 403
    ended = post(client, owner, jam["id"], "end")
    assert ended.status_code == 200 and ended.json == {"status": "ended"}
    late = edit(client, bob, jam["id"], **{"pass": "Image", "at": 0, "insert": "late"})
    assert late.status_code == 409 and "ended" in late.json["message"]
    assert post(client, bob, jam["id"], "join", invite=jam["invite"]).status_code == 409
    assert post(client, owner, jam["id"], "save").status_code == 409
    shown = read(client, jam["id"])
    assert shown["status"] == "ended" and shown["ended_at"]
    assert code_of(shown) == "// final\n" + GRADIENT and not shown["can_edit"]
    assert started(client, owner, shader["id"])["id"] != jam["id"], "a new jam may start"


def test_an_agents_write_key_joins_and_edits_and_a_read_key_cannot(client, make_user):
    owner, agent = make_user(), make_user()
    jam = started(client, owner, published(client, owner)["id"])
    writer = {"X-API-Key": make_key(client, agent)["key"]}
    reader = {"X-API-Key": make_key(client, agent, scopes=("read",), name="ro")["key"]}
    path = f"/api/v1/jams/{jam['id']}"
    assert client.post(path + "/join", json={"invite": jam["invite"]},
                       headers=reader).status_code == 403
    assert client.post(path + "/join", json={"invite": jam["invite"]},
                       headers=writer).json == {"role": "editor"}
    edited = client.post(path + "/edits", json={"pass": "Image", "at": 0, "insert": "// ai\n"},
                         headers=writer)
    assert edited.status_code == 200 and edited.json["code"].startswith("// ai\n")
    assert client.get(path, headers=reader).json["can_edit"]


def test_compaction_folds_the_log_and_every_reader_agrees(make_app, client, make_user):
    import sqlalchemy as sa

    from fractafrag.extensions import db

    compacting = make_app(JAM_COMPACT_EVERY=3)
    busy = compacting.test_client()
    owner = make_user()
    jam = started(busy, owner, published(busy, owner)["id"])
    for n in range(10):
        assert edit(busy, owner, jam["id"], **{"pass": "Image", "at": 0,
                                               "insert": f"// {n}\n"}).status_code == 200
    with compacting.app_context():
        rows = db.session.scalar(sa.text("SELECT count(*) FROM jam_updates"))
        upto = db.session.scalar(sa.text("SELECT state_upto FROM jams"))
    assert rows < 3 and upto >= 8, "old rows were folded into the stored state"
    expected = "".join(f"// {n}\n" for n in reversed(range(10))) + GRADIENT
    assert code_of(read(busy, jam["id"])) == expected
    assert code_of(read(client, jam["id"])) == expected, "another process reads the same"
    compacting.extensions["fractafrag.jam_docs"].clear()
    assert code_of(read(busy, jam["id"])) == expected, "read again from PostgreSQL"
