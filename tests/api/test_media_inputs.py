"""`media:<id>` inputs: who may use which medium when a version is stored, and what the
single-shader answer gives a player to load them."""

from __future__ import annotations

from tests.api.shader_helpers import publish
from tests.api.test_media import png, upload
from tests.helpers import bearer

SAMPLE = ("void mainImage(out vec4 fragColor, in vec2 fragCoord) {\n"
          "    fragColor = texture(iChannel0, fragCoord / iResolution.xy);\n}\n")


def _passes(source: str) -> list[dict]:
    return [{"name": "Image", "code": SAMPLE, "inputs": [{"channel": 0, "source": source}]}]


def test_your_own_medium_publishes_and_the_answer_carries_it(client, make_user):
    ada = make_user()
    medium = upload(client, ada, png()).get_json()
    created = publish(client, ada, passes=_passes(f"media:{medium['id']}"))
    assert created.status_code == 201, created.json
    body = client.get(f"/api/v1/shaders/{created.json['id']}").json
    entry = body["media"][f"media:{medium['id']}"]
    assert entry["url"] == medium["url"] and (entry["width"], entry["height"]) == (8, 4)


def test_someone_elses_unused_medium_or_a_missing_one_is_a_422_naming_the_channel(client,
                                                                                   make_user):
    ada, bob = make_user(), make_user()
    medium = upload(client, ada, png()).get_json()
    for source in (f"media:{medium['id']}", "media:987654321"):
        refused = publish(client, bob, passes=_passes(source))
        assert refused.status_code == 422, refused.json
        errors = refused.json["errors"]
        assert errors[0]["pass"] == "Image" and errors[0]["line"] == 0
        assert "iChannel0" in errors[0]["message"] and source in errors[0]["message"]


def test_a_malformed_media_source_is_a_validation_error(client, make_user):
    refused = publish(client, make_user(), passes=_passes("media:0x1"))
    assert refused.status_code == 422
    assert "unknown source" in str(refused.json)


def test_edit_fork_and_restore_check_the_media_too(client, make_user):
    ada, bob = make_user(), make_user()
    mine = upload(client, ada, png()).get_json()
    theirs = upload(client, bob, png()).get_json()
    shader = publish(client, ada, passes=_passes(f"media:{mine['id']}")).json
    edit = client.patch(f"/api/v1/shaders/{shader['id']}", json={
        "passes": _passes(f"media:{theirs['id']}")}, headers=bearer(ada["access_token"]))
    assert edit.status_code == 422 and f"media:{theirs['id']}" in str(edit.json["errors"])
    # Bob sees the public shader, so he may use its medium: his fork is fine.
    fork = client.post(f"/api/v1/shaders/{shader['id']}/fork", json={},
                       headers=bearer(bob["access_token"]))
    assert fork.status_code == 201, fork.json


def test_the_builtin_inputs_are_listed_with_their_sampler_and_a_preview(client) -> None:
    listed = client.get("/api/v1/inputs").json
    by_source = {item["source"]: item for item in listed}
    assert by_source["cubemap:sky"]["sampler"] == "samplerCube"
    assert by_source["volume:noise-rgba"]["sampler"] == "sampler3D"
    assert (by_source["volume:noise-rgba"]["width"], by_source["volume:noise-rgba"]["depth"]) == (
        32, 32)
    assert (by_source["keyboard"]["width"], by_source["keyboard"]["height"]) == (256, 3)
    assert {"texture:bayer", "texture:blue-noise", "texture:noise-gray-64", "mic", "webcam",
            "video"} <= set(by_source)
    page = client.get(by_source["texture:bayer"]["preview_url"].split("#")[0])
    assert page.status_code == 200 and 'data-source="texture:bayer"' in page.text


def test_the_shader_page_and_the_editor_give_the_player_the_media(client, make_user):
    from tests.helpers import signed_in

    ada = make_user()
    medium = upload(client, ada, png()).get_json()
    shader = publish(client, ada, passes=_passes(f"media:{medium['id']}")).json
    page = client.get(f"/shaders/{shader['id']}").get_data(as_text=True)
    assert f'"media:{medium["id"]}"' in page and medium["url"] in page
    signed_in(client, ada)
    editor = client.get(f"/shaders/{shader['id']}/edit").get_data(as_text=True)
    assert f'"media:{medium["id"]}"' in editor and medium["url"] in editor
